#!/usr/bin/env bash
# Configures and builds Kiln into build/ (clang-22 + lld + ccache when present).
# BUILD_DIR picks another folder; KILN_CMAKE_ARGS adds configure options (e.g. the
# sanitizer build: KILN_CMAKE_ARGS=-DKILN_SANITIZE=address,undefined); further
# arguments go to `cmake --build` (e.g. --target kilnc).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
# ccache hits across clones: paths under the checkout are hashed relative to it.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  # shellcheck disable=SC2086 # KILN_CMAKE_ARGS is a list of options
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release ${KILN_CMAKE_ARGS:-}
fi
cmake --build "$BUILD_DIR" "$@"
