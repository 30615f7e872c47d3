#!/usr/bin/env bash
# Gradescope autograder setup (runs once, as root, when the image is built).
# Also works on any Debian/Ubuntu machine: AUTOGRADER_ROOT (default
# /autograder) is the folder whose source/ holds this package.
#   1. Node.js >= 20.19 (official tarball into /usr/local) unless already there;
#   2. the course's npm dependencies (npm ci in source/);
#   (student code runs as a fresh unprivileged uid per grading run: no account to create).
set -euo pipefail

ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"
NODE_MAJOR=20
NODE_MIN="20.19.0"

say() { echo "[faultline setup] $*"; }

node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e '
    const [min, cur] = [process.argv[1], process.versions.node].map((v) => v.split(".").map(Number));
    const ok = cur[0] !== min[0] ? cur[0] > min[0] : cur[1] !== min[1] ? cur[1] > min[1] : cur[2] >= min[2];
    process.exit(ok ? 0 : 1);' "$NODE_MIN"
}

install_node() {
  local arch
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) echo "unsupported architecture $(uname -m)" >&2; exit 1 ;;
  esac
  if ! command -v curl >/dev/null 2>&1 || ! command -v xz >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl ca-certificates xz-utils
  fi
  local base="https://nodejs.org/dist/latest-v${NODE_MAJOR}.x"
  local tmp file
  tmp="$(mktemp -d)"
  curl -fsSL "$base/SHASUMS256.txt" -o "$tmp/SHASUMS256.txt"
  file="$(grep -o "node-v[0-9.]*-linux-${arch}\.tar\.xz" "$tmp/SHASUMS256.txt" | head -n1)"
  say "installing $file into /usr/local"
  curl -fsSL "$base/$file" -o "$tmp/$file"
  (cd "$tmp" && grep " $file\$" SHASUMS256.txt | sha256sum -c -)
  tar -xJf "$tmp/$file" -C /usr/local --strip-components=1 --no-same-owner
  rm -rf "$tmp"
  hash -r
}

if node_ok; then
  say "node $(node -v) is recent enough (>= $NODE_MIN)"
else
  install_node
  node_ok || { echo "node $(node -v 2>/dev/null || echo missing) is still older than $NODE_MIN" >&2; exit 1; }
  say "node $(node -v) installed"
fi

cd "$SOURCE"
if [ "${FAULTLINE_SKIP_NPM_CI:-}" = 1 ]; then
  say "FAULTLINE_SKIP_NPM_CI=1: not running npm ci"
else
  say "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
chmod +x "$SOURCE/run_autograder" 2>/dev/null || true

# Sandbox uids ("others") must be able to read the course (lib/, node_modules/);
# grading closes solutions/ and hidden tests itself.
chmod -R a+rX "$SOURCE"
say "done"
