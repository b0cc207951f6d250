#!/bin/bash
# Starts Debian's chromium for the console's browser tests and benchmarks (launchBrowser in
# console-browser.ts, playwright's executablePath).
# - Chromium keeps only the last --disable-features / --enable-features given; playwright passes lists of
#   its own before ours: every one given is merged into one of each.
# - TIMMY_CHROMIUM_NICE (0-19): chromium and every process it starts at that niceness, and its session's
#   autogroup given the same weight (with autogroup scheduling a session competes as one).
# - TIMMY_CHROMIUM: the binary (default /usr/bin/chromium).
off=""
on=""
args=()
for a in "$@"; do
  case "$a" in
    --disable-features=*) off="${off:+$off,}${a#--disable-features=}" ;;
    --enable-features=*) on="${on:+$on,}${a#--enable-features=}" ;;
    *) args+=("$a") ;;
  esac
done
n="${TIMMY_CHROMIUM_NICE:-0}"
if [ "$n" != 0 ] && [ -w /proc/self/autogroup ]; then echo "$n" > /proc/self/autogroup 2>/dev/null; fi
exec nice -n "$n" "${TIMMY_CHROMIUM:-/usr/bin/chromium}" "${args[@]}" ${off:+"--disable-features=$off"} ${on:+"--enable-features=$on"}
