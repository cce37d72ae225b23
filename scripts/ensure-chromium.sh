#!/usr/bin/env bash
# Makes sure Debian's Chromium is at /usr/bin/chromium for the browser tests
# (Playwright drives it; it never downloads a browser of its own).
exec "$(dirname "$0")/ensure-debian-package.sh" chromium /usr/bin/chromium "the browser tests"
