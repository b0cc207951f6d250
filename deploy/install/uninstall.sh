#!/usr/bin/env bash
# Timmy Fleet agent: uninstall.
#   sudo /opt/timmy-fleet/uninstall.sh [--decommission [--force]] [--purge]
# Stops and removes the service, the agent and its command.
#   --decommission  first tells the collector this node is retired (`timmy-fleet decommission`), so its
#                   silence is not downtime; if that fails nothing is removed, unless --force.
#   --force         with --decommission: remove the agent even when the collector could not be told.
#   --purge         also removes the config, the state (buffer, credential) and the timmy-fleet user.
# Exit codes: 0 removed; 1 bad usage or not root; 3 --decommission failed (nothing removed).
# Environment: TIMMY_ROOT=<dir> works under <dir> instead of / (tests).

main() {
  set -euo pipefail
  local ROOT="${TIMMY_ROOT:-}" PURGE="" DECOMMISSION="" FORCE="" a
  for a in "$@"; do
    case "$a" in
      --purge) PURGE=1 ;;
      --decommission) DECOMMISSION=1 ;;
      --force) FORCE=1 ;;
      -h|--help) sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
      *) echo "timmy-fleet uninstall: unknown option $a (try --help)" >&2; exit 1 ;;
    esac
  done
  [ -n "$ROOT" ] || [ "$(id -u)" = 0 ] || { echo "timmy-fleet uninstall: run as root (sudo)" >&2; exit 1; }
  local SYSTEMD=""
  [ -z "$ROOT" ] && [ -d /run/systemd/system ] && SYSTEMD=1

  if [ -n "$DECOMMISSION" ]; then
    local cmd="$ROOT/usr/local/bin/timmy-fleet" cfg="$ROOT/etc/timmy/fleet/config.yaml"
    if [ -x "$cmd" ] && "$cmd" decommission --config "$cfg"; then
      echo "timmy-fleet uninstall: the collector now knows this node is retired"
    elif [ -n "$FORCE" ]; then
      echo "timmy-fleet uninstall: could not tell the collector this node is retired; removing it anyway (--force): ask your fleet lead to retire it" >&2
    else
      echo "timmy-fleet uninstall: could not tell the collector this node is retired (see above); nothing removed. Fix that and re-run, or add --force to remove the agent anyway" >&2
      exit 3
    fi
  fi

  if [ -n "$SYSTEMD" ]; then
    systemctl disable --now timmy-fleet >/dev/null 2>&1 || true
  fi
  rm -rf "$ROOT/etc/systemd/system/timmy-fleet.service" "$ROOT/etc/systemd/system/timmy-fleet.service.d" "$ROOT/usr/local/bin/timmy-fleet" "$ROOT/opt/timmy-fleet"
  if [ -n "$SYSTEMD" ]; then
    systemctl daemon-reload
    systemctl reset-failed timmy-fleet >/dev/null 2>&1 || true
  fi
  if [ -n "$PURGE" ]; then
    rm -rf "$ROOT/etc/timmy/fleet" "$ROOT/var/lib/timmy/fleet"
    rmdir "$ROOT/etc/timmy" "$ROOT/var/lib/timmy" 2>/dev/null || true
    # The service is stopped; anything still running as the user (a stray `timmy-fleet run`) goes too.
    [ -z "$ROOT" ] && pkill -KILL -u timmy-fleet 2>/dev/null || true
    if [ -n "$ROOT" ]; then
      userdel --prefix "$ROOT" timmy-fleet 2>/dev/null || true
      groupdel --prefix "$ROOT" timmy-fleet 2>/dev/null || true
    else
      userdel timmy-fleet 2>/dev/null || true
      groupdel timmy-fleet 2>/dev/null || true
    fi
    echo "timmy-fleet uninstall: removed the agent, its config, state and user"
  else
    echo "timmy-fleet uninstall: removed the agent (config and state kept; --purge removes them)"
  fi
}

main "$@"
