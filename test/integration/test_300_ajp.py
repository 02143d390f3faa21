"""ajp:// members against two real Tomcat 10 instances (tomcat.py): seed 002's setup.

jvm1: no secret, packetSize 65536 (members say packetsize=65536); jvm2: secretRequired and
a secret, packetSize 8192. Both start once for the module (in parallel, ~5 s) and stop by
pid at its end; a test that stops or pauses one gets it back through `tc`.

A few robustness cases need a container that misbehaves on purpose: AjpStub below, a
scripted AJP13 container on 127.0.0.1.
"""

import hashlib
import http.client
import socket
import struct
import subprocess
import threading
import time

import pytest
import requests

import env
import tomcat

MB10 = 10 * 1024 * 1024


# --- fixtures ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tomcats(run_root):
    pair = tomcat.TomcatPair(run_root / "tomcat")
    try:
        pair.start()
        yield pair
    finally:
        pair.stop()


@pytest.fixture
def tc(tomcats):
    """The pair, both running and not paused, before and after the test."""
    tomcats.ensure_running()
    try:
        yield tomcats
    finally:
        tomcats.ensure_running()


def configure(httpd, members, settings=(), extra="", start=True):
    """One balancer `tc` at /tc/."""
    httpd.write_config("\n".join([env.cxxb_balancer("tc", members, settings),
                                  "ProxyPass /tc/ cxxbalancer://tc/",
                                  "ProxyPassReverse /tc/ cxxbalancer://tc/", extra]) + "\n")
    if start:
        httpd.start()
    return httpd


def echo(resp):
    assert resp.status_code == 200, (resp.status_code, resp.text[:500])
    return tomcat.parse_echo(resp.text)


def only(tc, name, **kw):
    """The member list with just jvm1 or jvm2."""
    return [m for m in tc.members(**kw) if f"route={name}" in m[1]]


# --- seed 002: routes, sessions, failover -----------------------------------------------

SEED_002 = ["stickysession=JSESSIONID|jsessionid lbmethod=byrequests"]


def test_both_routes_serve(httpd, tc):
    """Without a session, byrequests alternates between the two Tomcats (secret on jvm2)."""
    configure(httpd, tc.members(), SEED_002)
    routes = [echo(requests.get(httpd.url("/tc/echo.jsp"), timeout=10))["route"]
              for _ in range(6)]
    assert sorted(set(routes)) == ["jvm1", "jvm2"], routes


def test_cookie_jar_sticks_to_one_route(httpd, tc):
    """Seed 002: 50 requests with a cookie jar reach one route; the counter reaches 50."""
    configure(httpd, tc.members(), SEED_002)
    seen = []
    with requests.Session() as s:
        for _ in range(50):
            seen.append(echo(s.get(httpd.url("/tc/echo.jsp"), timeout=10)))
    assert len({e["route"] for e in seen}) == 1, [e["route"] for e in seen]
    assert seen[-1]["counter"] == "50"


def test_jsessionid_path_parameter_reaches_jvm2(httpd, tc):
    configure(httpd, tc.members(), SEED_002)
    for _ in range(6):
        r = requests.get(httpd.url("/tc/echo.jsp;jsessionid=0123456789ABCDEF.jvm2"), timeout=10)
        assert echo(r)["route"] == "jvm2"


def test_stopped_tomcat_next_request_served_by_other(httpd, tc):
    """A session lives on jvm2; jvm2 stops; the next request (same cookie jar) is served by
    jvm1 with no error."""
    configure(httpd, tc.members(), SEED_002)
    httpd.expect_log("CXB02001", "CXB02004", "CXB02008")
    # Sessions stick: a new cookie jar per try until a session lands on jvm2.
    for _ in range(6):
        s = requests.Session()
        if echo(s.get(httpd.url("/tc/echo.jsp"), timeout=10))["route"] == "jvm2":
            break
        s.close()
    else:
        pytest.fail("jvm2 never answered")
    with s:
        assert echo(s.get(httpd.url("/tc/echo.jsp"), timeout=10))["route"] == "jvm2"
        tc.jvm2.stop()
        for _ in range(4):
            t0 = time.monotonic()
            e = echo(s.get(httpd.url("/tc/echo.jsp"), timeout=10))
            assert e["route"] == "jvm1"
            assert time.monotonic() - t0 < 5


# --- what Tomcat sees --------------------------------------------------------------------

def _get_with_port(port, target, host, headers=()):
    """GET over http.client; returns (response text, the client's local port)."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        c.connect()
        local_port = c.sock.getsockname()[1]
        c.putrequest("GET", target, skip_host=True, skip_accept_encoding=True)
        c.putheader("Host", host)
        for k, v in headers:
            c.putheader(k, v)
        c.endheaders()
        r = c.getresponse()
        body = r.read().decode()
        assert r.status == 200, (r.status, body[:500])
        return tomcat.parse_echo(body), local_port
    finally:
        c.close()


@pytest.mark.parametrize("name", ["jvm1", "jvm2"])
def test_jsp_sees_client_with_preserve_host(httpd, tc, name):
    """Remote address and port, the client's Host, the query string byte for byte; hop-by-hop
    headers removed, others passed as they are."""
    configure(httpd, only(tc, name), extra="ProxyPreserveHost On")
    query = "a=1&b=%41%20+c&&d=%2f;e=x=y&%zz&empty="
    e, local_port = _get_with_port(
        httpd.port, "/tc/echo.jsp?" + query, "www.example.test:8080",
        headers=[("Connection", "keep-alive, X-Hop"), ("X-Hop", "1"), ("Keep-Alive", "5"),
                 ("X-Forwarded-For", "192.0.2.99"), ("X-Custom", "kept value")])
    assert e["route"] == name
    assert e["query"] == query
    assert e["uri"] == "/echo.jsp"
    assert e["method"] == "GET"
    assert e["remoteAddr"] == "127.0.0.1"
    assert e["remotePort"] == str(local_port)
    assert e["localAddr"] == "127.0.0.1"
    assert e["serverName"] == "www.example.test"
    assert e["serverPort"] == "8080"
    assert e["localPort"] == str(httpd.port)
    assert e["header.host"] == "www.example.test:8080"
    assert e["secure"] == "false" and e["scheme"] == "http"
    assert e["header.x-custom"] == "kept value"
    assert e["header.x-forwarded-for"] == "192.0.2.99"  # as mod_proxy_ajp: passed, not added
    for gone in ("x-hop", "keep-alive", "connection"):
        assert f"header.{gone}" not in e, e


def test_jsp_sees_member_host_without_preserve_host(httpd, tc):
    configure(httpd, only(tc, "jvm2"), extra="ProxyPreserveHost Off")
    e, _ = _get_with_port(httpd.port, "/tc/echo.jsp", "www.example.test:8080")
    assert e["header.host"] == f"127.0.0.1:{tc.jvm2.ajp_port}"
    assert e["serverName"] == "127.0.0.1"
    assert e["serverPort"] == str(tc.jvm2.ajp_port)


def _self_signed(d):
    key, cert = d / "front.key", d / "front.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return key, cert


def test_jsp_sees_tls_client(httpd_factory, test_dir, tc):
    """A client over TLS: is_ssl (isSecure, https) and the TLS details as attributes."""
    h = httpd_factory(extra_modules=["socache_shmcb", "ssl"])
    h.expect_log("AH01906")  # the self-signed test certificate is its own CA
    key, cert = _self_signed(test_dir)
    tls_port = env.free_port()
    configure(h, only(tc, "jvm1"), extra=f"""
ProxyPreserveHost On
Listen 127.0.0.1:{tls_port} https
SSLSessionCache "shmcb:{h.root}/logs/ssl_scache(512000)"
<VirtualHost 127.0.0.1:{tls_port}>
    ServerName 127.0.0.1
    SSLEngine on
    SSLCertificateFile "{cert}"
    SSLCertificateKeyFile "{key}"
</VirtualHost>""")
    r = requests.get(f"https://127.0.0.1:{tls_port}/tc/echo.jsp?x=1", verify=str(cert),
                     timeout=10)
    e = echo(r)
    assert e["secure"] == "true" and e["scheme"] == "https"
    assert e["serverPort"] == str(tls_port)
    assert e["cipher"] not in ("", "null")
    assert int(e["keySize"]) >= 128
    assert e["sslProtocol"].startswith("TLSv1")
    assert "Secure" in r.headers.get("Set-Cookie", "")  # Tomcat marks the session cookie
    e = echo(requests.get(h.url("/tc/echo.jsp"), timeout=10))
    assert e["secure"] == "false"


# --- bodies ------------------------------------------------------------------------------

def _chunks(data, size=256 * 1024):
    for i in range(0, len(data), size):
        yield data[i:i + size]


@pytest.mark.parametrize("name", ["jvm1", "jvm2"])
@pytest.mark.parametrize("kind", ["cl", "chunked"])
def test_upload_10mb(httpd, tc, name, kind):
    configure(httpd, only(tc, name))
    data = env.pattern_bytes(MB10, 7)
    url = httpd.url("/tc/upload.jsp")
    if kind == "chunked":
        r = requests.post(url, data=_chunks(data), timeout=60)
    else:
        r = requests.post(url, data=data, timeout=60,
                          headers={"Content-Type": "application/octet-stream"})
    got = tomcat.parse_echo(r.text)
    assert r.status_code == 200, r.text[:500]
    assert got["length"] == str(MB10)
    assert got["sha256"] == hashlib.sha256(data).hexdigest()
    assert got["contentLength"] == (str(MB10) if kind == "cl" else "-1")


@pytest.mark.parametrize("name", ["jvm1", "jvm2"])
def test_download_10mb(httpd, tc, name):
    configure(httpd, only(tc, name))
    r = requests.get(httpd.url(f"/tc/download.jsp?n={MB10}"), timeout=60)
    assert r.status_code == 200
    assert len(r.content) == MB10
    assert hashlib.sha256(r.content).hexdigest() == env.pattern_sha256(MB10)


def test_body_shorter_than_content_length_never_reaches_tomcat(httpd, tc):
    """The client announces 100 bytes, sends 10 and stops: nothing is forwarded (the
    session counter on the Tomcat does not move), and the next request is fine."""
    configure(httpd, only(tc, "jvm1"), extra="Timeout 2")
    httpd.expect_log("CXB02101", r"AH01382|AH00574|ap_get_brigade")
    with requests.Session() as s:
        first = echo(s.get(httpd.url("/tc/echo.jsp"), timeout=10))
        cookie = "JSESSIONID=" + first["session"]
    with socket.create_connection(("127.0.0.1", httpd.port), timeout=10) as c:
        c.sendall(b"POST /tc/echo.jsp HTTP/1.1\r\nHost: x\r\nCookie: " + cookie.encode() +
                  b"\r\nContent-Length: 100\r\n\r\n0123456789")
        c.shutdown(socket.SHUT_WR)
        answer = b""
        while True:
            chunk = c.recv(65536)
            if not chunk:
                break
            answer += chunk
    assert b" 200 " not in answer.split(b"\r\n", 1)[0]
    e = echo(requests.get(httpd.url("/tc/echo.jsp"), headers={"Cookie": cookie}, timeout=10))
    assert e["counter"] == "2", "the truncated POST reached the JSP"


# --- secret, packetsize, ping, timeouts --------------------------------------------------

def test_wrong_secret_error_at_once_and_logged(httpd, tc):
    configure(httpd, only(tc, "jvm2", jvm2_secret="not-the-secret"))
    httpd.expect_log("CXB02202")
    t0 = time.monotonic()
    r = requests.get(httpd.url("/tc/echo.jsp"), timeout=10)
    assert r.status_code == 403
    assert time.monotonic() - t0 < 3
    lines = httpd.log_lines_with(r"CXB02202: .*refused the request for its secret")
    assert lines and tc.jvm2.ajp_url in lines[0]
    assert "not-the-secret" not in "\n".join(httpd.error_log_lines())  # never logged


def test_missing_secret_logged(httpd, tc):
    configure(httpd, [(tc.jvm2.ajp_url, "route=jvm2")])
    httpd.expect_log("CXB02202")
    assert requests.get(httpd.url("/tc/echo.jsp"), timeout=10).status_code == 403
    assert httpd.log_lines_with(r"CXB02202: .*secret= is not set")


def test_packetsize_allows_big_headers(httpd, tc):
    """35 KB of headers fit jvm1's 64 KiB packets; with jvm2's 8 KiB they cannot be sent:
    400 before anything is written, logged, and the member is not put in error."""
    configure(httpd, tc.members(), extra="LimitRequestFieldSize 8190")
    httpd.expect_log("CXB02203")
    headers = {f"X-Big-{i}": "v" * 7000 for i in range(5)}
    routes = set()
    for _ in range(4):
        r = requests.get(httpd.url("/tc/echo.jsp"), headers=headers, timeout=10)
        if r.status_code == 200:
            e = tomcat.parse_echo(r.text)
            assert e["header.x-big-4"] == "v" * 7000
            routes.add(e["route"])
        else:
            assert r.status_code == 400
            routes.add("refused")
    assert routes == {"jvm1", "refused"}
    assert httpd.log_lines_with(r"CXB02203: .*cannot be sent over AJP")
    assert echo(requests.get(httpd.url("/tc/echo.jsp"), timeout=10))["route"] in ("jvm1", "jvm2")


def test_sigstopped_tomcat_found_by_ping(httpd, tc):
    """jvm1 hangs (SIGSTOP): CPING finds it within ping=1 and the request goes to jvm2."""
    configure(httpd, tc.members(extra="ping=1"), SEED_002)
    httpd.expect_log("CXB02201")
    tc.jvm1.pause()
    try:
        with requests.Session() as s:  # one client connection: one httpd child, one state
            for _ in range(4):
                t0 = time.monotonic()
                e = echo(s.get(httpd.url("/tc/echo.jsp"), timeout=15))
                assert e["route"] == "jvm2"
                assert time.monotonic() - t0 < 3
    finally:
        tc.jvm1.resume()
    lines = httpd.log_lines_with("CXB02201")
    assert lines and tc.jvm1.ajp_url in lines[0] and "1000 ms" in lines[0]


def test_hung_tomcat_without_ping_times_out(httpd, tc):
    """No ping: a hung member costs the request its timeout (504), never a hang."""
    configure(httpd, only(tc, "jvm2", extra="timeout=2"))
    httpd.expect_log("CXB02005")
    tc.jvm2.pause()
    try:
        t0 = time.monotonic()
        r = requests.get(httpd.url("/tc/echo.jsp"), timeout=15)
        assert r.status_code == 504
        assert time.monotonic() - t0 < 6
    finally:
        tc.jvm2.resume()


# --- a misbehaving container -------------------------------------------------------------

def _packet(payload):
    return b"AB" + struct.pack(">H", len(payload)) + payload


def _ajp_string(s):
    return struct.pack(">H", len(s)) + s + b"\x00"


def send_headers(status=200, headers=()):
    p = b"\x04" + struct.pack(">H", status) + _ajp_string(str(status).encode())
    p += struct.pack(">H", len(headers))
    for k, v in headers:
        p += _ajp_string(k) + _ajp_string(v)
    return _packet(p)


def body_chunk(data):
    return _packet(b"\x03" + _ajp_string(data))


def end_response(reuse):
    return _packet(b"\x05" + (b"\x01" if reuse else b"\x00"))


class AjpStub:
    """A scripted AJP13 container. Each FORWARD_REQUEST is answered by mode:
    ok (reuse=1), close (reuse=0, then closes), truncate (headers + part of the body, then
    closes), garbage (an HTTP answer), oversized (a packet longer than 8188)."""

    def __init__(self, mode):
        self.mode = mode
        self.connections = 0
        self.requests = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.stopped = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return f"ajp://127.0.0.1:{self.port}"

    def _serve(self):
        while not self.stopped:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    @staticmethod
    def _read(conn, n):
        data = b""
        while len(data) < n:
            chunk = conn.recv(n - len(data))
            if not chunk:
                return None
            data += chunk
        return data

    def _handle(self, conn):
        with conn:
            while True:
                head = self._read(conn, 4)
                if head is None or head[:2] != b"\x12\x34":
                    return
                payload = self._read(conn, struct.unpack(">H", head[2:])[0])
                if payload is None:
                    return
                if payload[:1] == b"\x0a":
                    conn.sendall(_packet(b"\x09"))
                    continue
                self.requests += 1
                hdrs = [(b"Content-Type", b"text/plain")]
                if self.mode == "ok":
                    conn.sendall(send_headers(200, hdrs) + body_chunk(b"stub ok") +
                                 end_response(True))
                elif self.mode == "close":
                    conn.sendall(send_headers(200, hdrs) + body_chunk(b"stub close") +
                                 end_response(False))
                    return
                elif self.mode == "truncate":
                    conn.sendall(send_headers(200, hdrs) + body_chunk(b"partial"))
                    time.sleep(0.2)
                    return
                elif self.mode == "garbage":
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                    return
                elif self.mode == "oversized":
                    conn.sendall(b"AB\x20\x01" + b"\x03" + b"x" * 100)
                    return

    def stop(self):
        self.stopped = True
        self.sock.close()


@pytest.fixture
def ajp_stub():
    made = []

    def make(mode):
        s = AjpStub(mode)
        made.append(s)
        return s

    yield make
    for s in made:
        s.stop()


@pytest.mark.parametrize("mode", ["garbage", "oversized"])
def test_malformed_answer_is_502(httpd, ajp_stub, mode):
    stub = ajp_stub(mode)
    configure(httpd, [(stub.url, "")])
    httpd.expect_log("CXB02006")
    r = requests.get(httpd.url("/tc/x"), timeout=10)
    assert r.status_code == 502
    assert httpd.log_lines_with("CXB02006")


def test_member_closing_mid_response_aborts_client(httpd, ajp_stub):
    """Never a truncated response that looks complete: the chunked response has no last
    chunk."""
    stub = ajp_stub("truncate")
    configure(httpd, [(stub.url, "")])
    httpd.expect_log("CXB02007")
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        requests.get(httpd.url("/tc/x"), timeout=10)


@pytest.mark.parametrize("mode,pooled", [("ok", True), ("close", False)])
def test_connections_pooled_only_on_reuse(httpd, ajp_stub, mode, pooled):
    stub = ajp_stub(mode)
    configure(httpd, [(stub.url, "ping=2")])
    with requests.Session() as s:
        for _ in range(10):
            r = s.get(httpd.url("/tc/x"), timeout=10)
            assert r.status_code == 200 and r.text.startswith("stub")
    assert stub.requests == 10
    if pooled:
        assert stub.connections <= 2, stub.connections
    else:
        assert stub.connections == 10
