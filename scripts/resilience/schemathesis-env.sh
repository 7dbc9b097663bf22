#!/usr/bin/env bash
# Installs (once) schemathesis into the project's Python venv .cache/py (made here when missing), for the
# attack test (test/resilience/attack.test.ts). Idempotent: does nothing when the venv already has it.
# Prints the path of the `st` command on success; exits non-zero when it cannot be installed.
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=.cache/py
if [ ! -x "$VENV/bin/python" ]; then
  command -v python3 >/dev/null || { echo "schemathesis-env: python3 not found" >&2; exit 1; }
  mkdir -p .cache
  python3 -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c 'import schemathesis' 2>/dev/null; then
  "$VENV/bin/pip" install --quiet --disable-pip-version-check 'schemathesis>=4,<5' >&2
fi
"$VENV/bin/python" -c 'import schemathesis' >/dev/null
echo "$PWD/$VENV/bin/st"
