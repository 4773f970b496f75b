#!/usr/bin/env bash
# Node.js 22 LTS for the second test run: the npm registry's `node` package carries the binary, so no
# other download is needed. Installed once into a cache folder; prints the folder that holds `node`.
set -euo pipefail
dir="${ECSPERT_NODE22_DIR:-${HOME:-/root}/.cache/ecspert/node22}"
bin="$dir/node_modules/node/bin"
if ! "$bin/node" --version 2>/dev/null | grep -q '^v22\.'; then
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error node@22 >&2
fi
version="$("$bin/node" --version)"
case "$version" in
  v22.*) ;;
  *) echo "node22: expected Node.js 22 in $bin, found '$version'" >&2; exit 1 ;;
esac
echo "$bin"
