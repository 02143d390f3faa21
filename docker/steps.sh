#!/usr/bin/env bash
# The steps of the image of docker/apache2/Dockerfile, in one script, so that a test can run
# them outside Docker (test/package/test_docker_steps.py) exactly as the image runs them.
#
#   docker/steps.sh build-deps [--print]   install (or print) what building the package
#                                          needs: debian/control's Build-Depends, nothing else
#   docker/steps.sh build OUTDIR           build the .deb into OUTDIR (scripts/package.sh)
#   docker/steps.sh runtime-deps           install Debian's apache2 and curl (health check)
#   docker/steps.sh runtime DEB [ROOT]     install the package, enable it with a2enmod, and
#                                          replace the default site by the image's health check
#   docker/steps.sh healthcheck [PORT]     the image's HEALTHCHECK: the module's manager
#                                          answers on the loopback
#
# ROOT (default /) is where the system lives. With ROOT=/ (the image) the package is
# installed with apt and the logs go to the container's stdout and stderr. With another ROOT
# (a test), ROOT/etc/apache2 must be a copy of /etc/apache2: the package is unpacked into
# ROOT instead, and a2enmod, a2dissite and apache2ctl work on ROOT alone (APACHE_CONFDIR,
# envvars pointing at ROOT/var/...). Nothing outside ROOT is written then.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
HEALTH_PATH=/cxxbalancer-health

# Package scripts must not start apache2 while the image is built (invoke-rc.d honours
# policy-rc.d); one that the system already has is left alone.
forbid_service_starts() {
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
}

apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y --no-install-recommends "$@"
  rm -rf /var/lib/apt/lists/*
}

# Build-Depends of debian/control that this machine lacks, as package names.
unmet_build_deps() {
  (cd "$SRC" && dpkg-checkbuilddeps 2>&1 >/dev/null || true) |
    sed -n 's/.*Unmet build dependencies: //p' | sed -E 's/\([^)]*\)//g; s/ *\| *[^ ]+//g' |
    tr -s ' ' '\n' | grep -v '^$' || true
}

case "${1:-}" in
build-deps)
  if [ "${2:-}" = --print ]; then
    unmet_build_deps
    exit 0
  fi
  # dpkg-checkbuilddeps comes with dpkg-dev; build-essential is implied by every package.
  apt_install build-essential dpkg-dev
  mapfile -t deps < <(unmet_build_deps)
  if [ ${#deps[@]} -gt 0 ]; then
    apt_install "${deps[@]}"
  fi
  ;;
build)
  "$SRC/scripts/package.sh" "${2:?OUTDIR}"
  ;;
runtime-deps)
  forbid_service_starts
  apt_install apache2 curl
  ;;
runtime)
  deb=$(realpath "${2:?DEB}")
  root=$(realpath "${3:-/}")
  conf=$root/etc/apache2
  [ -f "$conf/apache2.conf" ] || { echo "steps.sh: no $conf/apache2.conf" >&2; exit 1; }
  if [ "$root" = / ]; then
    forbid_service_starts
    apt_install "$deb"
  else
    dpkg-deb -x "$deb" "$root"
    # The unpacked module, and run, lock and log directories under ROOT.
    sed -i "s|/usr/lib/apache2/modules/mod_cxxbalancer.so|$root/usr/lib/apache2/modules/mod_cxxbalancer.so|" \
      "$conf/mods-available/proxy_cxxbalancer.load"
    sed -i -E "s|=/var/|=$root/var/|" "$conf/envvars"
    mkdir -p "$root"/var/{run,lock,log}/apache2 "$root/var/lib/apache2"
    export APACHE_CONFDIR=$conf APACHE_STATE_DIRECTORY=$root/var/lib/apache2
  fi
  a2enmod proxy_cxxbalancer
  a2dissite 000-default
  install -m 644 "$SRC/docker/apache2/health.conf" "$conf/conf-available/cxxbalancer-health.conf"
  a2enconf cxxbalancer-health
  if [ "$root" = / ]; then
    ln -sf /dev/stderr /var/log/apache2/error.log
    ln -sf /dev/stdout /var/log/apache2/access.log
    ln -sf /dev/stdout /var/log/apache2/other_vhosts_access.log
  fi
  ;;
healthcheck)
  exec curl -fsS -o /dev/null "http://127.0.0.1:${2:-80}$HEALTH_PATH?format=json"
  ;;
*)
  sed -n '2,19p' "$0" >&2
  exit 2
  ;;
esac
