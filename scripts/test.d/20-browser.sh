# The web view's browser tests: npm playwright-core and axe-core in tests/browser
# (Chromium itself comes from Debian, scripts/deps/apt-test.txt). Reinstalled only
# when package-lock.json changes.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
dir="$ROOT/tests/browser"
# Node.js comes from Debian when the machine has none (a newer Node already installed is kept).
command -v npm >/dev/null 2>&1 || ensure_apt nodejs npm
command -v npm >/dev/null 2>&1 || die "npm is not installed and could not be installed; install Node.js 18 or newer"
stamp="$dir/node_modules/.lock-$(sha256sum "$dir/package-lock.json" | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  say "installing browser test packages in tests/browser (npm ci)"
  (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
  rm -f "$dir"/node_modules/.lock-* && touch "$stamp"
fi
