#!/bin/sh
# Runs pnpm for this workspace on a machine that has only Node and npm:
# fetches the pinned pnpm through npx, installs the workspace when needed, then runs pnpm "$@"
# (or, with --exec, the given command).
set -e
cd "$(dirname "$0")/.."
PNPM_VERSION=$(sed -n 's/.*"packageManager": *"pnpm@\([^"]*\)".*/\1/p' package.json)
if [ -x node_modules/.bin/pnpm ]; then PNPM=node_modules/.bin/pnpm; else PNPM="npx -y pnpm@$PNPM_VERSION"; fi
stamp=node_modules/.install-stamp
if [ ! -f "$stamp" ] || [ pnpm-lock.yaml -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
  echo "Installing dependencies (pnpm $PNPM_VERSION)..." >&2
  if [ -f pnpm-lock.yaml ] && [ -n "$CI" ]; then $PNPM install --frozen-lockfile; else $PNPM install; fi
  touch "$stamp"
fi
# `--exec CMD...`: after installing, run CMD directly (no pnpm in between, so Ctrl-C reaches it cleanly).
if [ "${1:-}" = "--exec" ]; then shift; exec "$@"; fi
exec $PNPM "$@"
