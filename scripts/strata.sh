#!/usr/bin/env bash
# `strata` as an installed bin: runs scripts/strata.ts with tsx.
here=$(dirname "$(readlink -f "$0")")
exec node --import "$here/../node_modules/tsx/dist/esm/index.mjs" "$here/strata.ts" "$@"
