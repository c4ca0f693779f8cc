#!/usr/bin/env bash
# Installs what the admin UI's browser tests need: Debian's headless Chromium and the pinned
# npm packages (playwright-core, axe-core) of this folder. Safe to run again: every step checks
# before it acts. Playwright never downloads a browser here; the tests use /usr/bin/chromium.
set -euo pipefail
cd "$(dirname "$0")"

log() { printf 'browser setup: %s\n' "$*" >&2; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi
}

if [ ! -x /usr/bin/chromium ]; then
    log "installing chromium"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    log "installing nodejs and npm"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi

# playwright-core needs Node.js 20 or later.
node_major="$(node --version | sed 's/^v\([0-9]*\).*/\1/')"
if [ "${node_major:-0}" -lt 20 ]; then
    log "Node.js $(node --version) is too old for playwright-core: install Node.js 20 or later"
    exit 1
fi

# npm ci wipes and reinstalls node_modules: skip it when this lock file is installed already.
if [ ! -f node_modules/.install-stamp ] || [ package-lock.json -nt node_modules/.install-stamp ]; then
    log "installing npm packages"
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
    touch node_modules/.install-stamp
fi
