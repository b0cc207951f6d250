#!/usr/bin/env bash
# Builds (once) the Debian root file system test/systemd.test.ts boots with systemd-nspawn, and prints
# the path of its cached tarball. The cache lives outside the repository, keyed by everything that
# decides its content (suite, variant, package list), so a changed list builds a new one:
#   /var/cache/timmy-fleet/rootfs-<suite>-<key>.tar
# Needs root, debootstrap and the network path to the Debian mirror apt already uses on this machine.
#   bash scripts/systemd-rootfs.sh            # build if missing, print the tarball path
#   bash scripts/systemd-rootfs.sh --path     # only print where it is (exit 1 when not built yet)
#   TIMMY_ROOTFS_CACHE=/some/dir bash ...     # another cache directory
set -euo pipefail

SUITE=bookworm
VARIANT=minbase
# Keep in step with what test/systemd.test.ts needs inside: systemd as PID 1, dbus for systemctl,
# curl + CA certificates for the one-line install, tmux for the tmux probe, sudo for `sudo bash`,
# procps (ps, kill), libstdc++6 for the workspace's Node 24 binary, passwd for useradd.
PACKAGES="ca-certificates,curl,dbus,libstdc++6,passwd,procps,sudo,systemd,systemd-sysv,tmux"
CACHE="${TIMMY_ROOTFS_CACHE:-/var/cache/timmy-fleet}"
KEY="$(printf '%s\n' "$SUITE" "$VARIANT" "$PACKAGES" | sha256sum | cut -c1-12)"
TARBALL="$CACHE/rootfs-$SUITE-$KEY.tar"

if [ -s "$TARBALL" ]; then echo "$TARBALL"; exit 0; fi
if [ "${1:-}" = --path ]; then echo "$TARBALL"; exit 1; fi
[ "$(id -u)" = 0 ] || { echo "systemd-rootfs: building the root file system needs root" >&2; exit 2; }
command -v debootstrap >/dev/null || { echo "systemd-rootfs: debootstrap is not installed (apt-get install debootstrap)" >&2; exit 2; }

# The Debian mirror this machine's apt already uses (first deb.debian.org-style URI for the suite).
mirror() {
  local f uri
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    uri="$(awk '/^URIs:/ {print $2; exit}' "$f")"
    case "$uri" in */debian) echo "$uri"; return ;; esac
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    uri="$(awk '$1 == "deb" && $2 !~ /^\[/ && $2 ~ /\/debian$/ {print $2; exit}' "$f")"
    [ -n "$uri" ] && { echo "$uri"; return; }
  done
  echo http://deb.debian.org/debian
}

mkdir -p "$CACHE"
WORK="$(mktemp -d "$CACHE/build.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
echo "systemd-rootfs: debootstrap $SUITE ($VARIANT, $PACKAGES) from $(mirror) into $WORK (about 2 minutes)" >&2
debootstrap --variant="$VARIANT" --include="$PACKAGES" "$SUITE" "$WORK/root" "$(mirror)" >"$WORK/log" 2>&1 || {
  tail -20 "$WORK/log" >&2
  exit 1
}
# Smaller and quieter boots: no apt caches, no getty on a console nobody reads.
rm -rf "$WORK/root/var/cache/apt/archives/"*.deb "$WORK/root/var/lib/apt/lists/"*
tar -C "$WORK/root" --numeric-owner -cf "$WORK/rootfs.tar" .
mv -f "$WORK/rootfs.tar" "$TARBALL"
echo "$TARBALL"
