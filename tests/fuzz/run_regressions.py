#!/usr/bin/env python3
"""Feeds every saved fuzzer input to kilnc: each must import (exit 0) or be rejected with a
diagnostic (exit 1, an `error:` line). A signal, another exit code or a hang fails.

Each input runs twice: as users run it, and with KILN_DEBUG_SKIP_KILN_CHECKS=1, which hands
libonnx the models Kiln's own checks would refuse first. Most of these crashed libonnx 1.12;
the second run shows that libonnx's child process contains that crash (frontend/LibOnnxSandbox)."""
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
    unguarded = dict(os.environ, KILN_DEBUG_SKIP_KILN_CHECKS="1")
    for name in inputs:
        path = os.path.join(args.dir, name)
        for label, env in (("", None), (" (Kiln's checks skipped)", unguarded)):
            # Force binary protobuf parsing: fuzz inputs have no meaningful extension.
            try:
                proc = subprocess.run([args.kilnc, path, "--emit=mlir", "-o", os.devnull],
                                      capture_output=True, text=True, timeout=60, env=env)
                ok = proc.returncode == 0 or (proc.returncode == 1 and "error:" in proc.stderr)
                detail = f"exit {proc.returncode}: {proc.stderr[-500:]}"
            except subprocess.TimeoutExpired:
                ok, detail = False, "timed out"
            if ok:
                passed += 1
            else:
                failed += 1
                print(f"FAIL {name}{label}: {detail}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
