"""Test environment for the integration suite: a real Debian apache2 with the built module,
nginx members and the project's misbehaving backend, all on 127.0.0.1 and free ports.

The shape follows pyhttpd (mod_h2/mod_md): a server root written per test (conf/, logs/,
htdocs/), httpd started with `-d ROOT -f conf/httpd.conf`, the error log checked after
every test. Every process started here is remembered by pid and stopped by pid.
"""

import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE_DIR = Path(os.environ.get("CXXB_SOURCE_DIR", HERE.parent.parent)).resolve()
BUILD_DIR = Path(os.environ.get("CXXB_BUILD_DIR", SOURCE_DIR / "build")).resolve()
DEFAULT_MODULE = (HERE / ".." / ".." / "build" / "mod_cxxbalancer" / "mod_cxxbalancer.so").resolve()
CONF_EXAMPLES = SOURCE_DIR / "conf-examples"
MISBEHAVE = HERE / "backends" / "misbehave.py"
AJP_MISBEHAVE = HERE / "backends" / "ajp_misbehave.py"

APACHE2 = os.environ.get("CXXB_APACHE2", "/usr/sbin/apache2")
NGINX = os.environ.get("CXXB_NGINX", "/usr/sbin/nginx")
MODULES_DIR = Path(os.environ.get("CXXB_HTTPD_MODULES", "/usr/lib/apache2/modules"))
RUN_USER = os.environ.get("CXXB_RUN_USER", "www-data")
RUN_GROUP = os.environ.get("CXXB_RUN_GROUP", "www-data")

sys.path.insert(0, str(HERE / "backends"))
from misbehave import pattern_bytes, pattern_sha256  # noqa: E402,F401


def module_path():
    """The module under test: $CXXB_MODULE (set by ctest) or the default build location."""
    return Path(os.environ.get("CXXB_MODULE") or DEFAULT_MODULE)


def probe_path():
    """The built cxxbalancer-probe: $CXXB_PROBE (set by ctest) or its place in the build."""
    return Path(os.environ.get("CXXB_PROBE")
                or BUILD_DIR / "tools" / "cxxbalancer-probe")


# --- ports -------------------------------------------------------------------------------

_ports_lock = threading.Lock()
_ports_given = set()


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now and that this session has not
    handed out before (the kernel may give the same ephemeral port twice in a row)."""
    with _ports_lock:
        for _ in range(100):
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            if port not in _ports_given:
                _ports_given.add(port)
                return port
    raise RuntimeError("no free port")


def port_open(port, host="127.0.0.1", timeout=0.2):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_until(pred, timeout, interval=0.05, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}")


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child of ours still "exists"; reap it if it is ours.
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    except ChildProcessError:
        pass
    try:
        with open(f"/proc/{pid}/stat") as f:
            if f.read().split(") ", 1)[1].startswith("Z"):
                return False
    except (OSError, IndexError):
        return False
    return True


def stop_pid(pid, sig=signal.SIGTERM, timeout=10.0, group=False):
    """Sends `sig` to pid, waits for it to exit, then SIGKILLs it (and its process group
    when `group` and the pid leads that group: our daemons call setsid)."""
    if not pid or not pid_alive(pid):
        return
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return
    try:
        wait_until(lambda: not pid_alive(pid), timeout, what=f"pid {pid} to exit")
        return
    except TimeoutError:
        pass
    try:
        if group and os.getpgid(pid) == pid:
            os.killpg(pid, signal.SIGKILL)
        else:
            os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    wait_until(lambda: not pid_alive(pid), 5.0, what=f"pid {pid} to die")


def make_world_readable(path):
    """httpd children run as www-data: they must be able to read the server root."""
    path = Path(path)
    for p in [path, *path.rglob("*")]:
        mode = p.stat().st_mode
        p.chmod(mode | 0o055 if p.is_dir() else mode | 0o044)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# --- httpd -------------------------------------------------------------------------------

_builtin_modules = None


def builtin_modules():
    """Modules compiled into Debian's apache2 (log_config, so, watchdog...): loading them
    again would log a warning."""
    global _builtin_modules
    if _builtin_modules is None:
        out = subprocess.run([APACHE2, "-l"], capture_output=True, text=True).stdout
        _builtin_modules = {m.strip()[:-2] for m in out.splitlines() if m.strip().endswith(".c")}
    return _builtin_modules


class StartError(RuntimeError):
    pass


ERROR_LEVELS = ("emerg", "alert", "crit", "error", "warn")
_LEVEL_RE = re.compile(r"^\[[^\]]*\] \[(?:[\w.-]*:)?(\w+)\]")
_ID_RE = re.compile(r"\b(CXB\d{5}|AH\d{5})\b")
# Logged at notice level, but always a bug: a child died of a signal.
_CRASH_RE = re.compile(r"AH00052|exit signal|AH00060|seg fault|Segmentation fault")


class Httpd:
    """One apache2 instance with its own server root.

    Typical use (the `httpd` fixture does the construction and the cleanup):
        httpd.write_config(body)   # body: the test's directives, after the base config
        httpd.start()
        requests.get(httpd.url("/app/id"))
    """

    MPMS = ("event", "worker", "prefork")

    def __init__(self, root, *, mpm="event", cxxb=True, module=None, log_level="warn",
                 cxxb_debug=False, proxy_http=False, stock_balancer=False,
                 extra_modules=(), port=None, access_log=True,
                 max_keepalive_requests=1000, mpm_conf=None):
        if mpm not in self.MPMS:
            raise ValueError(f"unknown MPM {mpm}")
        self.root = Path(root)
        self.mpm = mpm
        self.cxxb = cxxb
        self.module = Path(module) if module else module_path()
        self.log_level = log_level
        self.cxxb_debug = cxxb_debug
        self.proxy_http = proxy_http or stock_balancer
        self.stock_balancer = stock_balancer
        self.extra_modules = list(extra_modules)
        self.port = port or free_port()
        self.access_log_on = access_log
        self.max_keepalive_requests = max_keepalive_requests
        self.mpm_conf = mpm_conf
        self.expected_log_ids = set()   # message ids a test declares as expected
        self.expected_log_res = []      # regexes for expected lines without an id
        self.body = ""
        self.pid = None
        for d in ("conf", "logs", "htdocs", "run", "lock"):
            (self.root / d).mkdir(parents=True, exist_ok=True)
        (self.root / "htdocs" / "index.html").write_text("front\n")

    # paths and URLs
    @property
    def conf_file(self):
        return self.root / "conf" / "httpd.conf"

    @property
    def error_log(self):
        return self.root / "logs" / "error_log"

    @property
    def access_log(self):
        return self.root / "logs" / "access_log"

    @property
    def pid_file(self):
        return self.root / "logs" / "httpd.pid"

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    def url(self, path):
        return self.base_url + path

    def env(self):
        env = dict(os.environ)
        env.update({
            "APACHE_RUN_DIR": str(self.root / "run"),
            "APACHE_LOCK_DIR": str(self.root / "lock"),
            "APACHE_LOG_DIR": str(self.root / "logs"),
            "APACHE_PID_FILE": str(self.pid_file),
            "APACHE_RUN_USER": RUN_USER,
            "APACHE_RUN_GROUP": RUN_GROUP,
            "APACHE_CONFDIR": str(self.root / "conf"),
            "APACHE_ULIMIT_MAX_FILES": "true",
            "LANG": "C",
        })
        if os.environ.get("CXXB_LD_PRELOAD"):  # ASan runtime for a sanitized module
            env["LD_PRELOAD"] = os.environ["CXXB_LD_PRELOAD"]
        return env

    # configuration
    def module_lines(self):
        mods = [("mpm_" + self.mpm, "mod_mpm_" + self.mpm)]
        mods += [(m, "mod_" + m) for m in ("authz_core", "authz_host", "log_config", "mime",
                                           "dir", "headers", "rewrite", "proxy")]
        if self.proxy_http:
            mods.append(("proxy_http", "mod_proxy_http"))
        if self.stock_balancer:
            mods += [("slotmem_shm", "mod_slotmem_shm"), ("proxy_balancer", "mod_proxy_balancer"),
                     ("lbmethod_byrequests", "mod_lbmethod_byrequests")]
        mods.append(("status", "mod_status"))
        mods += [(m, "mod_" + m) for m in self.extra_modules]
        lines = []
        for name, so in mods:
            if so in builtin_modules():
                continue
            lines.append(f"LoadModule {name}_module {MODULES_DIR / (so + '.so')}")
        if self.cxxb:
            lines.append(f"LoadModule cxxbalancer_module {self.module}")
        return "\n".join(lines)

    def base_config(self):
        if self.mpm_conf is not None:
            mpm = self.mpm_conf
        elif self.mpm == "prefork":
            mpm = ("StartServers 4\nMinSpareServers 2\nMaxSpareServers 24\n"
                   "MaxRequestWorkers 24\nServerLimit 24")
        else:
            # Two children from the start and never more or fewer: a child stopped for
            # "too many spare threads" would close keep-alive connections mid-test.
            mpm = ("StartServers 2\nServerLimit 2\nThreadsPerChild 16\nThreadLimit 16\n"
                   "MinSpareThreads 8\nMaxSpareThreads 64\nMaxRequestWorkers 32")
        level = self.log_level + (" cxxbalancer:debug" if self.cxxb and self.cxxb_debug else "")
        custom_log = f'CustomLog "{self.access_log}" cxxbtest' if self.access_log_on else ""
        (self.root / "conf" / "mime.types").write_text(
            "text/html html htm\ntext/plain txt\napplication/octet-stream bin\n"
            "image/png png\nimage/jpeg jpg jpeg\n")
        return f"""# Written by test/integration/env.py for one test; do not edit.
ServerRoot "{self.root}"
ServerName 127.0.0.1
Listen 127.0.0.1:{self.port}
PidFile "{self.pid_file}"
DefaultRuntimeDir "{self.root / 'run'}"
User {RUN_USER}
Group {RUN_GROUP}
{self.module_lines()}
{mpm}
Timeout 30
KeepAlive On
KeepAliveTimeout 5
MaxKeepAliveRequests {self.max_keepalive_requests}
ErrorLog "{self.error_log}"
LogLevel {level}
LogFormat "%h \\"%r\\" %>s %b %D %{{X-Backend}}o" cxxbtest
{custom_log}
TypesConfig "{self.root / 'conf' / 'mime.types'}"
DocumentRoot "{self.root / 'htdocs'}"
DirectoryIndex index.html
<Directory />
    Require all granted
</Directory>
"""

    def write_config(self, body=""):
        """Writes conf/httpd.conf: the base configuration, then `body`."""
        self.body = body
        self.conf_file.write_text(self.base_config() + "\n# --- test configuration ---\n"
                                  + body + "\n")
        make_world_readable(self.root)
        return self.conf_file

    def config_line_of(self, needle):
        """1-based line number in httpd.conf of the first line containing `needle`."""
        for i, line in enumerate(self.conf_file.read_text().splitlines(), 1):
            if needle in line:
                return i
        raise KeyError(needle)

    # control
    def _cmd(self, *args, timeout=60):
        cmd = [APACHE2, "-d", str(self.root), "-f", str(self.conf_file), *args]
        p = subprocess.run(cmd, capture_output=True, text=True, env=self.env(), timeout=timeout)
        return p.returncode, (p.stdout + p.stderr)

    def test_config(self):
        """`apache2 -t` for this root: returns (rc, output)."""
        return self._cmd("-t")

    def _restarts(self):
        return sum(1 for l in self.error_log_lines() if "resuming normal operations" in l)

    def start(self, timeout=20):
        if self.pid and pid_alive(self.pid):
            raise StartError("already running")
        rc, out = self._cmd("-k", "start")
        if rc != 0:
            raise StartError(f"apache2 -k start failed (rc={rc}):\n{out}\n"
                             f"--- error_log ---\n{self.error_log_tail()}")
        try:
            wait_until(lambda: self.pid_file.exists() and self.pid_file.read_text().strip(),
                       timeout, what="httpd pid file")
            self.pid = int(self.pid_file.read_text().strip())
            wait_until(self._answers, timeout, what=f"httpd on port {self.port}")
        except TimeoutError as e:
            self.stop()
            raise StartError(f"{e}\n--- error_log ---\n{self.error_log_tail()}") from None
        return self

    def _answers(self):
        if self.pid and not pid_alive(self.pid):
            raise StartError(f"httpd exited during start\n{self.error_log_tail()}")
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"HEAD /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          b"Connection: close\r\n\r\n")
                return s.recv(16).startswith(b"HTTP/1.")
        except OSError:
            return False

    def graceful(self, timeout=20):
        """`-k graceful` and wait for the new generation to be up."""
        before = self._restarts()
        rc, out = self._cmd("-k", "graceful")
        if rc != 0:
            raise StartError(f"apache2 -k graceful failed (rc={rc}):\n{out}")
        wait_until(lambda: self._restarts() > before, timeout, what="graceful restart")
        wait_until(self._answers, timeout, what="httpd after graceful")

    def stop(self, timeout=15):
        """`-k stop`, then by pid; waits until the main process has exited. Safe to call
        twice, and when start() failed half way."""
        pid = self.pid
        if not pid and self.pid_file.exists():
            try:
                pid = int(self.pid_file.read_text().strip() or 0)
            except ValueError:
                pid = None
        if pid and pid_alive(pid):
            try:
                self._cmd("-k", "stop", timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
            try:
                wait_until(lambda: not pid_alive(pid), timeout, what="httpd stop")
            except TimeoutError:
                stop_pid(pid, signal.SIGTERM, 2.0, group=True)
        self.pid = None

    @property
    def running(self):
        return bool(self.pid) and pid_alive(self.pid)

    # logs
    def error_log_lines(self):
        if not self.error_log.exists():
            return []
        return self.error_log.read_text(errors="replace").splitlines()

    def error_log_tail(self, n=40):
        return "\n".join(self.error_log_lines()[-n:])

    def expect_log(self, *ids_or_patterns):
        """Declares error-log messages this test expects: ids (CXB01234, AH01114) or
        regular expressions."""
        for x in ids_or_patterns:
            if re.fullmatch(r"CXB\d{5}|AH\d{5}", x):
                self.expected_log_ids.add(x)
            else:
                self.expected_log_res.append(re.compile(x))

    def unexpected_log_lines(self, expected_ids=()):
        ids = set(expected_ids) | self.expected_log_ids
        bad = []
        for line in self.error_log_lines():
            m = _LEVEL_RE.match(line)
            level = m.group(1) if m else ""
            crash = bool(_CRASH_RE.search(line))
            if level not in ERROR_LEVELS and not crash:
                continue
            found = set(_ID_RE.findall(line))
            if found & ids and not crash:
                continue
            if any(r.search(line) for r in self.expected_log_res):
                continue
            bad.append(line)
        return bad

    def check_error_log(self, expected_ids=()):
        """Fails on [emerg]..[warn] lines (and crashed children) except listed ids."""
        bad = self.unexpected_log_lines(expected_ids)
        assert not bad, "unexpected lines in error_log:\n" + "\n".join(bad)

    def log_lines_with(self, pattern):
        r = re.compile(pattern)
        return [l for l in self.error_log_lines() if r.search(l)]


# --- nginx members -----------------------------------------------------------------------

class Nginx:
    """An nginx used as an HTTP member: `daemon off` under Popen (own session), one
    master and `workers` workers on 127.0.0.1:port.

    Serves /id (its name), /echo... (what it saw, one key=value per line), /static/
    (files in `static_dir`, shared by all instances), /health; X-Backend on everything.
    The access log has the connection serial number, to count member connections.
    With `tls=(cert_file, key_file)` it serves HTTPS instead of HTTP on the same port."""

    def __init__(self, prefix, name, static_dir, port=None, workers=1, tls=None):
        self.prefix = Path(prefix)
        self.name = name
        self.static_dir = Path(static_dir)
        self.port = port or free_port()
        self.workers = workers
        self.tls = tls
        self.proc = None
        for d in ("conf", "logs", "tmp"):
            (self.prefix / d).mkdir(parents=True, exist_ok=True)

    @property
    def url(self):
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    @property
    def access_log(self):
        return self.prefix / "logs" / "access.log"

    def _listen(self):
        if not self.tls:
            return f"listen 127.0.0.1:{self.port};"
        cert, key = self.tls
        return (f"listen 127.0.0.1:{self.port} ssl;\n"
                f"        ssl_certificate {cert};\n        ssl_certificate_key {key};")

    def config(self):
        p = self.prefix
        user = f"user {RUN_USER} {RUN_GROUP};" if os.geteuid() == 0 else ""
        echo = ("method=$request_method\\nuri=$request_uri\\nhost=$host\\n"
                "xff=$http_x_forwarded_for\\nxfh=$http_x_forwarded_host\\n"
                "xfs=$http_x_forwarded_server\\nconnection=$http_connection\\n"
                f"member={self.name}\\n")
        return f"""daemon off;
master_process on;
worker_processes {self.workers};
{user}
pid {p}/logs/nginx.pid;
error_log {p}/logs/error.log warn;
events {{ worker_connections 1024; }}
http {{
    log_format conn '$connection $connection_requests "$request" $status $body_bytes_sent $ssl_session_reused';
    access_log {p}/logs/access.log conn;
    client_body_temp_path {p}/tmp/body;
    proxy_temp_path {p}/tmp/proxy;
    fastcgi_temp_path {p}/tmp/fastcgi;
    uwsgi_temp_path {p}/tmp/uwsgi;
    scgi_temp_path {p}/tmp/scgi;
    types {{ text/plain txt; application/octet-stream bin; text/html html; }}
    default_type text/plain;
    sendfile on;
    gzip off;
    keepalive_timeout 65;
    keepalive_requests 100000;
    server_tokens off;
    server {{
        {self._listen()}
        server_name _;
        add_header X-Backend {self.name} always;
        location = /id {{ return 200 "{self.name}"; }}
        location = /health {{ return 200 "ok"; }}
        location /echo {{ return 200 "{echo}"; }}
        location /static/ {{ alias {self.static_dir}/; }}
        location / {{ return 200 "{self.name} $request_uri\\n"; }}
    }}
}}
"""

    def start(self, timeout=10):
        conf = self.prefix / "conf" / "nginx.conf"
        conf.write_text(self.config())
        make_world_readable(self.prefix)
        err = open(self.prefix / "logs" / "stderr.log", "ab")
        self.proc = subprocess.Popen(
            [NGINX, "-p", str(self.prefix), "-c", str(conf), "-e", str(self.prefix / "logs" / "error.log")],
            stdout=err, stderr=err, stdin=subprocess.DEVNULL, start_new_session=True)
        err.close()
        try:
            wait_until(lambda: self.proc.poll() is not None or port_open(self.port), timeout,
                       what=f"nginx {self.name}")
        except TimeoutError:
            self.stop()
            raise
        if self.proc.poll() is not None:
            log = (self.prefix / "logs" / "stderr.log").read_text(errors="replace")
            raise StartError(f"nginx {self.name} exited: {log}")
        return self

    def stop(self, timeout=10):
        """Fast shutdown (SIGTERM: open connections are closed), then SIGKILL the group."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        # Workers leave with the master; make sure no straggler keeps the port.
        if self.proc:
            try:
                os.killpg(self.proc.pid, 0)
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self.proc = None

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def connections(self):
        """Distinct connection serials in the access log (nginx flushes it per request)."""
        if not self.access_log.exists():
            return set()
        return {l.split(" ", 1)[0] for l in self.access_log.read_text().splitlines() if l}

    def log_entries(self):
        """The access log as dicts: connection, requests (on that connection, 1-based),
        request, status, bytes, tls_reused ("r" resumed session, "." full handshake, "-"
        plain HTTP)."""
        if not self.access_log.exists():
            return []
        out = []
        for line in self.access_log.read_text().splitlines():
            m = re.match(r'(\d+) (\d+) "([^"]*)" (\d+) (\d+) (\S+)$', line)
            if m:
                out.append({"connection": m[1], "requests": int(m[2]), "request": m[3],
                            "status": int(m[4]), "bytes": int(m[5]), "tls_reused": m[6]})
        return out

    def requests_served(self, expect=None, timeout=2.0):
        """Lines in the access log. nginx logs after it has sent the response, so with
        `expect` this waits up to `timeout` seconds for that many lines."""
        deadline = time.monotonic() + timeout
        while True:
            count = (sum(1 for l in self.access_log.read_text().splitlines() if l)
                     if self.access_log.exists() else 0)
            if expect is None or count >= expect or time.monotonic() > deadline:
                return count
            time.sleep(0.02)


# --- TLS members ----------------------------------------------------------------------------

TEST_CA = HERE / "data" / "test-ca.pem"
TEST_CA_KEY = HERE / "data" / "test-ca.key"


def _openssl(*args, cwd):
    p = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args)}:\n{p.stderr}")


def make_tls_files(directory):
    """In `directory` (made if needed, reused when already there): member.pem/.key, a
    certificate for localhost and 127.0.0.1 signed by data/test-ca.pem, valid two days;
    other-ca.pem/.key, a CA that signed nothing. Returns their paths by name."""
    d = Path(directory)
    files = {"cert": d / "member.pem", "key": d / "member.key", "ca": TEST_CA,
             "other_ca": d / "other-ca.pem", "other_ca_key": d / "other-ca.key"}
    if files["cert"].exists() and files["other_ca"].exists():
        return files
    d.mkdir(parents=True, exist_ok=True)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    _openssl("req", "-new", *ec, "-keyout", "member.key", "-out", "member.csr",
             "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
             cwd=d)
    # -set_serial rather than -CAcreateserial: nothing is written next to the CA.
    _openssl("x509", "-req", "-in", "member.csr", "-CA", str(TEST_CA), "-CAkey",
             str(TEST_CA_KEY), "-set_serial", "0x4cb0001", "-days", "2",
             "-copy_extensions", "copy", "-out", "member.pem", cwd=d)
    _openssl("req", "-x509", *ec, "-keyout", "other-ca.key", "-out", "other-ca.pem",
             "-subj", "/CN=someone else's CA", "-days", "2", cwd=d)
    make_world_readable(d)
    return files


# --- the misbehaving backend -------------------------------------------------------------

class Misbehave:
    """backends/misbehave.py as a member. Options: idle_timeout, max_requests_per_conn,
    close_reused, service_ms (see the script's docstring and --help). With ajp=True it is
    backends/ajp_misbehave.py instead, an AJP13 container (ajp:// URL, no other option)."""

    def __init__(self, workdir, name, *, idle_timeout=None, max_requests_per_conn=None,
                 close_reused=False, port=0, service_ms=0, ajp=False):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.ajp = ajp
        self.script = AJP_MISBEHAVE if ajp else MISBEHAVE
        self.args = ["--name", name, "--port", str(port)]
        if ajp and (idle_timeout or max_requests_per_conn or close_reused or service_ms):
            raise ValueError("the AJP misbehaving container takes no connection options")
        if idle_timeout:
            self.args += ["--idle-timeout", str(idle_timeout)]
        if max_requests_per_conn:
            self.args += ["--max-requests-per-conn", str(max_requests_per_conn)]
        if close_reused:
            self.args.append("--close-reused")
        if service_ms:
            self.args += ["--service-ms", str(service_ms)]
        self.port = None
        self.proc = None

    @property
    def url(self):
        return f"{'ajp' if self.ajp else 'http'}://127.0.0.1:{self.port}"

    def layout(self):
        """AJP only: the end offsets of the split response's packets (--print-layout)."""
        out = subprocess.run([sys.executable, str(self.script), "--name", self.name,
                              "--print-layout"], capture_output=True, text=True, check=True)
        return json.loads(out.stdout)

    def start(self, timeout=10):
        err = open(self.workdir / f"{self.name}.stderr", "ab")
        self.proc = subprocess.Popen([sys.executable, str(self.script), *self.args],
                                     stdout=subprocess.PIPE, stderr=err,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        err.close()
        holder = {}

        def read_port():
            line = self.proc.stdout.readline().decode()
            if line.startswith("LISTENING "):
                holder["port"] = int(line.split()[1])

        t = threading.Thread(target=read_port, daemon=True)
        t.start()
        t.join(timeout)
        if "port" not in holder:
            self.stop()
            raise StartError(f"misbehave {self.name} did not start")
        self.port = holder["port"]
        return self

    def stop(self, timeout=5):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()
        self.proc = None

    def _ctl(self, what):
        import urllib.request
        with urllib.request.urlopen(f"{self.url}/_ctl/{what}", timeout=5) as r:
            return json.loads(r.read())

    def stats(self):
        return self._ctl("stats")

    def reset_stats(self):
        return self._ctl("reset")

    def set_health(self, code):
        return self._ctl(f"health?code={code}")


# --- configuration snippets --------------------------------------------------------------

def cxxb_balancer(name, members, balancer_set=(), indent="    "):
    """`<CxxBalancer name>` with `members` as (url, "key=value ...") pairs."""
    lines = [f"<CxxBalancer {name}>"]
    for url, params in members:
        lines.append(f"{indent}BalancerMember {url} {params}".rstrip())
    for s in balancer_set:
        lines.append(f"{indent}BalancerSet {s}")
    lines.append("</CxxBalancer>")
    return "\n".join(lines)


def stock_balancer(name, members, proxy_set=(), indent="    "):
    """The same balancer for stock mod_proxy_balancer: `<Proxy balancer://name>`."""
    lines = [f"<Proxy balancer://{name}>"]
    for url, params in members:
        lines.append(f"{indent}BalancerMember {url} {params}".rstrip())
    for s in proxy_set:
        lines.append(f"{indent}ProxySet {s}")
    lines.append("</Proxy>")
    return "\n".join(lines)


def substitute(text, mapping):
    """Replaces @KEY@ placeholders; fails on any left over."""
    for k, v in mapping.items():
        text = text.replace(f"@{k}@", str(v))
    left = re.findall(r"@[A-Z0-9_]+@", text)
    if left:
        raise KeyError(f"unsubstituted placeholders: {sorted(set(left))}")
    return text


def rm_tree(path):
    shutil.rmtree(path, ignore_errors=True)


# --- raw HTTP helpers (no client-side normalization of the target) ----------------------

class RawResponse:
    def __init__(self, status, reason, headers, body):
        self.status = status
        self.reason = reason
        self.headers = headers  # list of (name, value) as received
        self.body = body

    def header(self, name):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None

    def header_all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def json(self):
        return json.loads(self.body)

    @property
    def text(self):
        return self.body.decode("utf-8", errors="replace")


def raw_request(port, target, method="GET", headers=(), body=None, host=None, timeout=30,
                conn=None):
    """Sends `target` byte for byte (http.client does not re-encode it), with exactly the
    given extra headers. Pass `conn` (an http.client.HTTPConnection) to reuse a
    connection."""
    import http.client
    own = conn is None
    c = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        c.putheader("Host", host or f"127.0.0.1:{port}")
        for k, v in headers:
            c.putheader(k, v)
        if body is not None:
            c.putheader("Content-Length", str(len(body)))
        c.endheaders(body)
        r = c.getresponse()
        data = r.read()
        return RawResponse(r.status, r.reason, r.getheaders(), data)
    finally:
        if own:
            c.close()
