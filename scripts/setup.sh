#!/usr/bin/env bash
# Installs everything Kiln needs on a fresh Debian 12 machine. Idempotent: safe to run again.
set -euo pipefail

APT_PACKAGES=(
  llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools clang-22 lld-22 libclang-rt-22-dev
  libonnx-dev libonnx-testdata libprotobuf-dev protobuf-compiler
  libtbb-dev libboost-program-options-dev libgtest-dev
  ccache ninja-build cmake python3-pip
)
# onnx is pinned: ir/onnx/OnnxOps.td is generated from its schema registry.
PIP_PACKAGES=(onnx==1.23.2 onnxruntime==1.31.1 numpy lit)

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing apt packages: ${missing[*]}"
  log=$(mktemp)
  if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
      --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    cat "$log"; echo "setup: apt-get failed" >&2; exit 1
  fi
  rm -f "$log"
fi

PY=${PYTHON:-python3}
if ! $PY -c 'import onnx, onnxruntime, numpy, lit; assert onnx.__version__ == "1.23.2"' 2>/dev/null; then
  echo "setup: installing Python packages: ${PIP_PACKAGES[*]}"
  $PY -m pip install -q --disable-pip-version-check "${PIP_PACKAGES[@]}" 2>/dev/null ||
    $PY -m pip install -q --disable-pip-version-check --break-system-packages "${PIP_PACKAGES[@]}"
fi
echo "setup: done"
