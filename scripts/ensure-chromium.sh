#!/usr/bin/env bash
# Makes sure the Chromium the browser tests launch (test/int/notifier/email-in-browser.int-spec.ts) is
# there: Debian's `chromium` package at /usr/bin/chromium, or whatever CHROMIUM_PATH names. Installs the
# package with apt-get when it is missing and we are root; otherwise says what to do and fails.
set -euo pipefail

CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"

if [ -x "$CHROMIUM" ]; then
  echo "ensure-chromium: found $CHROMIUM ($("$CHROMIUM" --version 2>/dev/null || echo 'version unknown'))"
  exit 0
fi

if [ -n "${CHROMIUM_PATH:-}" ]; then
  echo "ensure-chromium: CHROMIUM_PATH=$CHROMIUM_PATH is not an executable file; fix it or unset it to use /usr/bin/chromium" >&2
  exit 1
fi

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: $CHROMIUM is missing and I cannot install it (needs root and apt-get)." >&2
  echo "ensure-chromium: install Debian's chromium package (sudo apt-get install chromium), or set CHROMIUM_PATH to a Chromium binary." >&2
  exit 1
fi

echo "ensure-chromium: $CHROMIUM is missing; installing Debian's chromium package with apt-get"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

if [ ! -x "$CHROMIUM" ]; then
  echo "ensure-chromium: apt-get installed chromium but $CHROMIUM is still missing" >&2
  exit 1
fi
echo "ensure-chromium: installed $("$CHROMIUM" --version 2>/dev/null || echo chromium)"
