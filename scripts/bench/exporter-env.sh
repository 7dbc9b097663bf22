#!/usr/bin/env bash
# Installs (once) prometheus-pve-exporter into the project venv .cache/py (the one scripts/python-env.sh makes), for
# the crawl benchmark's side-by-side run, and prints the path of its pve_exporter command. Idempotent: only prints
# the path when it is already installed. Exits non-zero, with the reason on stderr, when it cannot install it.
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=.cache/py
BIN="$PWD/$VENV/bin/pve_exporter"
if [ -x "$BIN" ] && "$VENV/bin/python" -c 'import pve_exporter' 2>/dev/null; then
  echo "$BIN"
  exit 0
fi
command -v python3 >/dev/null || { echo "exporter-env: python3 not found" >&2; exit 1; }
mkdir -p .cache
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check prometheus-pve-exporter >&2
[ -x "$BIN" ] || { echo "exporter-env: pve_exporter missing after the install" >&2; exit 1; }
echo "$BIN"
