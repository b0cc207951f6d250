#!/usr/bin/env bash
# System packages tests use as real peers, installed on a clean CI machine. Idempotent: each section
# installs only what is missing. Sections are appended by whoever needs a package.
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then SUDO=sudo; fi
APT_UPDATED=""
apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ -z "$APT_UPDATED" ]; then $SUDO apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# prometheus: `prometheus` for the scrape test, `promtool` (same package) for check metrics / test rules.
apt_install prometheus

# agent: node-exporter is the footprint reference of `pnpm bench:agent`; tmux, systemd (systemd-analyze),
# curl, openssl and passwd (useradd --prefix) for the agent's probe, unit and install tests; iproute2 (`ss`)
# for the collector's listen backlog in test/e2e.test.ts.
apt_install prometheus-node-exporter tmux systemd curl openssl passwd iproute2

# test/systemd.test.ts boots a real systemd in a systemd-nspawn container from a debootstrapped Debian root,
# built once and cached outside the repository (/var/cache/timmy-fleet, keyed by its package list).
# Needs root; elsewhere the test is skipped and says why.
if [ "$(id -u)" = 0 ]; then
  apt_install systemd-container debootstrap
  bash "$(dirname "$0")/systemd-rootfs.sh" >/dev/null
fi

# database failover: pg_auto_failover (monitor + pg_autoctl) on Debian's PostgreSQL 15 for
# test/db-failover.test.ts (a monitor, a primary and a synchronous secondary on loopback).
apt_install postgresql-15 postgresql-15-auto-failover pg-auto-failover-cli

# the web console's browser tests (test/console-browser.test.ts, `pnpm screenshots`): Debian's chromium,
# driven by playwright-core through executablePath (no browser download), and fonts for its screenshots.
apt_install chromium fonts-dejavu-core
