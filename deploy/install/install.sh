#!/usr/bin/env bash
# Timmy Fleet agent: one-line install or upgrade.
#
#   curl -fsSL https://<collector>/install.sh | sudo bash -s -- --token <enrollment-token>
#
# Checks the host, downloads the bundled agent from the collector and verifies it against the SHA-256
# pinned in this script (filled in by the collector that served it over HTTPS, or --sha256), creates
# the `timmy-fleet` system user, joins the fleet (when --token is given), installs the systemd unit and
# starts the service. Re-running it upgrades in place and keeps config and credential. A failed first
# install removes what it created; a failed upgrade leaves the previous version in place.
#
# Options:
#   --token <t>              enrollment token (needed the first time; omit to upgrade)
#   --collector <url>        collector URL (default: the one that served this script)
#   --sha256 <hex>           the agent bundle's SHA-256 (default: the one pinned in this script)
#   --user <name>            the watched user (~/.hermes, tmux sessions; default hermes)
#   --ca-file <pem>          CA bundle for the collector's certificate
#   --node <path>            Node.js >= 22 binary to use (default: node on PATH)
#   --node-tarball <url>     https URL of an official linux-x64 .tar.xz to fetch if Node.js is missing
#   --node-sha256 <hex>      its SHA-256 (required with --node-tarball; nodejs.org lists them in SHASUMS256.txt)
#   --allow-insecure-http    allow http:// to a non-loopback collector (not recommended)
# Exit codes: 0 installed; 1 bad usage; 2 host not ready (not root, no systemd, no Node.js >= 22);
#   3 cannot reach the collector or download; 4 refused for safety (plain HTTP, checksum mismatch,
#   unpinned download); 5 enrollment refused (wrong, used or expired token); 6 disk full or not writable.
# Environment: TIMMY_ROOT=<dir> installs under <dir> instead of / (tests); nothing is started then.

# Everything runs from main, called on the last line: a download cut short runs nothing.
main() {
  set -euo pipefail
  local COLLECTOR="__COLLECTOR_URL__" PINNED_SHA256="__AGENT_SHA256__"
  local TOKEN="" WATCH_USER="hermes" CA_FILE="" NODE_BIN="" NODE_TARBALL="" NODE_SHA256="" INSECURE="" WANT_SHA256=""
  local ROOT="${TIMMY_ROOT:-}" SVC_USER="timmy-fleet" MIN_NODE=22

  while [ $# -gt 0 ]; do
    case "$1" in
      --token) TOKEN="${2:-}"; shift 2 ;;
      --collector) COLLECTOR="${2:-}"; shift 2 ;;
      --sha256) WANT_SHA256="${2:-}"; shift 2 ;;
      --user) WATCH_USER="${2:-}"; shift 2 ;;
      --ca-file) CA_FILE="${2:-}"; shift 2 ;;
      --node) NODE_BIN="${2:-}"; shift 2 ;;
      --node-tarball) NODE_TARBALL="${2:-}"; shift 2 ;;
      --node-sha256) NODE_SHA256="${2:-}"; shift 2 ;;
      --allow-insecure-http) INSECURE=1; shift ;;
      -h|--help) usage; exit 0 ;;
      *) die 1 "unknown option $1 (try --help)" ;;
    esac
  done

  # 1. The host: root, systemd, and where to download from (refused before anything is fetched).
  [ -n "$ROOT" ] || [ "$(id -u)" = 0 ] || die 2 "run as root (sudo)"
  if [ -z "$ROOT" ] && [ ! -d /run/systemd/system ]; then
    die 2 "systemd is not running on this host (no /run/systemd/system; PID 1 is $(ps -o comm= -p 1 2>/dev/null || echo unknown)): the agent runs as a systemd service; use a systemd host (Debian 12, Ubuntu 22.04 or 24.04)"
  fi
  case "$COLLECTOR" in
    http://*|https://*) ;;
    *) die 1 "no collector URL: pass --collector https://<collector>" ;;
  esac
  COLLECTOR="${COLLECTOR%/}"
  if [ "${COLLECTOR#http://}" != "$COLLECTOR" ] && [ -z "$INSECURE" ] && ! is_loopback "$COLLECTOR"; then
    die 4 "refusing plain http:// to $(host_of "$COLLECTOR"): the agent would be downloaded and run as root unauthenticated; use https:// (or --allow-insecure-http on a network you trust)"
  fi
  [ -n "$WANT_SHA256" ] || WANT_SHA256="$PINNED_SHA256"
  is_sha256 "$WANT_SHA256" || die 4 "no pinned SHA-256 for the agent bundle: fetch this script from your collector's /install.sh, or pass --sha256 <hex>"
  if [ -n "$NODE_TARBALL" ]; then
    [ "${NODE_TARBALL#https://}" != "$NODE_TARBALL" ] || die 4 "--node-tarball must be an https:// URL"
    is_sha256 "$NODE_SHA256" || die 4 "--node-tarball needs --node-sha256 <hex> (see SHASUMS256.txt next to the tarball)"
  fi

  local OPT="$ROOT/opt/timmy-fleet" ETC="$ROOT/etc/timmy/fleet" STATE="$ROOT/var/lib/timmy/fleet"
  local UNIT_DIR="$ROOT/etc/systemd/system" BIN="$ROOT/usr/local/bin/timmy-fleet"
  local -a CURL=(curl -fsSL --retry 2 --connect-timeout 10 --max-time 120)
  # https: never follow a redirect to plain http, no TLS below 1.2.
  [ "${COLLECTOR#https://}" != "$COLLECTOR" ] && CURL+=(--proto =https --tlsv1.2)
  [ -n "$CA_FILE" ] && CURL+=(--cacert "$CA_FILE")

  TMP="$(mktemp -d)"
  CREATED=()
  DONE=""
  trap cleanup EXIT

  # 2. Node.js >= 22
  if [ -z "$NODE_BIN" ]; then
    local c
    for c in "$OPT/node/bin/node" "$(command -v node || true)" /usr/local/bin/node /usr/bin/node; do
      if [ -n "$c" ] && [ -x "$c" ] && [ "$(node_major "$c")" -ge "$MIN_NODE" ]; then NODE_BIN="$c"; break; fi
    done
  fi
  if [ -z "$NODE_BIN" ] && [ -n "$NODE_TARBALL" ]; then
    say "fetching Node.js from $NODE_TARBALL"
    curl -fsSL --retry 2 --max-time 300 --proto =https --tlsv1.2 -o "$TMP/node.tar.xz" "$NODE_TARBALL" 2>"$TMP/err" || die 3 "cannot download $NODE_TARBALL: $(oneline "$TMP/err")"
    [ "$(sha256sum "$TMP/node.tar.xz" | cut -d' ' -f1)" = "$NODE_SHA256" ] || die 4 "checksum mismatch for $NODE_TARBALL: not unpacking it"
    track "$OPT/node"
    mkdir -p "$OPT/node"
    tar -xJf "$TMP/node.tar.xz" -C "$OPT/node" --strip-components=1 --no-same-owner 2>"$TMP/err" || die_io "cannot unpack Node.js into $OPT/node"
    NODE_BIN="$OPT/node/bin/node"
  fi
  local found=""
  [ -n "$NODE_BIN" ] && found="$(node_version "$NODE_BIN")"
  if [ -z "$NODE_BIN" ] || [ "$(node_major "$NODE_BIN")" -lt "$MIN_NODE" ]; then
    local what="no node on PATH"
    [ -n "$NODE_BIN" ] && what="$NODE_BIN is ${found:-not a working node}"
    die 2 "Node.js >= $MIN_NODE is required ($what): install it (Debian/Ubuntu: https://github.com/nodesource/distributions, or an official build from https://nodejs.org/en/download) and re-run, or pass --node /path/to/node >= $MIN_NODE, or --node-tarball <https url> --node-sha256 <hex>"
  fi
  case "$NODE_BIN" in
    /*) ;;
    *) NODE_BIN="$(cd "$(dirname "$NODE_BIN")" && pwd)/$(basename "$NODE_BIN")" ;;
  esac
  # The path goes into the unit's ExecStart (systemd quoting and % specifiers) and the wrapper script.
  [[ "$NODE_BIN" =~ ^/[A-Za-z0-9._+@/-]+$ ]] || die 1 "the Node.js path '$NODE_BIN' has characters a systemd unit cannot carry safely; pass --node with a plain path"
  say "using Node.js $found at $NODE_BIN"

  # 3. Download and verify the agent (nothing is installed yet).
  fetch "$COLLECTOR/agent/timmy-fleet.mjs" "$TMP/timmy-fleet.mjs"
  local got
  got="$(sha256sum "$TMP/timmy-fleet.mjs" | cut -d' ' -f1)"
  [ "$got" = "$WANT_SHA256" ] || die 4 "checksum mismatch for timmy-fleet.mjs (pinned $WANT_SHA256, downloaded $got): not installing"
  fetch "$COLLECTOR/agent/timmy-fleet.service" "$TMP/timmy-fleet.service"
  fetch "$COLLECTOR/uninstall.sh" "$TMP/uninstall.sh"
  local version
  version="$("$NODE_BIN" "$TMP/timmy-fleet.mjs" version 2>"$TMP/err")" || die 2 "the agent does not run with $NODE_BIN: $(oneline "$TMP/err")"
  say "downloaded agent ${version#timmy-fleet }, checksum ok"

  local UPGRADE=""
  [ -s "$STATE/credential" ] && UPGRADE=1
  [ -n "$TOKEN" ] || [ -n "$UPGRADE" ] || die 1 "no credential yet: re-run with --token <enrollment-token>"

  # 4. The service user
  if ! user_exists "$SVC_USER"; then
    if [ -n "$ROOT" ]; then
      useradd --prefix "$ROOT" --system --user-group --no-create-home --home-dir /var/lib/timmy/fleet --shell /usr/sbin/nologin "$SVC_USER" 2>"$TMP/err" || die_io "cannot create the user $SVC_USER"
    else
      useradd --system --user-group --no-create-home --home-dir /var/lib/timmy/fleet --shell /usr/sbin/nologin "$SVC_USER" 2>"$TMP/err" || die_io "cannot create the user $SVC_USER"
    fi
    CREATED_USER=1
  fi

  # 5. Join (first install, or a new token): config and credential.
  track "$ETC" "$STATE"
  if [ -n "$TOKEN" ]; then
    local -a args=(join "$COLLECTOR" --token "$TOKEN" --config "$ETC/config.yaml" --state-dir "$STATE" --user "$WATCH_USER" --no-start-hint)
    [ -n "$CA_FILE" ] && args+=(--ca-file "$CA_FILE")
    [ -n "$INSECURE" ] && args+=(--allow-insecure-http)
    local rc=0
    "$NODE_BIN" "$TMP/timmy-fleet.mjs" "${args[@]}" >"$TMP/join" 2>"$TMP/err" || rc=$?
    # join's own exit codes: 3 unreachable, 5 refused, 6 cannot write; anything else is 1.
    case "$rc" in
      0) sed 's/^/timmy-fleet install: /' "$TMP/join" ;;
      3|5|6) die "$rc" "$(oneline "$TMP/err" | sed 's/^timmy-fleet: //')" ;;
      *) die 1 "join failed: $(oneline "$TMP/err" | sed 's/^timmy-fleet: //')" ;;
    esac
  fi

  # 6. Files: staged as *.new, then renamed into place together.
  track "$OPT" "$BIN" "$UNIT_DIR/timmy-fleet.service" "$UNIT_DIR/timmy-fleet.service.d"
  install -d -m 0755 "$OPT" "$ETC" "$(dirname "$STATE")" "$UNIT_DIR" "$(dirname "$BIN")" 2>"$TMP/err" || die_io "cannot create directories"
  install -d -m 0750 "$STATE" 2>"$TMP/err" || die_io "cannot create $STATE"
  stage 0755 "$TMP/timmy-fleet.mjs" "$OPT/timmy-fleet.mjs"
  printf '%s\n' "$WANT_SHA256  timmy-fleet.mjs" > "$TMP/timmy-fleet.mjs.sha256"
  stage 0644 "$TMP/timmy-fleet.mjs.sha256" "$OPT/timmy-fleet.mjs.sha256"
  stage 0755 "$TMP/uninstall.sh" "$OPT/uninstall.sh"
  printf '#!/bin/sh\nexec %s %s "$@"\n' "$(shq "$NODE_BIN")" "$(shq "$OPT/timmy-fleet.mjs")" > "$TMP/wrapper"
  stage 0755 "$TMP/wrapper" "$BIN"
  local line
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in
      "ExecStart=/usr/bin/node "*) printf 'ExecStart=%s %s\n' "$NODE_BIN" "${line#ExecStart=/usr/bin/node }" ;;
      *) printf '%s\n' "$line" ;;
    esac
  done < "$TMP/timmy-fleet.service" > "$TMP/unit"
  stage 0644 "$TMP/unit" "$UNIT_DIR/timmy-fleet.service"
  # Let the agent read the watched user's files through their group (homes are 0750 on Ubuntu).
  local WATCH_GROUP
  WATCH_GROUP="$(group_of "$WATCH_USER")"
  if [ -n "$WATCH_GROUP" ]; then
    install -d -m 0755 "$UNIT_DIR/timmy-fleet.service.d" 2>"$TMP/err" || die_io "cannot create the unit drop-in directory"
    printf '[Service]\nSupplementaryGroups=%s\n' "$WATCH_GROUP" > "$TMP/watch.conf"
    stage 0644 "$TMP/watch.conf" "$UNIT_DIR/timmy-fleet.service.d/watch.conf"
  fi
  commit_staged
  chown -R "$(id_of passwd "$SVC_USER"):$(id_of group "$SVC_USER")" "$STATE"
  chmod 0600 "$STATE/credential"
  DONE=1

  # 7. Start
  if [ -z "$ROOT" ]; then
    systemctl daemon-reload
    systemctl enable timmy-fleet >/dev/null 2>&1
    systemctl restart timmy-fleet || die 1 "installed, but the service did not start: journalctl -u timmy-fleet"
    say "${UPGRADE:+upgraded, }installed and started: systemctl status timmy-fleet; timmy-fleet health"
  else
    say "installed under $ROOT; nothing started (TIMMY_ROOT)"
  fi
}

usage() { sed -n '2,25p' "${BASH_SOURCE[0]}" 2>/dev/null | sed 's/^# \{0,1\}//' || echo "see the README"; }
say() { echo "timmy-fleet install: $*"; }
die() {
  local code="$1"
  shift
  echo "timmy-fleet install: $*" >&2
  exit "$code"
}
# A write failed: disk full (6) or something else; one line either way.
die_io() {
  if grep -qi 'no space left' "$TMP/err" 2>/dev/null; then die 6 "$1: no space left on device (free some space and re-run)"; fi
  die 1 "$1: $(oneline "$TMP/err")"
}
oneline() { tr '\n' ' ' < "$1" | sed 's/ *$//' | cut -c1-300; }
shq() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
is_sha256() { [[ "$1" =~ ^[0-9a-f]{64}$ ]]; }
host_of() { local h="${1#*://}"; h="${h%%/*}"; echo "${h%:*}"; }
is_loopback() {
  case "$(host_of "$1")" in
    localhost|127.*|"[::1]") return 0 ;;
    *) return 1 ;;
  esac
}
node_version() { "$1" -p 'process.version' 2>/dev/null || true; }
node_major() {
  local v
  v="$(node_version "$1")"
  v="${v#v}"
  v="${v%%.*}"
  [[ "$v" =~ ^[0-9]+$ ]] && echo "$v" || echo 0
}
fetch() {
  "${CURL[@]}" -o "$2" "$1" 2>"$TMP/err" || {
    if grep -qi 'no space left\|write error\|Failure writing' "$TMP/err"; then die 6 "cannot save $1 in $TMP: no space left on device (free some space and re-run)"; fi
    if grep -q 'error: 4[0-9][0-9]' "$TMP/err"; then die 3 "the collector at $COLLECTOR refused $1: $(oneline "$TMP/err")"; fi
    die 3 "cannot reach the collector at $COLLECTOR: $(oneline "$TMP/err")"
  }
}
user_exists() {
  if [ -n "$ROOT" ]; then grep -q "^$1:" "$ROOT/etc/passwd" 2>/dev/null; else id "$1" >/dev/null 2>&1; fi
}
group_of() {
  if [ -n "$ROOT" ]; then
    local gid
    gid="$(grep "^$1:" "$ROOT/etc/passwd" 2>/dev/null | cut -d: -f4)"
    [ -n "$gid" ] && awk -F: -v g="$gid" '$3 == g {print $1; exit}' "$ROOT/etc/group"
  else
    id -gn "$1" 2>/dev/null || true
  fi
}
id_of() { if [ -n "$ROOT" ]; then grep "^$2:" "$ROOT/etc/$1" | cut -d: -f3; else getent "$1" "$2" | cut -d: -f3; fi; }
# Remember the outermost path this run creates, so a failed first install can take it away again.
track() {
  local p top
  for p in "$@"; do
    top=""
    while [ ! -e "$p" ] && [ "$p" != "$ROOT" ] && [ "$p" != / ]; do
      top="$p"
      p="$(dirname "$p")"
    done
    [ -n "$top" ] && CREATED+=("$top")
  done
  return 0
}
STAGED=()
stage() {
  install -m "$1" "$2" "$3.new" 2>"$TMP/err" || die_io "cannot write $3"
  STAGED+=("$3")
}
commit_staged() {
  local f
  for f in "${STAGED[@]}"; do mv -f "$f.new" "$f"; done
  STAGED=()
}
cleanup() {
  local rc=$?
  if [ -z "${DONE:-}" ]; then
    local f
    for f in "${STAGED[@]}"; do rm -f "$f.new"; done
    if [ "${#CREATED[@]}" -gt 0 ]; then rm -rf "${CREATED[@]}"; fi
    if [ -n "${CREATED_USER:-}" ]; then
      if [ -n "${TIMMY_ROOT:-}" ]; then
        userdel --prefix "$TIMMY_ROOT" timmy-fleet 2>/dev/null || true
        groupdel --prefix "$TIMMY_ROOT" timmy-fleet 2>/dev/null || true
      else
        userdel timmy-fleet 2>/dev/null || true
        groupdel timmy-fleet 2>/dev/null || true
      fi
    fi
  fi
  rm -rf "${TMP:-/nonexistent-timmy-tmp}"
  exit "$rc"
}

main "$@"
