#!/usr/bin/env bash
# Throughput of mod_cxxbalancer against stock mod_proxy_balancer + mod_proxy_http, in one
# apache2 (event MPM) with two nginx members. See compare.py for what is measured.
#
#   test/bench/compare.sh            # 2 rounds of 10 s per side
#   test/bench/compare.sh -d 2s      # quick smoke run (CI); not part of ctest
#   test/bench/compare.sh -d 30s -r 3 -c 64 --module build/mod_cxxbalancer/mod_cxxbalancer.so
#
# Needs apache2, nginx, wrk, curl (scripts/install-deps.sh). Must run as root (or as a user
# who may start apache2 with `User www-data`). Always stops what it started.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
for tool in /usr/sbin/apache2 /usr/sbin/nginx wrk curl; do
  command -v "$tool" >/dev/null 2>&1 || { echo "compare.sh: $tool missing (scripts/install-deps.sh)" >&2; exit 1; }
done
# Debian's python3 (the system one, with requests) rather than whatever is first in PATH.
exec /usr/bin/python3 "$here/compare.py" "$@"
