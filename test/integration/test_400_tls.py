"""TLS to https members (seed 001: "https:// members with certificate checks").

The members are nginx serving HTTPS on 127.0.0.1 with a certificate for "localhost" and
127.0.0.1, made here with the openssl CLI and signed by data/test-ca.pem. A second CA,
made here too, is the "wrong CA" nobody signed the members with.

What nginx logs per request ($connection, $connection_requests, $ssl_session_reused) shows
whether member connections were reused and whether new ones resumed a TLS session.
"""

import hashlib
import http.client
import shutil

import pytest
import requests

import env

TEST_CA = env.TEST_CA
MB10 = 10 * 1024 * 1024


@pytest.fixture(scope="module")
def pki(run_root):
    """member.pem/.key (localhost, 127.0.0.1; signed by the test CA) and other-ca.pem."""
    return env.make_tls_files(run_root / "tls-pki")


@pytest.fixture
def tls_nginx(nginx_factory, pki):
    """make(name) -> a started nginx serving HTTPS with the member certificate."""
    def make(name="t1"):
        return nginx_factory(name, tls=(pki["cert"], pki["key"]))
    return make


def _configure(httpd, members, settings=(), start=True):
    httpd.write_config(env.cxxb_balancer("web", members, settings)
                       + "\nProxyPass /app/ cxxbalancer://web/\n")
    if start:
        httpd.start()
    return httpd


def _sequential(port, path, n):
    """n GETs over one client keep-alive connection: (status, X-Backend) pairs."""
    out = []
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        for _ in range(n):
            r = env.raw_request(port, path, conn=c)
            out.append((r.status, r.header("X-Backend")))
    finally:
        c.close()
    return out


# --- a member with a good certificate -------------------------------------------------------

@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_https_member_serves(httpd, tls_nginx, host):
    """By address (checked against the certificate's IP) and by name (checked, and SNI)."""
    m = tls_nginx()
    _configure(httpd, [(f"https://{host}:{m.port}", f"sslca={TEST_CA}")])
    r = requests.get(httpd.url("/app/id"), timeout=10)
    assert (r.status_code, r.text, r.headers.get("X-Backend")) == (200, "t1", "t1")
    r = requests.get(httpd.url("/app/echo?x=1"), timeout=10)
    assert r.status_code == 200
    assert "uri=/echo?x=1" in r.text


def test_https_keepalive_reuses_member_connections(httpd, tls_nginx):
    """Sequential requests share pooled TLS connections: nginx logs few connections, each
    carrying many requests."""
    m = tls_nginx()
    _configure(httpd, [(m.url, f"sslca={TEST_CA}")])
    assert _sequential(httpd.port, "/app/id", 50) == [(200, "t1")] * 50
    assert m.requests_served(expect=50) == 50
    entries = m.log_entries()
    connections = {e["connection"] for e in entries}
    assert len(connections) <= 2, entries
    assert max(e["requests"] for e in entries) >= 25, entries


def test_https_new_connections_resume_the_session(httpd, tls_nginx):
    """disablereuse=On: a connection per request; after the first, each resumes the TLS
    session instead of a full handshake."""
    m = tls_nginx()
    _configure(httpd, [(m.url, f"sslca={TEST_CA} disablereuse=On")])
    assert _sequential(httpd.port, "/app/id", 10) == [(200, "t1")] * 10
    assert m.requests_served(expect=10) == 10
    entries = m.log_entries()
    assert len({e["connection"] for e in entries}) == 10, entries
    assert [e["tls_reused"] for e in entries] == ["."] + ["r"] * 9, entries


def test_https_member_after_graceful_restart(httpd, tls_nginx):
    """A new configuration generation builds new TLS contexts; the old ones go with it."""
    m = tls_nginx()
    _configure(httpd, [(m.url, f"sslca={TEST_CA}")])
    assert requests.get(httpd.url("/app/id"), timeout=10).text == "t1"
    for _ in range(2):
        httpd.graceful()
        assert _sequential(httpd.port, "/app/id", 5) == [(200, "t1")] * 5


def test_https_10mb_download_intact(httpd, tls_nginx):
    m = tls_nginx()
    _configure(httpd, [(m.url, f"sslca={TEST_CA}")])
    r = requests.get(httpd.url("/app/static/10m.bin"), timeout=60)
    assert r.status_code == 200
    assert len(r.content) == MB10
    assert hashlib.sha256(r.content).hexdigest() == env.pattern_sha256(MB10)


def test_https_request_body(httpd, tls_nginx):
    """A request body goes out over TLS too (nginx answers /echo after reading it)."""
    m = tls_nginx()
    _configure(httpd, [(m.url, f"sslca={TEST_CA}")])
    body = env.pattern_bytes(512 * 1024)
    r = requests.post(httpd.url("/app/echo"), data=body, timeout=30)
    assert r.status_code == 200
    assert "method=POST" in r.text
    assert m.requests_served(expect=1) == 1  # nginx logs after it has answered: wait for it
    assert m.log_entries()[-1]["request"].startswith("POST /echo")


def test_https_relative_sslca_is_under_server_root(httpd, tls_nginx):
    m = tls_nginx()
    shutil.copy(TEST_CA, httpd.root / "conf" / "ca.pem")
    _configure(httpd, [(m.url, "sslca=conf/ca.pem")])
    assert requests.get(httpd.url("/app/id"), timeout=10).text == "t1"


# --- certificate checks -----------------------------------------------------------------------

def test_https_wrong_ca_fails_over_to_http_member(httpd, tls_nginx, nginx_factory, pki):
    """The TLS member's certificate is not from the configured CA: it is put in error once,
    with the reason in the log, and every request goes to the plain HTTP member."""
    t = tls_nginx()
    plain = nginx_factory("m2")
    _configure(httpd, [(t.url, f"sslca={pki['other_ca']}"), (plain.url, "")])
    httpd.expect_log("CXB02015")
    assert _sequential(httpd.port, "/app/id", 10) == [(200, "m2")] * 10
    lines = httpd.log_lines_with("CXB02015")
    assert len(lines) == 1, lines
    assert f"member {t.url}: TLS handshake with 127.0.0.1:{t.port} failed: certificate " \
           "verify failed: unable to get local issuer certificate" in lines[0]
    assert "in error for 60 s" in lines[0]
    assert t.requests_served() == 0


def test_https_wrong_ca_only_member_is_503(httpd, tls_nginx, pki):
    t = tls_nginx()
    _configure(httpd, [(t.url, f"sslca={pki['other_ca']}")])
    httpd.expect_log("CXB02015", "CXB02008")
    r = requests.get(httpd.url("/app/id"), timeout=10)
    assert r.status_code == 503
    assert httpd.log_lines_with("CXB02015.*unable to get local issuer certificate")


def test_https_hostname_mismatch(httpd, tls_nginx):
    """sslsni names what the certificate must be for; this one is not for it."""
    t = tls_nginx()
    _configure(httpd, [(t.url, f"sslca={TEST_CA} sslsni=wrong.example")])
    httpd.expect_log("CXB02015", "CXB02008")
    assert requests.get(httpd.url("/app/id"), timeout=10).status_code == 503
    assert httpd.log_lines_with(
        r"CXB02015.*hostname mismatch \(the certificate is not valid for wrong\.example\)")


def test_https_sslverify_off_accepts_the_wrong_ca(httpd, tls_nginx, pki):
    t = tls_nginx()
    _configure(httpd, [(t.url, f"sslca={pki['other_ca']} sslverify=off sslsni=wrong.example")])
    assert _sequential(httpd.port, "/app/id", 5) == [(200, "t1")] * 5


def test_https_to_a_plain_http_port(httpd, nginx_factory):
    """An https:// URL for a plain HTTP member: a member failure that says what is wrong."""
    plain = nginx_factory("m1")
    _configure(httpd, [(f"https://127.0.0.1:{plain.port}", f"sslca={TEST_CA}")])
    httpd.expect_log("CXB02015", "CXB02008")
    assert requests.get(httpd.url("/app/id"), timeout=10).status_code == 503
    assert httpd.log_lines_with(r"CXB02015.*\(is it a plain HTTP port\?\)")


# --- files named by sslca / sslcert / sslkey -------------------------------------------------

@pytest.mark.parametrize("key", ["sslca", "sslcert", "sslkey"])
def test_https_missing_file_refused_at_config_test(httpd, key, pki):
    """`apache2 -t` names the member's line, the key and the file."""
    port = env.free_port()
    params = {"sslca": f"sslca={TEST_CA}", "sslcert": f"sslcert={pki['cert']}",
              "sslkey": f"sslkey={pki['key']}"}
    params[key] = f"{key}=/nonexistent/{key}.pem"
    if key == "sslca":
        params.pop("sslcert"), params.pop("sslkey")
    _configure(httpd, [(f"https://127.0.0.1:{port}", " ".join(params.values()))], start=False)
    line = httpd.config_line_of("BalancerMember")
    rc, out = httpd.test_config()
    assert rc != 0, out
    assert (f"CXB00012: {httpd.conf_file}:{line}: BalancerMember https://127.0.0.1:{port}: "
            f"{key} /nonexistent/{key}.pem: No such file or directory") in out, out


def test_https_key_not_matching_the_certificate_refused(httpd, pki):
    port = env.free_port()
    _configure(httpd, [(f"https://127.0.0.1:{port}",
                        f"sslcert={pki['cert']} sslkey={pki['other_ca_key']}")],
               start=False)
    rc, out = httpd.test_config()
    assert rc != 0, out
    assert "CXB00012" in out and "the key does not belong to sslcert" in out, out


def test_https_client_certificate_loads(httpd, tls_nginx, pki):
    """sslcert/sslkey are loaded (by the parent, as root) and the member still serves."""
    t = tls_nginx()
    _configure(httpd, [(t.url, f"sslca={TEST_CA} sslcert={pki['cert']} sslkey={pki['key']}")])
    assert requests.get(httpd.url("/app/id"), timeout=10).text == "t1"


# --- seed 001 as configured in conf-examples ----------------------------------------------------

def test_example_001_over_tls(httpd, tls_nginx, nginx_factory):
    """conf-examples/001 with real HTTPS members: both serve, with the client's Host; with
    both down the hot standby serves; with it down too, the sorry page comes with 503 and
    Retry-After, whatever the client asked for."""
    t1, t2 = tls_nginx("t1"), tls_nginx("t2")
    standby = nginx_factory("m3")
    text = env.substitute((env.CONF_EXAMPLES / "001-sorry-server-tls.conf").read_text(), {
        "BACKEND1": f"127.0.0.1:{t1.port}", "BACKEND2": f"127.0.0.1:{t2.port}",
        "BACKEND3": f"127.0.0.1:{standby.port}", "SSLCA": str(env.TEST_CA)})
    dest = httpd.root / "conf" / "001-sorry-server-tls.conf"
    dest.write_text(text)
    (httpd.root / "htdocs" / "maintenance.html").write_text("down for maintenance\n")
    httpd.write_config(f'Include "{dest}"\n')
    httpd.start()
    httpd.expect_log("CXB02001", "CXB02008")

    assert {requests.get(httpd.url("/id"), timeout=10).text for _ in range(6)} == {"t1", "t2"}
    echo = requests.get(httpd.url("/echo"), headers={"Host": "www.example.org"}, timeout=10)
    assert "host=www.example.org" in echo.text

    t1.stop()
    t2.stop()
    r = requests.get(httpd.url("/id"), timeout=10)
    assert (r.status_code, r.text) == (200, "m3")

    standby.stop()
    r = requests.get(httpd.url("/some/page?x=1"), timeout=10)
    assert r.status_code == 503
    assert r.text == "down for maintenance\n"
    assert int(r.headers["Retry-After"]) >= 1
