#!/usr/bin/env bash
# Runs the integration suite's mod_cxxbalancer tests against the ASan+UBSan build of the
# module, loaded into Debian's apache2 with the ASan runtime preloaded. Sanitizer reports go
# to files (httpd's children have no terminal); any report fails the run.
#   scripts/integration-asan.sh [BUILD_DIR] [pytest args...]
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-asan}
shift || true
module="$PWD/$build/mod_cxxbalancer/mod_cxxbalancer.so"
[ -f "$module" ] || { echo "integration-asan: $module not built" >&2; exit 1; }
reports=$(mktemp -d /tmp/cxxb-asan-XXXXXX)
chmod 777 "$reports"  # httpd's children run as www-data
rc=0
env LD_PRELOAD="$(gcc -print-file-name=libasan.so)" \
  ASAN_OPTIONS="detect_leaks=0:log_path=$reports/asan" \
  UBSAN_OPTIONS="print_stacktrace=1:log_path=$reports/ubsan" \
  CXXB_MODULE="$module" CXXB_PROBE="$PWD/$build/tools/cxxbalancer-probe" \
  /usr/bin/python3 -m pytest -q -p no:cacheprovider test/integration -k "not stock" \
  --ignore=test/integration/test_220_p2c.py "$@" || rc=$?  # latency comparisons mean nothing under ASan
if compgen -G "$reports/*" >/dev/null; then
  echo "integration-asan: sanitizer reports:"
  cat "$reports"/*
  rc=1
fi
rm -rf "$reports"
exit $rc
