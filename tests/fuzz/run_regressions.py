#!/usr/bin/env python3
"""Feeds every saved fuzzer input to kilnc: each must import (exit 0) or be rejected with a
diagnostic (exit 1, an `error:` line). A signal, another exit code or a hang fails."""
import argparse
import os
import subprocess
import sys


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kilnc", required=True)
    parser.add_argument("dir")
    args = parser.parse_args()
    inputs = sorted(f for f in os.listdir(args.dir)
                    if not f.startswith(".") and not f.endswith(".md"))
    passed = failed = 0
    for name in inputs:
        path = os.path.join(args.dir, name)
        # Force binary protobuf parsing: fuzz inputs have no meaningful extension.
        try:
            proc = subprocess.run([args.kilnc, path, "--emit=mlir", "-o", os.devnull],
                                  capture_output=True, text=True, timeout=60)
            ok = proc.returncode == 0 or (proc.returncode == 1 and "error:" in proc.stderr)
            detail = f"exit {proc.returncode}: {proc.stderr[-500:]}"
        except subprocess.TimeoutExpired:
            ok, detail = False, "timed out"
        if ok:
            passed += 1
        else:
            failed += 1
            print(f"FAIL {name}: {detail}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
