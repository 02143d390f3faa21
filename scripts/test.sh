#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test of mod_cxxbalancer:
#   1. build/       Release, -Werror: ctest, all labels (unit, fuzz-replay, layering,
#                   integration: a real apache2 with the module, nginx, Tomcat, faults)
#   2. build-asan/  ASan+UBSan: the unit and fuzz-replay tests, then the integration suite
#                   with the ASan-built module inside apache2 (scripts/integration-asan.sh)
# Prints a summary and exits non-zero if any step failed. `.ci/run` calls this.
#
# Environment: JOBS (default 2), SKIP_DEPS=1 (do not run install-deps.sh),
#              SKIP_ASAN=1, CTEST_ARGS (extra ctest arguments for step 1),
#              CXXB_ALL_MPMS=1 (also run the integration suite under worker and prefork).
set -uo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
JOBS=${JOBS:-2}

declare -a STEP_NAMES=() STEP_RESULTS=()
failed=0

# run NAME CMD...: runs a step, records PASS/FAIL and its duration; returns its status.
run() {
  local name=$1
  shift
  echo
  echo "==> $name"
  echo "    \$ $*"
  local start=$SECONDS rc=0
  "$@" || rc=$?
  local took=$((SECONDS - start))
  STEP_NAMES+=("$name")
  if [ $rc -eq 0 ]; then
    STEP_RESULTS+=("PASS  (${took}s)")
  else
    STEP_RESULTS+=("FAIL  (exit $rc, ${took}s)")
    failed=1
  fi
  return $rc
}

skip() {
  STEP_NAMES+=("$1")
  STEP_RESULTS+=("SKIP  ($2)")
  failed=1
}

summary() {
  echo
  echo "================ mod_cxxbalancer test summary ================"
  local i
  for i in "${!STEP_NAMES[@]}"; do
    printf '  %-42s %s\n' "${STEP_NAMES[$i]}" "${STEP_RESULTS[$i]}"
  done
  if [ $failed -eq 0 ]; then
    echo "  RESULT: all steps passed"
  else
    echo "  RESULT: FAILED"
  fi
  echo "=============================================================="
}
trap summary EXIT

if [ "${SKIP_DEPS:-0}" != 1 ]; then
  run "dependencies (scripts/install-deps.sh)" scripts/install-deps.sh || exit 1
fi

# --- 1. Release build, every test ----------------------------------------------------------
if run "configure build/ (Release, -Werror)" \
  cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DCXXB_WERROR=ON; then
  if run "build build/" cmake --build build -j"$JOBS"; then
    # shellcheck disable=SC2086
    run "ctest build/ (unit, fuzz-replay, layering, integration)" \
      ctest --test-dir build --output-on-failure --no-tests=error -j"$JOBS" ${CTEST_ARGS:-} || true
    # The integration suite under the other MPMs (event is the default run above).
    if [ "${CXXB_ALL_MPMS:-0}" = 1 ]; then
      for mpm in worker prefork; do
        run "ctest build/ -L integration, $mpm MPM" env CXXB_MPM=$mpm \
          ctest --test-dir build --output-on-failure --no-tests=error -L integration || true
      done
    fi
  else
    skip "ctest build/" "build failed"
  fi
else
  skip "build build/" "configure failed"
fi

# --- 2. Sanitizers: unit and fuzz-replay tests ---------------------------------------------
if [ "${SKIP_ASAN:-0}" != 1 ]; then
  if run "configure build-asan/ (ASan+UBSan)" \
    cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCXXB_SANITIZE=ON -DCXXB_WERROR=ON; then
    if run "build build-asan/" cmake --build build-asan -j"$JOBS"; then
      run "ctest build-asan/ -L 'unit|fuzz-replay'" \
        env ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
        UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        ctest --test-dir build-asan --output-on-failure --no-tests=error -j"$JOBS" -L 'unit|fuzz-replay' || true
      # The module itself under ASan+UBSan inside a real apache2 (our side of every test).
      run "integration, ASan+UBSan module" scripts/integration-asan.sh build-asan || true
    else
      skip "ctest build-asan/" "build failed"
    fi
  else
    skip "build build-asan/" "configure failed"
  fi
fi

exit $failed
