#!/usr/bin/env bash
# Installs the Debian 12 packages needed to build mod_cxxbalancer and run all its tests, and
# upgrades the libraries they depend on to the archive's versions. A machine image can be
# older than the archive: Debian's apache2 2.4.71 has a mod_ssl built against OpenSSL
# 3.0.22, and with the image's libssl3 3.0.19 mod_ssl logs AH01882 at start-up. So besides
# installing what is missing, every library in the dependency closure of PACKAGES that the
# archive has newer is upgraded. Idempotent: a second run installs and upgrades nothing.
#
# It never starts or enables a system service: the tests start their own apache2, nginx
# and Tomcat instances on free loopback ports. While installing, a policy-rc.d forbids
# service starts (invoke-rc.d and deb-systemd-invoke honour it); afterwards the services
# of packages installed by this run are disabled again where systemd or sysv-rc enabled
# them. A policy-rc.d that was already in place (Docker images ship one) is left alone.
#
# Usage: scripts/install-deps.sh [--check]   (--check: only report what is missing)
set -euo pipefail

PACKAGES=(
  build-essential cmake
  apache2 apache2-dev libapr1-dev libaprutil1-dev
  libssl-dev
  catch2 libbenchmark-dev
  python3-pytest python3-requests
  nginx wrk curl
  clang libclang-rt-14-dev clang-format
  tomcat10        # AJP tests
  dpkg-dev debhelper lintian fakeroot man-db   # the Debian package and its test
)
# Packages whose postinst would start (and enable) a service.
SERVICES=(apache2 nginx tomcat10)

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
  [[ "$status" == ii* ]] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] || echo "install-deps: missing: ${missing[*]}"
if [ "${1:-}" = "--check" ]; then
  [ ${#missing[@]} -eq 0 ]
  exit
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  else
    echo "install-deps: not root and no sudo; install them as root:" >&2
    echo "  apt-get install --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
fi

POLICY=/usr/sbin/policy-rc.d
own_policy=0
cleanup() {
  if [ "$own_policy" = 1 ]; then
    "${SUDO[@]}" rm -f "$POLICY"
  fi
}
trap cleanup EXIT
if [ ! -e "$POLICY" ]; then
  # Exit status 101: "action forbidden by policy" (see invoke-rc.d(8)).
  printf '#!/bin/sh\n# temporary, from mod_cxxbalancer scripts/install-deps.sh\nexit 101\n' |
    "${SUDO[@]}" tee "$POLICY" >/dev/null
  "${SUDO[@]}" chmod 755 "$POLICY"
  own_policy=1
fi

export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
if [ ${#missing[@]} -gt 0 ]; then
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    "${missing[@]}"
fi

# Libraries (and their tools, such as openssl beside libssl3) that the packages above were
# built against, where the archive has a newer version than the machine.
mapfile -t closure < <(apt-cache depends --recurse --no-recommends --no-suggests \
  --no-conflicts --no-breaks --no-replaces --no-enhances "${PACKAGES[@]}" 2>/dev/null |
  grep -v '^[ <]' | sort -u)
mapfile -t upgradable < <(apt list --upgradable 2>/dev/null | sed -n 's|/.*||p' | sort -u)
mapfile -t stale < <(comm -12 <(printf '%s\n' "${closure[@]}") \
  <(printf '%s\n' "${upgradable[@]}") | grep -E '^(lib|openssl$)' || true)
if [ ${#stale[@]} -gt 0 ]; then
  echo "install-deps: upgrading ${#stale[@]} libraries: ${stale[*]}"
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --only-upgrade \
    --no-install-recommends "${stale[@]}"
fi

# Services of packages installed just now: make sure they neither run nor start at boot.
# (A service the machine already had is none of our business.)
for svc in "${SERVICES[@]}"; do
  newly=0
  for p in "${missing[@]}"; do
    [ "$p" = "$svc" ] && newly=1
  done
  [ "$newly" = 1 ] || continue
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    "${SUDO[@]}" systemctl disable --now "$svc" >/dev/null 2>&1 || true
  else
    if command -v deb-systemd-helper >/dev/null 2>&1; then
      "${SUDO[@]}" deb-systemd-helper disable "$svc.service" >/dev/null 2>&1 || true
    fi
    if command -v update-rc.d >/dev/null 2>&1 && [ -e "/etc/init.d/$svc" ]; then
      "${SUDO[@]}" update-rc.d "$svc" disable >/dev/null 2>&1 || true
    fi
    # Without systemd the policy above kept it from starting; if something started it
    # anyway, stop it through its own init script (by its pid file, not by name).
    if [ -x "/etc/init.d/$svc" ]; then
      "${SUDO[@]}" "/etc/init.d/$svc" status >/dev/null 2>&1 &&
        "${SUDO[@]}" "/etc/init.d/$svc" stop >/dev/null 2>&1 || true
    fi
  fi
done
echo "install-deps: done"
