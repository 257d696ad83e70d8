#!/usr/bin/env python3
"""Keeps the tree readable: no source file over 800 lines, no grab-bag files or folders.

Checks every file git tracks (or, outside a git checkout, every file under the root) with a
source extension. A file may pass 800 lines only when it is generated or vendored and listed
in EXEMPT with the reason; a file or folder may not be named misc or common (any case, any
extension): name it after what it holds.
"""
import os
import re
import subprocess
import sys

MAX_LINES = 800
SOURCE = re.compile(r"(\.(cpp|h|c|td|py|inc|cmake|sh|proto|in)|CMakeLists\.txt)$")
EXEMPT = {
    # ONNX's own onnx-ml.proto with the package renamed (its header says how to refresh it).
    "frontend/proto/kiln_onnx.proto": "vendored from ONNX",
}
GRAB_BAG = re.compile(r"^(misc|common)$", re.IGNORECASE)


def tracked(root):
    try:
        out = subprocess.run(["git", "-C", root, "ls-files"], capture_output=True, text=True,
                             check=True).stdout
        return [p for p in out.splitlines() if os.path.exists(os.path.join(root, p))]
    except (OSError, subprocess.CalledProcessError):
        files = []
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if not d.startswith(("build", "."))]
            files += [os.path.relpath(os.path.join(dirpath, f), root) for f in filenames]
        return files


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
    problems = []
    for path in tracked(root):
        parts = path.split("/")
        for part in parts:
            if GRAB_BAG.match(os.path.splitext(part)[0]):
                problems.append(f"{path}: '{part}' is a grab-bag name; name it after what it holds")
                break
        if not SOURCE.search(path) or path in EXEMPT:
            continue
        with open(os.path.join(root, path), errors="replace") as f:
            lines = sum(1 for _ in f)
        if lines > MAX_LINES:
            problems.append(f"{path}: {lines} lines (at most {MAX_LINES}); split it by what it holds")
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
