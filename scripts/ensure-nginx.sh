#!/usr/bin/env bash
# Makes sure Debian's nginx is installed: `make cluster` runs it as the load balancer,
# and the deployment tests (tests/deploy/) check deploy/nginx/nginx.conf with `nginx -t`
# (Debian images' policy-rc.d keeps the package from starting its own service).
exec "$(dirname "$0")/ensure-debian-package.sh" nginx /usr/sbin/nginx "make cluster and the deployment tests"
