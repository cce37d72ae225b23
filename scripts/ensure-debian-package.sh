#!/usr/bin/env bash
# Makes sure a Debian package's program is there: ensure-debian-package.sh PACKAGE PROGRAM WHO
# (WHO: what needs it, for the messages). Installs the package with apt-get when the
# program is missing and this runs as root; otherwise says how to install it.
set -euo pipefail

PACKAGE=$1
PROGRAM=$2
WHO=$3

if [ -x "$PROGRAM" ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "Debian's $PACKAGE is missing at $PROGRAM ($WHO need it)." >&2
  echo "Install it as root with: apt-get install -y $PACKAGE" >&2
  exit 1
fi
echo "Installing Debian's $PACKAGE for $WHO…"
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get install -y -qq "$PACKAGE" >/dev/null 2>&1 || \
       { apt-get update -qq && apt-get install -y -qq "$PACKAGE" >/dev/null; }; }; then
  echo "Could not install $PACKAGE with apt-get; install the '$PACKAGE' package by hand." >&2
  exit 1
fi
test -x "$PROGRAM" || { echo "apt-get installed $PACKAGE but $PROGRAM is missing." >&2; exit 1; }
