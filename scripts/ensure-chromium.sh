#!/usr/bin/env bash
# Makes sure Debian's Chromium is at /usr/bin/chromium for the browser tests
# (Playwright drives it; it never downloads a browser of its own).
set -euo pipefail

CHROMIUM=/usr/bin/chromium
if [ -x "$CHROMIUM" ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "The browser tests need Debian's Chromium at $CHROMIUM." >&2
  echo "Install it as root with: apt-get install -y chromium" >&2
  exit 1
fi
echo "Installing Debian's Chromium for the browser tests…"
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get install -y -qq chromium >/dev/null 2>&1 || \
       { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }; }; then
  echo "Could not install Chromium with apt-get; install the 'chromium' package by hand." >&2
  exit 1
fi
test -x "$CHROMIUM" || { echo "apt-get installed chromium but $CHROMIUM is missing." >&2; exit 1; }
