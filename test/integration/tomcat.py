"""Real Tomcat 10 instances from Debian's tomcat10 package, as AJP members for the tests.

Each instance is a private CATALINA_BASE (conf/ logs/ temp/ webapps/ work/) under a
directory the caller gives, sharing the packaged CATALINA_HOME. The JVM runs as
`catalina.sh run`, which execs java: the pid Popen returns IS the JVM, so every stop is by
that pid (SIGTERM, then SIGKILL), also when a test failed or the start itself failed.

What an instance offers (webapps/ROOT, JSPs compiled by Tomcat on first use, warmed up in
wait_ready()):
  /echo.jsp      the route (jvmRoute suffix of the session id), a per-session counter, and
                 what Tomcat saw of the request: method, uri, query string, scheme, isSecure,
                 serverName/Port, remote/local address and port, remote user, content
                 length, body bytes read, TLS attributes, then `header.NAME=VALUE` per header.
                 One `key=value` per line (see parse_echo()).
  /upload.jsp    reads the whole body: `length=N` and `sha256=HEX`.
  /download.jsp?n=N  N bytes of env.pattern_bytes (byte i is i % 251), no Content-Length.
  /static.txt    a small static file (served by the default servlet).

AJP (AJP13.md A9, A11): connector on 127.0.0.1 at a free port, jvmRoute per instance,
optional `secretRequired="true"` + `secret`, `packetSize` as given. An HTTP connector on
127.0.0.1 is there for readiness checks only.

Usage:
    pair = TomcatPair(base_dir)          # jvm1: no secret; jvm2: secretRequired + secret
    pair.start()                         # both in parallel, waits until both serve
    ...
    pair.stop()                          # always (the module fixture does it in finally)
"""

import os
import signal
import subprocess
import urllib.request
from pathlib import Path

import env

TC_HOME = Path(os.environ.get("CXXB_TOMCAT_HOME", "/usr/share/tomcat10"))
TEMPLATE_CONF = TC_HOME / "etc"  # tomcat10 package; tomcat10-user's skel/conf has the same

# Small and quick to start on a 2-core machine: serial GC, C1 only, capped heap. The bench
# passes quick=False to let C2 warm up, so Tomcat is not the bottleneck it measures.
QUICK_JVM = "-XX:TieredStopAtLevel=1"
BASE_JVM = ("-Xms32m -Xmx160m -XX:+UseSerialGC -XX:MaxMetaspaceSize=96m "
            "-XX:ReservedCodeCacheSize=48m -Djava.awt.headless=true "
            "-Djava.security.egd=file:/dev/./urandom")

SERVER_XML = """<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by test/integration/tomcat.py for one test run. -->
<Server port="-1" shutdown="SHUTDOWN">
  <Service name="Catalina">
    <Connector protocol="HTTP/1.1" address="127.0.0.1" port="{http_port}"
               connectionTimeout="20000" maxParameterCount="1000" />
    <Connector protocol="AJP/1.3" address="127.0.0.1" port="{ajp_port}"
               {secret_attrs} packetSize="{packet_size}"
               maxParameterCount="1000" maxThreads="{max_threads}" />
    <Engine name="Catalina" defaultHost="localhost" jvmRoute="{route}">
      <Host name="localhost" appBase="webapps" unpackWARs="false" autoDeploy="false" />
    </Engine>
  </Service>
</Server>
"""

ECHO_JSP = r"""<%@ page contentType="text/plain; charset=UTF-8" session="true" trimDirectiveWhitespaces="true" import="java.util.*,java.io.*" %><%
  Integer n = (Integer) session.getAttribute("counter");
  n = (n == null) ? 1 : n + 1;
  session.setAttribute("counter", n);
  String sid = session.getId();
  String route = sid.indexOf('.') >= 0 ? sid.substring(sid.indexOf('.') + 1) : "";
  long bodyLen = 0;
  try (InputStream in = request.getInputStream()) {
    byte[] b = new byte[8192]; int r;
    while ((r = in.read(b)) > 0) bodyLen += r;
  }
  StringBuilder o = new StringBuilder();
  o.append("route=").append(route).append('\n');
  o.append("session=").append(sid).append('\n');
  o.append("counter=").append(n).append('\n');
  o.append("method=").append(request.getMethod()).append('\n');
  o.append("uri=").append(request.getRequestURI()).append('\n');
  o.append("query=").append(request.getQueryString()).append('\n');
  o.append("scheme=").append(request.getScheme()).append('\n');
  o.append("secure=").append(request.isSecure()).append('\n');
  o.append("serverName=").append(request.getServerName()).append('\n');
  o.append("serverPort=").append(request.getServerPort()).append('\n');
  o.append("localPort=").append(request.getLocalPort()).append('\n');
  o.append("remoteAddr=").append(request.getRemoteAddr()).append('\n');
  o.append("remoteHost=").append(request.getRemoteHost()).append('\n');
  o.append("remotePort=").append(request.getRemotePort()).append('\n');
  o.append("localAddr=").append(request.getLocalAddr()).append('\n');
  o.append("remoteUser=").append(request.getRemoteUser()).append('\n');
  o.append("contentLength=").append(request.getContentLengthLong()).append('\n');
  o.append("bodyBytesRead=").append(bodyLen).append('\n');
  o.append("cipher=").append(request.getAttribute("jakarta.servlet.request.cipher_suite")).append('\n');
  o.append("keySize=").append(request.getAttribute("jakarta.servlet.request.key_size")).append('\n');
  o.append("sslProtocol=").append(request.getAttribute("org.apache.tomcat.util.net.secure_protocol_version")).append('\n');
  for (Enumeration<String> e = request.getHeaderNames(); e.hasMoreElements();) {
    String h = e.nextElement();
    for (Enumeration<String> v = request.getHeaders(h); v.hasMoreElements();) {
      o.append("header.").append(h.toLowerCase(Locale.ROOT)).append('=').append(v.nextElement()).append('\n');
    }
  }
  out.print(o);
%>"""

UPLOAD_JSP = r"""<%@ page contentType="text/plain; charset=UTF-8" session="false" trimDirectiveWhitespaces="true" import="java.io.*,java.security.*" %><%
  MessageDigest md = MessageDigest.getInstance("SHA-256");
  long total = 0;
  try (InputStream in = request.getInputStream()) {
    byte[] b = new byte[65536]; int r;
    while ((r = in.read(b)) > 0) { md.update(b, 0, r); total += r; }
  }
  StringBuilder hex = new StringBuilder();
  for (byte x : md.digest()) hex.append(String.format("%02x", x));
  out.print("length=" + total + "\nsha256=" + hex + "\ncontentLength=" + request.getContentLengthLong() + "\n");
%>"""

# Binary output goes through getOutputStream(): no template text may reach `out`.
DOWNLOAD_JSP = r"""<%@ page session="false" trimDirectiveWhitespaces="true" import="java.io.*" %><%
  long n = Long.parseLong(request.getParameter("n"));
  response.setContentType("application/octet-stream");
  byte[] block = new byte[251 * 256];
  for (int i = 0; i < block.length; i++) block[i] = (byte) (i % 251);
  OutputStream os = response.getOutputStream();
  long done = 0;
  while (done < n) {
    int k = (int) Math.min(block.length, n - done);
    os.write(block, 0, k);
    done += k;
  }
  os.flush();
%>"""


def parse_echo(text):
    """echo.jsp output -> dict; repeated keys (headers) become lists under key+'[]'."""
    out = {}
    for line in text.splitlines():
        if "=" not in line:
            continue
        k, v = line.split("=", 1)
        out.setdefault(k + "[]", []).append(v)
        out.setdefault(k, v)
    return out


class Tomcat:
    """One private Tomcat 10 instance; nothing runs until start()."""

    def __init__(self, base, route, *, secret=None, packet_size=8192, quick=True,
                 max_threads=100):
        self.base = Path(base)
        self.route = route
        self.secret = secret
        self.packet_size = packet_size
        self.quick = quick
        self.max_threads = max_threads
        self.http_port = env.free_port()
        self.ajp_port = env.free_port()
        self.proc = None
        self.paused = False

    @property
    def ajp_url(self):
        return f"ajp://127.0.0.1:{self.ajp_port}"

    @property
    def http_url(self):
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def log_file(self):
        return self.base / "logs" / "console.log"

    def write_base(self):
        b = self.base
        for d in ("conf", "logs", "temp", "work", "webapps/ROOT"):
            (b / d).mkdir(parents=True, exist_ok=True)
        if self.secret:
            secret_attrs = f'secretRequired="true" secret="{self.secret}"'
        else:
            secret_attrs = 'secretRequired="false"'
        (b / "conf" / "server.xml").write_text(SERVER_XML.format(
            http_port=self.http_port, ajp_port=self.ajp_port, secret_attrs=secret_attrs,
            packet_size=self.packet_size, route=self.route, max_threads=self.max_threads))
        for name in ("web.xml", "logging.properties", "catalina.properties", "context.xml"):
            (b / "conf" / name).write_bytes((TEMPLATE_CONF / name).read_bytes())
        root = b / "webapps" / "ROOT"
        (root / "echo.jsp").write_text(ECHO_JSP)
        (root / "upload.jsp").write_text(UPLOAD_JSP)
        (root / "download.jsp").write_text(DOWNLOAD_JSP)
        (root / "static.txt").write_text(f"static file of {self.route}\n")

    def launch(self):
        """Starts the JVM and returns at once (wait_ready() waits)."""
        if self.proc and self.proc.poll() is None:
            return self
        self.write_base()
        opts = BASE_JVM + (" " + QUICK_JVM if self.quick else "")
        e = dict(os.environ, CATALINA_HOME=str(TC_HOME), CATALINA_BASE=str(self.base),
                 CATALINA_TMPDIR=str(self.base / "temp"), CATALINA_OPTS=opts,
                 CATALINA_PID=str(self.base / "temp" / "tomcat.pid"), LANG="C")
        log = open(self.log_file, "ab")
        self.proc = subprocess.Popen([str(TC_HOME / "bin" / "catalina.sh"), "run"],
                                     cwd=str(self.base), env=e, stdout=log, stderr=log,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        self.paused = False
        return self

    def ready(self):
        """True once every test page answers over HTTP (JSPs compiled)."""
        if self.proc is None or self.proc.poll() is not None:
            raise env.StartError(f"tomcat {self.route} exited (rc={self.proc.returncode if self.proc else None})"
                                 f"\n{self.log_tail()}")
        try:
            for path in ("/echo.jsp", "/upload.jsp", "/download.jsp?n=10"):
                with urllib.request.urlopen(self.http_url + path, timeout=30) as r:
                    body = r.read()
                    if r.status != 200 or (path == "/echo.jsp" and
                                           f"route={self.route}" not in body.decode()):
                        return False
            return env.port_open(self.ajp_port)
        except OSError:
            return False

    def wait_ready(self, timeout=120):
        try:
            env.wait_until(self.ready, timeout, interval=0.3, what=f"tomcat {self.route}")
        except TimeoutError as e:
            self.stop()
            raise env.StartError(f"{e}\n{self.log_tail()}") from None
        return self

    def start(self, timeout=120):
        return self.launch().wait_ready(timeout)

    def stop(self, timeout=20):
        """By pid: SIGCONT (a paused JVM cannot exit), SIGTERM, then SIGKILL the group."""
        p = self.proc
        if p is None:
            return
        if p.poll() is None:
            try:
                os.kill(p.pid, signal.SIGCONT)
                p.terminate()
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait(10)
            except ProcessLookupError:
                pass
        self.proc = None
        self.paused = False

    def pause(self):
        """SIGSTOP: the JVM hangs, while the kernel still accepts connections for it."""
        os.kill(self.proc.pid, signal.SIGSTOP)
        self.paused = True

    def resume(self):
        if self.proc and self.paused:
            os.kill(self.proc.pid, signal.SIGCONT)
        self.paused = False

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, n=40):
        lines = []
        for f in (self.log_file, *sorted((self.base / "logs").glob("catalina*.log"))):
            try:
                lines += f.read_text(errors="replace").splitlines()[-n:]
            except OSError:
                pass
        return "\n".join(lines[-n:])


class TomcatPair:
    """jvm1 (no secret, packetSize 65536) and jvm2 (secretRequired + secret, packetSize
    8192), started in parallel."""

    SECRET = "s3cr3t-jvm2"

    def __init__(self, base, quick=True):
        base = Path(base)
        self.jvm1 = Tomcat(base / "jvm1", "jvm1", packet_size=65536, quick=quick)
        self.jvm2 = Tomcat(base / "jvm2", "jvm2", secret=self.SECRET, quick=quick)
        self.all = (self.jvm1, self.jvm2)

    def start(self, timeout=150):
        try:
            for t in self.all:
                t.launch()
            for t in self.all:
                t.wait_ready(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def ensure_running(self):
        """Brings back an instance a test stopped or paused."""
        for t in self.all:
            t.resume()
        stopped = [t for t in self.all if not t.running]
        for t in stopped:
            t.launch()
        for t in stopped:
            t.wait_ready()

    def stop(self):
        for t in self.all:
            try:
                t.stop()
            except Exception:  # keep stopping the other one
                pass

    def members(self, jvm2_secret=None, extra=""):
        """(url, params) pairs for env.cxxb_balancer/stock_balancer."""
        s2 = jvm2_secret if jvm2_secret is not None else self.SECRET
        return [(self.jvm1.ajp_url, f"route=jvm1 packetsize=65536 {extra}".strip()),
                (self.jvm2.ajp_url, f"route=jvm2 secret={s2} {extra}".strip())]
