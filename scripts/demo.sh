#!/usr/bin/env bash
# Demo of mod_cxxbalancer on a fresh Debian 12 machine: installs what is missing, builds
# the module, and starts apache2 on 127.0.0.1:8080 (DEMO_PORT) in front of three small
# demo members (the project's test backend): app1 and app2 active, "sorry" a hot standby.
# The manager is at /balancer-manager. Ctrl-C, or SIGINT or SIGTERM to its pid, stops
# everything it started, also when it was started in the background.
#
# Environment: DEMO_PORT (8080), SKIP_DEPS=1, SKIP_BUILD=1, CXXB_MODULE (a built module).
set -euo pipefail

# A shell started in the background (`scripts/demo.sh &` from a script) inherits SIGINT
# ignored, and bash cannot trap a signal that was ignored when it started. Run again with
# INT and TERM at their defaults, so the traps below work however the demo was started.
if [ -z "${CXXB_DEMO_SIGNALS_RESET:-}" ]; then
  CXXB_DEMO_SIGNALS_RESET=1 exec env --default-signal=INT,TERM bash "$0" "$@"
fi

cd "$(dirname "$0")/.."
SRC=$(pwd)
PORT=${DEMO_PORT:-8080}
MODULE=${CXXB_MODULE:-$SRC/build/mod_cxxbalancer/mod_cxxbalancer.so}
MODDIR=/usr/lib/apache2/modules

if [ "${SKIP_DEPS:-0}" != 1 ]; then
  scripts/install-deps.sh
fi
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build --target mod_cxxbalancer -j"${JOBS:-2}"
fi
[ -f "$MODULE" ] || { echo "demo: $MODULE was not built" >&2; exit 1; }

if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
  echo "demo: 127.0.0.1:$PORT is in use; set DEMO_PORT" >&2
  exit 1
fi

ROOT=$(mktemp -d /tmp/cxxb-demo-XXXXXX)
chmod 755 "$ROOT"
mkdir -p "$ROOT"/{conf,logs,run,htdocs,backends}
BACKEND_PIDS=()
HTTPD_STARTED=0

cleanup() {
  trap - INT TERM EXIT
  echo
  echo "demo: stopping"
  if [ "$HTTPD_STARTED" = 1 ]; then
    /usr/sbin/apache2 -d "$ROOT" -f "$ROOT/conf/httpd.conf" -k stop 2>/dev/null || true
    local pid
    pid=$(cat "$ROOT/logs/httpd.pid" 2>/dev/null || true)
    for _ in $(seq 50); do
      [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null || true
  fi
  for pid in "${BACKEND_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${BACKEND_PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$ROOT"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start_backend NAME: starts the test backend on a free port, prints the port.
start_backend() {
  local name=$1 out="$ROOT/backends/$1.out"
  /usr/bin/python3 test/integration/backends/misbehave.py --name "$name" --port 0 \
    >"$out" 2>"$ROOT/backends/$name.err" &
  BACKEND_PIDS+=($!)
  for _ in $(seq 50); do
    if grep -q '^LISTENING ' "$out" 2>/dev/null; then
      awk '/^LISTENING /{print $2; exit}' "$out"
      return 0
    fi
    sleep 0.1
  done
  echo "demo: backend $name did not start" >&2
  return 1
}
# Not in a $(...) subshell: BACKEND_PIDS must be filled in this shell.
start_backend app1 >"$ROOT/backends/app1.port"
start_backend app2 >"$ROOT/backends/app2.port"
start_backend sorry >"$ROOT/backends/sorry.port"
P1=$(cat "$ROOT/backends/app1.port")
P2=$(cat "$ROOT/backends/app2.port")
P3=$(cat "$ROOT/backends/sorry.port")

USER_LINES=""
if [ "$(id -u)" -eq 0 ]; then
  USER_LINES=$'User www-data\nGroup www-data'
fi
load() { if [ -f "$MODDIR/mod_$1.so" ]; then echo "LoadModule ${1}_module $MODDIR/mod_$1.so"; fi; }
echo "demo front page: try /app/ and /balancer-manager" >"$ROOT/htdocs/index.html"

cat >"$ROOT/conf/httpd.conf" <<EOF
ServerRoot "$ROOT"
ServerName 127.0.0.1
Listen 127.0.0.1:$PORT
PidFile "$ROOT/logs/httpd.pid"
DefaultRuntimeDir "$ROOT/run"
$USER_LINES
$(load mpm_event)
$(load authz_core)
$(load authz_host)
$(load mime)
$(load dir)
$(load headers)
$(load rewrite)
$(load proxy)
LoadModule cxxbalancer_module $MODULE
ErrorLog "$ROOT/logs/error_log"
LogLevel warn cxxbalancer:info
LogFormat "%h \"%r\" %>s %b %D backend=%{X-Backend}o" demo
CustomLog "$ROOT/logs/access_log" demo
TypesConfig /dev/null
DocumentRoot "$ROOT/htdocs"
<Directory />
    Require all granted
</Directory>

# Two active members weighted 1:2 and a hot standby used only when both are down.
# Sticky sessions: the module sets ROUTEID=.app1 (or .app2) on the first response.
<CxxBalancer demo>
    BalancerMember http://127.0.0.1:$P1 route=app1 loadfactor=1
    BalancerMember http://127.0.0.1:$P2 route=app2 loadfactor=2
    BalancerMember http://127.0.0.1:$P3 route=sorry status=+H
    BalancerSet    stickysession=ROUTEID routecookie=ROUTEID
</CxxBalancer>
ProxyPass        /app/ cxxbalancer://demo/
ProxyPassReverse /app/ cxxbalancer://demo/

# Health as mod_rewrite sees it (a shared-memory read, never blocking), shown in a
# response header on every answer.
RewriteEngine On
RewriteMap health int:cxxbalancer-health
RewriteRule ^ - [E=DEMO_HEALTH:\${health:demo}]
Header always set X-Demo-Health "%{DEMO_HEALTH}e"

<Location /balancer-manager>
    SetHandler cxxbalancer-manager
    Require ip 127.0.0.1 ::1
</Location>
EOF
chmod -R a+rX "$ROOT"

if ! /usr/sbin/apache2 -d "$ROOT" -f "$ROOT/conf/httpd.conf" -t; then
  echo "demo: configuration refused (see above)" >&2
  exit 1
fi
HTTPD_STARTED=1
/usr/sbin/apache2 -d "$ROOT" -f "$ROOT/conf/httpd.conf" -k start
for _ in $(seq 50); do
  curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break
  sleep 0.2
done

B="http://127.0.0.1:$PORT"
cat <<EOF

mod_cxxbalancer demo is running (server root $ROOT)

  front          $B/
  balancer       $B/app/        members: app1 :$P1 (loadfactor 1), app2 :$P2 (2), sorry :$P3 (+H)
  manager        $B/balancer-manager   (?format=json)

Try:
  for i in \$(seq 6); do curl -s $B/app/id; echo; done        # 1:2 between app1 and app2
  curl -si $B/app/echo/hello?x=1                              # what a member sees (JSON)
  curl -si -c /tmp/demo.jar -b /tmp/demo.jar $B/app/id         # sticky: ROUTEID cookie
  curl -s "$B/balancer-manager?format=json"
  kill ${BACKEND_PIDS[0]}                                      # app1 gone: app2 serves
  kill ${BACKEND_PIDS[1]}                                      # both gone: "sorry" answers
  curl -si $B/ | grep X-Demo-Health                            # RewriteMap int:cxxbalancer-health
  tail -f $ROOT/logs/error_log $ROOT/logs/access_log

Ctrl-C stops httpd and the members.
EOF

pid=$(cat "$ROOT/logs/httpd.pid")
while kill -0 "$pid" 2>/dev/null; do
  sleep 1
done
echo "demo: httpd exited; see $ROOT/logs/error_log" >&2
tail -n 20 "$ROOT/logs/error_log" >&2 || true
exit 1
