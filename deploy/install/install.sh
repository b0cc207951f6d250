#!/usr/bin/env bash
# Timmy Fleet agent: one-line install or upgrade.
#
#   curl -fsSL https://<collector>/install.sh | sudo bash -s -- --token <enrollment-token>
#
# Downloads the bundled agent and its checksum from the collector, verifies it, creates the
# `timmy-fleet` system user, installs the systemd unit, joins the fleet (when --token is given)
# and starts the service. Re-running it upgrades in place and keeps config and credential.
#
# Options:
#   --token <t>            enrollment token (needed the first time; omit to upgrade)
#   --collector <url>      collector URL (default: the one that served this script)
#   --user <name>          the watched user (~/.hermes, tmux sessions; default hermes)
#   --ca-file <pem>        CA bundle for the collector's certificate
#   --node <path>          Node.js >= 22 binary to use (default: node on PATH)
#   --node-tarball <url>   where to fetch Node.js if it is missing (an official linux-x64 .tar.xz)
#   --allow-insecure-http  allow http:// to a non-loopback collector
# Environment: TIMMY_ROOT=<dir> installs under <dir> instead of / (tests); nothing is started then.
set -euo pipefail

COLLECTOR="__COLLECTOR_URL__"
TOKEN=""
WATCH_USER="hermes"
CA_FILE=""
NODE_BIN=""
NODE_TARBALL=""
INSECURE=""
ROOT="${TIMMY_ROOT:-}"
SVC_USER="timmy-fleet"
MIN_NODE=22

die() { echo "timmy-fleet install: $*" >&2; exit 1; }
say() { echo "timmy-fleet install: $*"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --token) TOKEN="${2:-}"; shift 2 ;;
    --collector) COLLECTOR="${2:-}"; shift 2 ;;
    --user) WATCH_USER="${2:-}"; shift 2 ;;
    --ca-file) CA_FILE="${2:-}"; shift 2 ;;
    --node) NODE_BIN="${2:-}"; shift 2 ;;
    --node-tarball) NODE_TARBALL="${2:-}"; shift 2 ;;
    --allow-insecure-http) INSECURE=1; shift ;;
    -h|--help) sed -n '2,21p' "$0" 2>/dev/null || echo "see the README"; exit 0 ;;
    *) die "unknown option $1 (try --help)" ;;
  esac
done

case "$COLLECTOR" in
  http://*|https://*) ;;
  *) die "no collector URL: pass --collector https://<collector>" ;;
esac
COLLECTOR="${COLLECTOR%/}"
[ -n "$ROOT" ] || [ "$(id -u)" = 0 ] || die "run as root (sudo)"

OPT="$ROOT/opt/timmy-fleet"
ETC="$ROOT/etc/timmy/fleet"
STATE="$ROOT/var/lib/timmy/fleet"
UNIT_DIR="$ROOT/etc/systemd/system"
BIN="$ROOT/usr/local/bin/timmy-fleet"
CURL=(curl -fsSL --retry 3 --max-time 120)
[ -n "$CA_FILE" ] && CURL+=(--cacert "$CA_FILE")

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

# 1. Node.js >= 22
if [ -z "$NODE_BIN" ]; then
  for c in "$OPT/node/bin/node" "$(command -v node || true)" /usr/local/bin/node /usr/bin/node; do
    if [ -n "$c" ] && [ -x "$c" ] && [ "$(node_major "$c")" -ge "$MIN_NODE" ]; then NODE_BIN="$c"; break; fi
  done
fi
if [ -z "$NODE_BIN" ] && [ -n "$NODE_TARBALL" ]; then
  say "fetching Node.js from $NODE_TARBALL"
  mkdir -p "$OPT/node"
  "${CURL[@]}" "$NODE_TARBALL" | tar -xJ -C "$OPT/node" --strip-components=1
  NODE_BIN="$OPT/node/bin/node"
fi
if [ -z "$NODE_BIN" ] || [ ! -x "$NODE_BIN" ] || [ "$(node_major "$NODE_BIN")" -lt "$MIN_NODE" ]; then
  cat >&2 <<MSG
timmy-fleet install: Node.js >= $MIN_NODE is required and was not found${NODE_BIN:+ ($NODE_BIN is too old or missing)}.
  Ubuntu/Debian:  curl -fsSL https://deb.nodesource.com/setup_22.x | sudo bash - && sudo apt-get install -y nodejs
  or any official build: https://nodejs.org/en/download (then re-run with --node /path/to/node)
  or let this script fetch one: --node-tarball <url of node-v22.x-linux-x64.tar.xz>
MSG
  exit 2
fi
say "using Node.js $("$NODE_BIN" --version) at $NODE_BIN"

# 2. Download and verify the agent
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
"${CURL[@]}" -o "$TMP/timmy-fleet.mjs" "$COLLECTOR/agent/timmy-fleet.mjs" || die "cannot download the agent from $COLLECTOR"
"${CURL[@]}" -o "$TMP/timmy-fleet.mjs.sha256" "$COLLECTOR/agent/timmy-fleet.mjs.sha256" || die "cannot download the checksum"
"${CURL[@]}" -o "$TMP/timmy-fleet.service" "$COLLECTOR/agent/timmy-fleet.service" || die "cannot download the systemd unit"
"${CURL[@]}" -o "$TMP/uninstall.sh" "$COLLECTOR/uninstall.sh" || die "cannot download uninstall.sh"
want="$(cut -d' ' -f1 "$TMP/timmy-fleet.mjs.sha256")"
got="$(sha256sum "$TMP/timmy-fleet.mjs" | cut -d' ' -f1)"
[ -n "$want" ] && [ "$want" = "$got" ] || die "checksum mismatch for timmy-fleet.mjs (expected $want, got $got): not installing"
"$NODE_BIN" "$TMP/timmy-fleet.mjs" version >/dev/null || die "the downloaded agent does not run with $NODE_BIN"
say "downloaded agent $("$NODE_BIN" "$TMP/timmy-fleet.mjs" version | cut -d' ' -f2), checksum ok"

# 3. User and files
if [ -n "$ROOT" ]; then
  grep -q "^$SVC_USER:" "$ROOT/etc/passwd" 2>/dev/null || useradd --prefix "$ROOT" --system --user-group --no-create-home --home-dir /var/lib/timmy/fleet --shell /usr/sbin/nologin "$SVC_USER"
else
  id "$SVC_USER" >/dev/null 2>&1 || useradd --system --user-group --no-create-home --home-dir /var/lib/timmy/fleet --shell /usr/sbin/nologin "$SVC_USER"
fi
install -d -m 0755 "$OPT" "$ETC" "$UNIT_DIR" "$(dirname "$BIN")"
install -d -m 0750 "$STATE"
install -m 0755 "$TMP/timmy-fleet.mjs" "$OPT/timmy-fleet.mjs.new" && mv -f "$OPT/timmy-fleet.mjs.new" "$OPT/timmy-fleet.mjs"
install -m 0644 "$TMP/timmy-fleet.mjs.sha256" "$OPT/timmy-fleet.mjs.sha256"
install -m 0755 "$TMP/uninstall.sh" "$OPT/uninstall.sh"
printf '#!/bin/sh\nexec %s %s/timmy-fleet.mjs "$@"\n' "$NODE_BIN" "$OPT" > "$BIN"
chmod 0755 "$BIN"
sed "s#^ExecStart=/usr/bin/node #ExecStart=$NODE_BIN #" "$TMP/timmy-fleet.service" > "$UNIT_DIR/timmy-fleet.service"
chmod 0644 "$UNIT_DIR/timmy-fleet.service"
# Let the agent read the watched user's files through their group (homes are 0750 on Ubuntu).
WATCH_GROUP="$(id -gn "$WATCH_USER" 2>/dev/null || true)"
if [ -n "$WATCH_GROUP" ]; then
  install -d -m 0755 "$UNIT_DIR/timmy-fleet.service.d"
  printf '[Service]\nSupplementaryGroups=%s\n' "$WATCH_GROUP" > "$UNIT_DIR/timmy-fleet.service.d/watch.conf"
fi

# 4. Join (first install, or a new token)
if [ -n "$TOKEN" ]; then
  args=(join "$COLLECTOR" --token "$TOKEN" --config "$ETC/config.yaml" --state-dir "$STATE" --user "$WATCH_USER")
  [ -n "$CA_FILE" ] && args+=(--ca-file "$CA_FILE")
  [ -n "$INSECURE" ] && args+=(--allow-insecure-http)
  "$NODE_BIN" "$OPT/timmy-fleet.mjs" "${args[@]}" || die "join failed (see above); the agent is installed but not enrolled"
elif [ ! -s "$STATE/credential" ]; then
  die "no credential yet: re-run with --token <enrollment-token>"
fi
if [ -n "$ROOT" ]; then
  chown -R "$(grep "^$SVC_USER:" "$ROOT/etc/passwd" | cut -d: -f3):$(grep "^$SVC_USER:" "$ROOT/etc/group" | cut -d: -f3)" "$STATE"
else
  chown -R "$SVC_USER:$SVC_USER" "$STATE"
fi
chmod 0600 "$STATE/credential"

# 5. Start
if [ -z "$ROOT" ] && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  systemctl enable timmy-fleet >/dev/null 2>&1
  systemctl restart timmy-fleet
  say "installed and started: systemctl status timmy-fleet; timmy-fleet health"
else
  say "installed under ${ROOT:-/}; systemd is not running here: start it with 'timmy-fleet run'"
fi
