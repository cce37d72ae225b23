#!/usr/bin/env bash
# Makes sure Debian's nginx is installed, so that the deployment tests
# (tests/deploy/) can run `nginx -t` on deploy/nginx/nginx.conf. Only the binary is
# used: the tests start no nginx (Debian images' policy-rc.d also keeps the package
# from starting its service).
set -euo pipefail

if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "The deployment tests need nginx (to check deploy/nginx/nginx.conf with 'nginx -t')." >&2
  echo "Install it as root with: apt-get install -y nginx" >&2
  exit 1
fi
echo "Installing Debian's nginx for the deployment tests…"
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get install -y -qq nginx >/dev/null 2>&1 || \
       { apt-get update -qq && apt-get install -y -qq nginx >/dev/null; }; }; then
  echo "Could not install nginx with apt-get; install the 'nginx' package by hand." >&2
  exit 1
fi
[ -x /usr/sbin/nginx ] || { echo "apt-get installed nginx but /usr/sbin/nginx is missing." >&2; exit 1; }
