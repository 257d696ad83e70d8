#!/usr/bin/env bash
# Makes the venv that `python -m kiln.serve`, its test and bench/triton_serve.py run in:
#   bash scripts/setup_serve_venv.sh [VENV]      (default: $BUILD_DIR/serve-venv, build/serve-venv)
# Made from Debian's own Python (/usr/bin/python3, apt package python3-venv; SERVE_PYTHON
# picks another): the Triton Python stub that nvidia-pytriton carries fails under pyenv's
# Python 3.11.7. Installs scripts/requirements-serve.txt (every package pinned) and puts the
# build tree's package kiln ($BUILD_DIR/python, made by scripts/build.sh) on the venv's path,
# so the venv always runs the kiln just built. Idempotent: skips the install when the venv
# holds exactly these pins for this Python (a stamp file records them). Prints the venv's
# python on its last line.
set -euo pipefail
VENV=${1:+$(realpath -m "$1")}  # relative to where it is called from
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
VENV=${VENV:-$(realpath -m "$BUILD_DIR/serve-venv")}
PY=${SERVE_PYTHON:-/usr/bin/python3}
REQUIREMENTS=scripts/requirements-serve.txt
KILN_PACKAGE_DIR=$(realpath -m "$BUILD_DIR/python")

if [ ! -x "$PY" ]; then
  echo "setup_serve_venv: $PY not found (Debian: apt-get install python3 python3-venv)" >&2
  exit 1
fi
want="$("$PY" -c 'import sys; print(sys.version)') $(sha256sum "$REQUIREMENTS" | cut -d' ' -f1)"
stamp="$VENV/.kiln-serve-stamp"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] || [ ! -x "$VENV/bin/python" ]; then
  start=$(date +%s)
  echo "setup_serve_venv: making $VENV from $PY with $REQUIREMENTS" >&2
  "$PY" -m venv --clear "$VENV" || {
    echo "setup_serve_venv: '$PY -m venv' failed (Debian: apt-get install python3-venv)" >&2
    exit 1
  }
  # --no-deps: the file pins every dependency itself; pip check verifies the set is whole.
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps -r "$REQUIREMENTS" >&2
  "$VENV/bin/python" -m pip check >&2
  echo "$want" >"$stamp"
  echo "setup_serve_venv: done in $(( $(date +%s) - start )) s" >&2
fi
# The package kiln from the build tree (kept current on every run: BUILD_DIR may change).
site=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo "$KILN_PACKAGE_DIR" >"$site/kiln-build-tree.pth"
if ! err=$("$VENV/bin/python" -c 'import kiln' 2>&1); then
  echo "setup_serve_venv: the venv's Python cannot import kiln from $KILN_PACKAGE_DIR:" >&2
  echo "$err" | tail -3 >&2
  echo "setup_serve_venv: build it first (scripts/build.sh); if its extension was built for" \
    "another Python version than $("$VENV/bin/python" -V), install the package into the" \
    "venv instead: $VENV/bin/pip install ." >&2
  exit 1
fi
echo "$VENV/bin/python"
