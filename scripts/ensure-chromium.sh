#!/usr/bin/env bash
# Prints the path of a Chromium binary the browser tests may drive (through playwright-core; no
# browser is ever downloaded). Order: $CHROMIUM_PATH; /usr/bin/chromium; otherwise, as root with
# apt-get, Debian's chromium is installed. Exit 1 when none can be had.
set -euo pipefail
log() { echo "ensure-chromium: $*" >&2; }

if [ -n "${CHROMIUM_PATH:-}" ]; then
  [ -x "$CHROMIUM_PATH" ] && { echo "$CHROMIUM_PATH"; exit 0; }
  log "CHROMIUM_PATH is set but $CHROMIUM_PATH is not an executable"; exit 1
fi

[ -x /usr/bin/chromium ] && { echo /usr/bin/chromium; exit 0; }

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  log "no Chromium at /usr/bin/chromium and this user cannot install one"; exit 1
fi

log "installing Chromium from Debian's packages"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq chromium >&2
[ -x /usr/bin/chromium ] && { echo /usr/bin/chromium; exit 0; }
log "chromium was installed but /usr/bin/chromium is missing"; exit 1
