#!/usr/bin/env bash
# Creates (once) the Python venv in .cache/py with proxmoxer and requests, used by the simulator's fidelity test.
# Idempotent: does nothing when the venv already imports both packages. Exits non-zero when it cannot make the venv.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.cache/py
if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import proxmoxer, requests' 2>/dev/null; then
  exit 0
fi
command -v python3 >/dev/null || { echo "python-env: python3 not found" >&2; exit 1; }
mkdir -p .cache
python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check proxmoxer requests
"$VENV/bin/python" -c 'import proxmoxer, requests; print("python-env: proxmoxer", proxmoxer.__version__)'
