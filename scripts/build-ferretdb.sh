#!/usr/bin/env bash
# Builds FerretDB v1.24.0 from its module source into a cache folder (stack-notes section 10):
# `go install ...@v1.24.0` fails on these machines, so the module is downloaded and built by hand.
set -euo pipefail
VERSION=v1.24.0
DEST="${STRATA_CACHE_DIR:-$HOME/.cache/strata}/ferretdb-$VERSION"
if [ -x "$DEST/ferretdb" ]; then echo "$DEST/ferretdb"; exit 0; fi
command -v go >/dev/null || { echo "FerretDB needs Go to build: install Go (https://go.dev/doc/install) or set MONGODB_URI" >&2; exit 1; }
export GOFLAGS="-buildvcs=false -modcacherw"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dir=$(cd "$tmp" && go mod download -json "github.com/FerretDB/FerretDB@$VERSION" | python3 -c 'import json,sys;print(json.load(sys.stdin)["Dir"])')
cp -r "$dir" "$tmp/src"; chmod -R u+w "$tmp/src"
echo "$VERSION" > "$tmp/src/build/version/version.txt"
mkdir -p "$DEST"
(cd "$tmp/src" && go build -trimpath -o "$DEST/ferretdb.partial" ./cmd/ferretdb) >&2
mv "$DEST/ferretdb.partial" "$DEST/ferretdb"
echo "$DEST/ferretdb"
