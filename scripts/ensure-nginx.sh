#!/usr/bin/env bash
# Prints the path of an nginx binary the gateway integration test may run (as an unprivileged
# process of its own: `nginx -p <tmpdir> -c <conf>`, `daemon off`, loopback ports; the system
# service is never started or touched). Order: $NGINX_PATH; nginx on PATH or in /usr/sbin;
# otherwise, as root with apt-get, Debian's nginx is installed (policy-rc.d keeps its service
# from starting). Exit 1 when none can be had.
set -euo pipefail
log() { echo "ensure-nginx: $*" >&2; }

if [ -n "${NGINX_PATH:-}" ]; then
  [ -x "$NGINX_PATH" ] && { echo "$NGINX_PATH"; exit 0; }
  log "NGINX_PATH is set but $NGINX_PATH is not an executable"; exit 1
fi

found() {
  if command -v nginx >/dev/null 2>&1; then command -v nginx; return 0; fi
  [ -x /usr/sbin/nginx ] && { echo /usr/sbin/nginx; return 0; }
  return 1
}
found && exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  log "no nginx found and this user cannot install one"; exit 1
fi

log "installing nginx from Debian's packages (its service is not started)"
export DEBIAN_FRONTEND=noninteractive
# Debian starts services on install unless policy-rc.d forbids it; forbid it for this install only.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && created_policy=1
fi
cleanup() { [ "$created_policy" = 1 ] && rm -f "$policy"; }
trap cleanup EXIT
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends nginx >&2
found && exit 0
log "nginx was installed but no binary was found"; exit 1
