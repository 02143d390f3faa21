#!/usr/bin/env bash
# Throughput of mod_cxxbalancer against the stock modules, in one apache2 (event MPM):
#   HTTP: stock mod_proxy_balancer + mod_proxy_http vs ours, two nginx members;
#   HTTPS: the same over TLS (stock: mod_ssl's SSLProxyEngine; ours: our OpenSSL connector);
#   AJP:  stock mod_proxy_balancer + mod_proxy_ajp  vs ours, one warmed Tomcat 10.
# See compare.py for what is measured. Each section prints its own ratio.
#
#   test/bench/compare.sh            # every section, 2 rounds of 10 s per side
#   test/bench/compare.sh -d 2s      # quick smoke run (CI); not part of ctest
#   test/bench/compare.sh --only ajp -d 30s -r 3 -c 64 --module build/mod_cxxbalancer/mod_cxxbalancer.so
#
# Needs apache2, nginx, wrk, curl, and for AJP tomcat10 (scripts/install-deps.sh). Must run
# as root (or as a user who may start apache2 with `User www-data`). Always stops what it
# started.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
for tool in /usr/sbin/apache2 /usr/sbin/nginx wrk curl; do
  command -v "$tool" >/dev/null 2>&1 || { echo "compare.sh: $tool missing (scripts/install-deps.sh)" >&2; exit 1; }
done

protos=(http https ajp)
args=()
while (($#)); do
  case "$1" in
    --only) protos=("$2"); shift 2 ;;
    --only=*) protos=("${1#--only=}"); shift ;;
    *) args+=("$1"); shift ;;
  esac
done

rc=0
for proto in "${protos[@]}"; do
  if [[ $proto == ajp && ! -x /usr/share/tomcat10/bin/catalina.sh ]]; then
    echo "compare.sh: tomcat10 missing, AJP section skipped (scripts/install-deps.sh)" >&2
    rc=1
    continue
  fi
  echo "=== $proto ==="
  # Debian's python3 (the system one, with requests) rather than whatever is first in PATH.
  /usr/bin/python3 "$here/compare.py" --proto "$proto" "${args[@]+"${args[@]}"}" || rc=$?
  echo
done
exit "$rc"
