#!/usr/bin/env bash
# Builds the Debian package libapache2-mod-cxxbalancer_VERSION_ARCH.deb from debian/ and
# puts it into OUTDIR. The build runs in a copy of the source in a temporary directory
# (dpkg-buildpackage writes into the tree and its parent), so the checkout is never touched.
# The package build compiles the module only (-DCXXB_BUILD_TESTS=OFF, see debian/rules).
#
# Usage: scripts/package.sh [OUTDIR]        (default: build/package)
# Environment: JOBS (parallel jobs, default 2), KEEP_WORKDIR=1 (keep the copy; its path is
# printed). Needs dpkg-dev, debhelper and the build dependencies (scripts/install-deps.sh);
# dpkg-buildpackage names any that are missing.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
OUT=$(realpath -m "${1:-$SRC/build/package}")   # relative to where the script is run
JOBS=${JOBS:-2}

# The version is set once, in CMakeLists.txt; debian/changelog must carry the same.
project_version=$(sed -nE 's/^project\(mod_cxxbalancer VERSION ([0-9][0-9.]*).*/\1/p' \
  "$SRC/CMakeLists.txt")
debian_version=$(dpkg-parsechangelog -l "$SRC/debian/changelog" -S Version)
if [ -z "$project_version" ] || [ "$project_version" != "$debian_version" ]; then
  echo "package.sh: CMakeLists.txt says version '$project_version' but debian/changelog" \
    "says '$debian_version'; add a debian/changelog entry (dch -v $project_version)" >&2
  exit 1
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cxxb-package-XXXXXX")
if [ "${KEEP_WORKDIR:-0}" = 1 ]; then
  echo "package.sh: working copy in $WORK"
else
  trap 'rm -rf "$WORK"' EXIT
fi
mkdir "$WORK/src"
# The files of the checkout (tracked and new, not ignored: no build trees); outside git
# (a Docker build context), everything but build directories.
if git -C "$SRC" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  (cd "$SRC" && git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
    tar --null -T - -cf -) | tar -C "$WORK/src" -xf -
else
  tar -C "$SRC" --exclude=./.git --exclude='./build*' -cf - . | tar -C "$WORK/src" -xf -
fi

(cd "$WORK/src" &&
  DEB_BUILD_OPTIONS="parallel=$JOBS nocheck noddebs" dpkg-buildpackage -b -us -uc)

deb=$(find "$WORK" -maxdepth 1 -name "libapache2-mod-cxxbalancer_${project_version}_*.deb")
[ -n "$deb" ] || { echo "package.sh: no .deb was built" >&2; exit 1; }
mkdir -p "$OUT"
cp "$deb" "$OUT/"
echo "package.sh: $OUT/$(basename "$deb")"
