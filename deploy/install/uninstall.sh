#!/usr/bin/env bash
# Timmy Fleet agent: uninstall.
#   sudo /opt/timmy-fleet/uninstall.sh [--purge]
# Stops and removes the service, the agent and its command. --purge also removes the config,
# the state (buffer, credential) and the timmy-fleet user.
# Environment: TIMMY_ROOT=<dir> works under <dir> instead of / (tests).
set -euo pipefail
ROOT="${TIMMY_ROOT:-}"
PURGE=""
for a in "$@"; do
  case "$a" in
    --purge) PURGE=1 ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "timmy-fleet uninstall: unknown option $a" >&2; exit 1 ;;
  esac
done
[ -n "$ROOT" ] || [ "$(id -u)" = 0 ] || { echo "timmy-fleet uninstall: run as root (sudo)" >&2; exit 1; }
if [ -z "$ROOT" ] && [ -d /run/systemd/system ]; then
  systemctl disable --now timmy-fleet >/dev/null 2>&1 || true
fi
rm -rf "$ROOT/etc/systemd/system/timmy-fleet.service" "$ROOT/etc/systemd/system/timmy-fleet.service.d" "$ROOT/usr/local/bin/timmy-fleet" "$ROOT/opt/timmy-fleet"
if [ -z "$ROOT" ] && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
if [ -n "$PURGE" ]; then
  rm -rf "$ROOT/etc/timmy/fleet" "$ROOT/var/lib/timmy/fleet"
  rmdir "$ROOT/etc/timmy" "$ROOT/var/lib/timmy" 2>/dev/null || true
  if [ -n "$ROOT" ]; then userdel --prefix "$ROOT" timmy-fleet 2>/dev/null || true; else userdel timmy-fleet 2>/dev/null || true; fi
  echo "timmy-fleet uninstall: removed the agent, its config, state and user"
else
  echo "timmy-fleet uninstall: removed the agent (config and state kept; --purge removes them)"
fi
