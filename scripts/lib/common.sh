# Shared helpers for the project's scripts. Source it; do not run it.
# Every function is idempotent and says what it does.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export ROOT
export ELEVATE_CACHE="${ELEVATE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/elevate}"
# The cargo target dir lives outside the clone so fresh clones (and CI) reuse builds.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/elevate-target}"
mkdir -p "$ELEVATE_CACHE"

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }
warn() { printf '\033[1;33mwarning:\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

APT_UPDATED=0
# ensure_apt PKG... : installs the Debian packages that are missing.
ensure_apt() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  say "installing Debian packages: ${missing[*]}"
  if [ "$APT_UPDATED" -eq 0 ]; then
    $sudo apt-get -o DPkg::Lock::Timeout=600 update -qq
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# ensure_apt_list FILE... : installs the packages listed (one per line, # comments) in FILEs.
ensure_apt_list() {
  local pkgs
  pkgs=$(cat "$@" | sed 's/#.*//' | tr -s ' \n' '\n' | grep -v '^$' || true)
  # shellcheck disable=SC2086
  [ -z "$pkgs" ] || ensure_apt $pkgs
}

# ensure_venv : a Python venv under the cache with the packages in scripts/deps/python.txt.
ensure_venv() {
  local venv="$ELEVATE_CACHE/venv" req="$ROOT/scripts/deps/python.txt"
  local stamp="$venv/.req-$(sha256sum "$req" | cut -c1-16)"
  if [ ! -f "$stamp" ]; then
    say "preparing Python tools in $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check -r "$req"
    rm -f "$venv"/.req-* && touch "$stamp"
  fi
  export ELEVATE_PYTHON="$venv/bin/python"
  export PATH="$venv/bin:$PATH"
}

# phase NAME CMD... : runs a command and prints how long it took.
phase() {
  local name="$1"; shift
  local start=$SECONDS
  say "$name"
  "$@"
  say "$name: done in $((SECONDS - start)) s"
}
