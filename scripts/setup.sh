#!/usr/bin/env bash
# Installs everything Kiln needs on a fresh Debian 12 machine. Idempotent: safe to run again.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
# Debian packages, pinned in scripts/apt-packages.txt (NAME=VERSION, one a line).
mapfile -t APT_PINS < <(sed -e 's/#.*//' -e '/^\s*$/d' "$HERE/apt-packages.txt")

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

missing=()
for pin in "${APT_PINS[@]}"; do
  name=${pin%%=*} want=${pin#*=}
  have=$(dpkg-query -W -f='${Status} ${Version}' "$name" 2>/dev/null || true)
  [ "$have" = "install ok installed $want" ] || missing+=("$pin")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing apt packages: ${missing[*]}"
  log=$(mktemp)
  apt_install() {
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
      --allow-downgrades "$@" >>"$log" 2>&1
  }
  $SUDO apt-get update -qq >>"$log" 2>&1 || { cat "$log"; echo "setup: apt-get update failed" >&2; exit 1; }
  if ! apt_install "${missing[@]}"; then
    echo "setup: a pinned version is no longer served; installing the served versions of: ${missing[*]%%=*}" >&2
    apt_install "${missing[@]%%=*}" || { cat "$log"; echo "setup: apt-get failed" >&2; exit 1; }
  fi
  rm -f "$log"
fi

# Python packages, every one pinned with its dependencies.
REQUIREMENTS="$HERE/requirements.txt"
PY=${PYTHON:-python3}
# Installed already when every pinned requirement is there at exactly its version.
if ! $PY - "$REQUIREMENTS" <<'PYEOF' 2>/dev/null
import sys
from importlib.metadata import version
for line in open(sys.argv[1]):
    spec = line.split("#")[0].strip()
    if spec:
        name, want = spec.split("==")
        assert version(name) == want, (name, version(name), want)
PYEOF
then
  echo "setup: installing Python packages from $REQUIREMENTS"
  pip_args=(-q --disable-pip-version-check -r "$REQUIREMENTS")
  $PY -m pip install "${pip_args[@]}" 2>/dev/null ||
    $PY -m pip install "${pip_args[@]}" --break-system-packages
fi
echo "setup: done"
