#!/usr/bin/env bash
# Runs inside the test image: configure, build, every test (scripts/test.sh). Dependencies
# are already in the image; install-deps.sh finds nothing to do and returns at once.
set -euo pipefail
cd "$(dirname "$0")/../.."
# A bind-mounted working tree may carry build trees of the host (other paths, other
# compilers): build in fresh directories of the container instead.
if [ -f build/CMakeCache.txt ] && ! grep -q "CMAKE_HOME_DIRECTORY:INTERNAL=$(pwd)$" build/CMakeCache.txt; then
  echo "run-tests: build/ belongs to another checkout; remove it or mount without it" >&2
  exit 1
fi
exec scripts/test.sh "$@"
