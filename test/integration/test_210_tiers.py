"""Tiers, hot standby, the sorry page and failover through a real httpd (issue 3 §4, §5, §7;
seeds 001 and 004 of SCENARIOS.md; DESIGN.md §2 member and balancer keys).

Members are nginx instances (Member below: X-Backend names the member on every response;
it can answer every path with another status) and, where a member must die after reading a
request or answer slowly, the project's misbehaving backend, which counts what it received.
Members that must be down are stopped (connections refused) or are free ports.

Every httpd here runs one child: member state (in error, retry timers) is per child until
shared memory lands (issue 3 §1), and httpd closes the client connection after a 503, so
the next request could reach another child that has not yet seen the failure. What these
tests prove is the balancer's behaviour, not its sharing between children.
"""

import collections
import re
import time

import pytest
import requests

import env


# --- members and configuration -------------------------------------------------------------

class Member(env.Nginx):
    """An nginx member whose catch-all location answers `status`, with optional extra
    locations (which must repeat add_header X-Backend: a location's own add_header hides the
    server's)."""

    def __init__(self, prefix, name, static_dir, locations="", status=200):
        super().__init__(prefix, name, static_dir)
        self.locations = locations
        self.status = status

    def config(self):
        base = super().config()
        base = base.replace("        location / { return 200",
                            self.locations + f"\n        location / {{ return {self.status}", 1)
        assert f"location / {{ return {self.status}" in base
        return base

    def request_lines(self):
        """The request lines of its access log ("GET /x HTTP/1.1")."""
        if not self.access_log.exists():
            return []
        return re.findall(r'"([^"]*)"', self.access_log.read_text())


@pytest.fixture
def member_factory(nginx_factory):
    """make(name, locations="", status=200) -> started Member; stop() and start() again keep
    its port."""
    return lambda name, locations="", **kw: nginx_factory(name, cls=Member, locations=locations,
                                                          **kw)


@pytest.fixture
def httpd(httpd_one_child):
    """An httpd with one child (see the module docstring)."""
    return httpd_one_child


def configure(httpd, members, settings=(), extra=""):
    """Balancer `web` at /app/; `members` are (url or backend, params) pairs."""
    httpd.write_config("\n".join([
        env.cxxb_balancer("web", [(getattr(m, "url", m), p) for m, p in members], settings),
        "ProxyPass /app/ cxxbalancer://web/",
        "ProxyPassReverse /app/ cxxbalancer://web/",
        extra]))
    return httpd.start()


def get(httpd, target, method="GET", body=None, headers=()):
    """One request on its own connection, the target sent byte for byte."""
    return env.raw_request(httpd.port, target, method=method, body=body, headers=headers,
                           timeout=15)


def who(r):
    return r.header("X-Backend")


def served_by(httpd, n, target="/app/page"):
    """Members that answered n GETs; every answer must be a 200."""
    out = []
    for _ in range(n):
        r = get(httpd, target)
        assert r.status == 200, (target, r.status, r.text[:300])
        out.append(who(r))
    return out


def expect_down(httpd, *members):
    """Members that are stopped or never ran are named in the error log when requests find
    them gone (CXB02001 refused, CXB02004 a pooled connection closed under a request)."""
    for m in members:
        port = m.port if hasattr(m, "port") else int(m.rsplit(":", 1)[1])
        httpd.expect_log(rf"127\.0\.0\.1:{port}\b")
    httpd.expect_log("CXB02008")  # no member could serve


def wait_retry(seconds=1.0):
    """Lets a retry=1 timer run out."""
    time.sleep(seconds + 0.2)


# --- seed 004: weights and hot standby -------------------------------------------------------

def test_seed_004_split_standby_and_return(httpd, member_factory):
    """Two actives with loadfactor 1 and 5 share 600 requests 1:5 (within 5 % of the total);
    the `+H` member gets none. Both actives down: the standby serves, with no client error.
    One active back: traffic returns to it once its retry has run out, and only to it."""
    m1, m2, m3 = member_factory("m1"), member_factory("m2"), member_factory("m3")
    configure(httpd, [(m1, "loadfactor=1 retry=1 route=node1"),
                      (m2, "loadfactor=5 retry=1 route=node2"),
                      (m3, "status=+H retry=1 route=node3")],
              ["stickysession=JSESSIONID|jsessionid"])
    counts = collections.Counter()
    with requests.Session() as s:
        for _ in range(600):
            r = s.get(httpd.url("/app/id"), timeout=10)
            assert r.status_code == 200
            counts[r.text] += 1
    assert counts["m3"] == 0, counts
    assert abs(counts["m1"] - 100) <= 30 and abs(counts["m2"] - 500) <= 30, counts

    m1.stop()
    m2.stop()
    expect_down(httpd, m1, m2)
    assert served_by(httpd, 10) == ["m3"] * 10

    m2.start()
    wait_retry()
    assert served_by(httpd, 12) == ["m2"] * 12  # m1 is still down: its retries fail over

    m1.start()
    wait_retry()
    got = collections.Counter(served_by(httpd, 30))
    assert set(got) == {"m1", "m2"} and got["m2"] > got["m1"], got


# --- seed 001: hot standby and sorry= --------------------------------------------------------

MAINTENANCE = "<html><body><h1>Down for maintenance</h1></body></html>\n"


@pytest.mark.parametrize("variant", ["local path", "url"])
def test_seed_001_standby_then_sorry_page(httpd, member_factory, variant):
    """Actives down: the hot standby serves. Standby down too: every request gets 503 with
    Retry-After and the maintenance page, at the URL the client asked for (no redirect).
    The sorry server only ever sees the maintenance path. A member back: served again."""
    m1, m2 = member_factory("m1"), member_factory("m2")
    standby = member_factory("standby")
    if variant == "local path":
        (httpd.root / "htdocs" / "maintenance.html").write_text(MAINTENANCE)
        sorry_server, sorry = None, "sorry=/maintenance.html"
    else:
        body = MAINTENANCE.strip().replace('"', '\\"')
        sorry_server = member_factory("sorry", locations=(
            "        location = /maint.html { add_header X-Backend sorry always; "
            f'default_type text/html; return 200 "{body}\\n"; }}'))
        sorry = f"sorry={sorry_server.url}/maint.html"
    configure(httpd, [(m1, "retry=1"), (m2, "retry=1"), (standby, "status=+H retry=1")],
              [sorry])
    assert set(served_by(httpd, 10)) == {"m1", "m2"}

    m1.stop()
    m2.stop()
    expect_down(httpd, m1, m2)
    assert served_by(httpd, 6) == ["standby"] * 6

    standby.stop()
    expect_down(httpd, standby)
    for target in ("/app/shop/cart?item=42&secret=s3cr3t", "/app/", "/app/login;jsessionid=x"):
        r = get(httpd, target)
        assert r.status == 503, (target, r.status, r.text[:300])
        assert r.text == MAINTENANCE
        assert r.header("Content-Type").startswith("text/html")
        assert r.header("Location") is None and r.header("Content-Location") is None
        # seconds until a member's retry=1 runs out, at least 1
        assert r.header("Retry-After") == "1", r.headers
    r = get(httpd, "/app/shop/cart?item=42", method="HEAD")
    assert r.status == 503 and r.body == b"" and r.header("Retry-After") is not None
    r = get(httpd, "/app/after-head")  # nothing of the HEAD's page left on a connection
    assert (r.status, r.text) == (503, MAINTENANCE)
    if sorry_server is not None:
        sorry_server.requests_served(expect=5)
        # the page's own path only, fetched with the client's method (HEAD stays HEAD)
        get_line, head_line = "GET /maint.html HTTP/1.1", "HEAD /maint.html HTTP/1.1"
        assert sorry_server.request_lines() == [get_line] * 3 + [head_line, get_line]

    m1.start()
    wait_retry()
    assert served_by(httpd, 4) == ["m1"] * 4
    if sorry_server is not None:
        assert len(sorry_server.request_lines()) == 5


def test_sorry_page_not_used_while_a_member_serves(httpd, member_factory):
    """sorry= is the last resort: one active member down is plain failover."""
    m1, m2 = member_factory("m1"), member_factory("m2")
    (httpd.root / "htdocs" / "maintenance.html").write_text(MAINTENANCE)
    configure(httpd, [(m1, ""), (m2, "")], ["sorry=/maintenance.html"])
    m1.stop()
    expect_down(httpd, m1)
    assert served_by(httpd, 6) == ["m2"] * 6


# --- lbset tiers -----------------------------------------------------------------------------

def test_lbset_tiers(httpd, member_factory):
    """An lbset=1 member is used only while no lbset=0 member is usable."""
    a, b, c = member_factory("a"), member_factory("b"), member_factory("c")
    configure(httpd, [(a, "lbset=0"), (b, "lbset=0"), (c, "lbset=1")])
    assert set(served_by(httpd, 10)) == {"a", "b"}
    a.stop()
    expect_down(httpd, a)
    assert served_by(httpd, 6) == ["b"] * 6
    b.stop()
    expect_down(httpd, b)
    assert served_by(httpd, 6) == ["c"] * 6


def test_standby_of_higher_tier_waits_for_its_tier(httpd, member_factory):
    """Tier 0's own standby comes before tier 1 (httpd 2.4's order)."""
    a, h, c = member_factory("a"), member_factory("h"), member_factory("c")
    configure(httpd, [(a, "lbset=0"), (h, "lbset=0 status=+H"), (c, "lbset=1")])
    assert served_by(httpd, 4) == ["a"] * 4
    a.stop()
    expect_down(httpd, a)
    assert served_by(httpd, 4) == ["h"] * 4


# --- failonstatus, ignore errors -------------------------------------------------------------

@pytest.mark.parametrize("flags", ["", "status=+I"])
def test_failonstatus(httpd, member_factory, flags):
    """failonstatus=503: the client gets the member's 503 once, the member is put in error
    (CXB02011) and later requests avoid it. With status=+I it is never put in error and
    keeps its share."""
    bad, good = member_factory("bad", status=503), member_factory("good")
    configure(httpd, [(bad, flags), (good, "")], ["failonstatus=503"])
    httpd.expect_log("CXB02011")
    answers = []
    for _ in range(12):
        r = get(httpd, "/app/page")
        answers.append((r.status, who(r)))
    from_bad = [a for a in answers if a[1] == "bad"]
    assert all(a == (503, "bad") for a in from_bad)
    assert all(a == (200, "good") for a in answers if a[1] != "bad")
    errors = httpd.log_lines_with("CXB02011")
    if flags:
        assert len(from_bad) == 6, answers
        assert errors == []
    else:
        assert len(from_bad) == 1, answers
        assert len(errors) == 1 and bad.url in errors[0] and "503" in errors[0], errors


def test_ignore_errors_member_refusing_is_not_put_in_error(httpd, member_factory):
    """status=+I on a member that refuses connections: requests that pick it fail over
    (no client error) and it stays in the rotation (each request tries it again)."""
    good = member_factory("good")
    dead = f"http://127.0.0.1:{env.free_port()}"
    configure(httpd, [(dead, "status=+I"), (good, "")])
    expect_down(httpd, dead)
    assert served_by(httpd, 8) == ["good"] * 8


# --- failontimeout, maxattempts, forcerecovery -----------------------------------------------

@pytest.mark.parametrize("failontimeout", ["On", "Off"])
def test_failontimeout(httpd, member_factory, misbehave, failontimeout):
    """A member slower than its timeout: 504. With failontimeout=On it is put in error
    (CXB02010) and the next requests go to the other member; Off: it is picked again."""
    fast = member_factory("fast")
    configure(httpd, [(misbehave, "loadfactor=100 timeout=1"), (fast, "loadfactor=1")],
              [f"failontimeout={failontimeout}"])
    httpd.expect_log(rf"127\.0\.0\.1:{misbehave.port}\b")
    t0 = time.monotonic()
    r = get(httpd, "/app/delay?ms=2500")
    assert r.status == 504
    assert time.monotonic() - t0 < 2.0
    if failontimeout == "On":
        assert len(httpd.log_lines_with("CXB02010")) == 1
        assert served_by(httpd, 5, "/app/delay?ms=2500") == ["fast"] * 5
    else:
        assert httpd.log_lines_with("CXB02010") == []
        assert len(httpd.log_lines_with("CXB02005")) == 1
        assert get(httpd, "/app/delay?ms=2500").status == 504  # the slow member again
    assert misbehave.stats()["paths"] == {"/delay": 1 if failontimeout == "On" else 2}


@pytest.mark.parametrize("maxattempts", [None, 1, 3])
def test_maxattempts(httpd, member_factory, maxattempts):
    """Three members refusing connections in tier 0, a live one in tier 1. A request tries
    at most maxattempts members after the first (default: members - 1, so all four)."""
    live = member_factory("live")
    dead = [f"http://127.0.0.1:{env.free_port()}" for _ in range(3)]
    settings = [f"maxattempts={maxattempts}"] if maxattempts is not None else []
    configure(httpd, [(d, "lbset=0") for d in dead] + [(live, "lbset=1")], settings)
    expect_down(httpd, *dead)
    r = get(httpd, "/app/page")
    if maxattempts == 1:
        assert r.status == 503  # two dead members tried, then given up
        assert len(httpd.log_lines_with("CXB02001")) == 2
        assert live.requests_served() == 0
        r = get(httpd, "/app/page")  # the third dead member, then the live one
    assert (r.status, who(r)) == (200, "live")
    assert len(httpd.log_lines_with("CXB02001")) == 3


@pytest.mark.parametrize("forcerecovery", ["On", "Off"])
def test_forcerecovery(httpd, member_factory, forcerecovery):
    """All members in error (retry=60) but back up: with forcerecovery (the default) they
    are tried anyway and serve; Off: 503 until a retry runs out."""
    m1, m2 = member_factory("m1"), member_factory("m2")
    configure(httpd, [(m1, "retry=60"), (m2, "retry=60")], [f"forcerecovery={forcerecovery}"])
    expect_down(httpd, m1, m2)
    m1.stop()
    m2.stop()
    assert get(httpd, "/app/page").status == 503
    assert len(httpd.log_lines_with("CXB02001")) == 2  # both in error now
    m1.start()
    m2.start()
    r = get(httpd, "/app/page")
    if forcerecovery == "On":
        assert r.status == 200 and who(r) in ("m1", "m2")
    else:
        assert r.status == 503


# --- what is sent twice and what is not ------------------------------------------------------

@pytest.mark.parametrize("method", ["GET", "POST"])
def test_member_dying_before_answering(httpd, member_factory, misbehave, method):
    """The first member reads the request and closes without answering. A GET goes to the
    other member with no client error; a POST may have been processed, so it is never sent
    to a second member: 502, and the other member's access log stays empty."""
    other = member_factory("other")
    configure(httpd, [(misbehave, "loadfactor=100"), (other, "loadfactor=1")])
    httpd.expect_log(rf"127\.0\.0\.1:{misbehave.port}\b")
    body = b"order=42&amount=1" if method == "POST" else None
    headers = [("Content-Type", "application/x-www-form-urlencoded")] if body else []
    r = get(httpd, "/app/fault/close", method=method, body=body, headers=headers)
    assert misbehave.stats()["paths"] == {"/fault/close": 1}
    if method == "GET":
        assert (r.status, who(r)) == (200, "other")
        assert other.requests_served(expect=1) == 1
    else:
        assert r.status == 502
        assert other.requests_served() == 0
    assert len(httpd.log_lines_with("CXB02004")) == 1


def test_post_to_refused_member_fails_over(httpd, member_factory):
    """Nothing was sent when the connection is refused: a POST may go to another member."""
    other = member_factory("other")
    dead = f"http://127.0.0.1:{env.free_port()}"
    configure(httpd, [(dead, "loadfactor=100"), (other, "loadfactor=1")])
    expect_down(httpd, dead)
    r = get(httpd, "/app/form", method="POST", body=b"a=1",
            headers=[("Content-Type", "application/x-www-form-urlencoded")])
    assert (r.status, who(r)) == (200, "other")
    assert other.requests_served(expect=1) == 1  # nginx logs after it has answered
    assert other.request_lines() == ["POST /form HTTP/1.1"]


# --- conf-examples/tiers-sorry-url.conf ------------------------------------------------------

def test_example_tiers_sorry_url(httpd, member_factory):
    """The example as written: primary, then backup, then the sorry server's page."""
    primary, backup = member_factory("primary"), member_factory("backup")
    sorry = member_factory("sorry", locations=(
        "        location = /maintenance.html { add_header X-Backend sorry always; "
        'default_type text/html; return 200 "<h1>back soon</h1>\\n"; }'))
    ports = {"BACKEND1": primary.port, "BACKEND2": backup.port, "BACKEND3": sorry.port}
    text = env.substitute((env.CONF_EXAMPLES / "tiers-sorry-url.conf").read_text(),
                          {k: f"127.0.0.1:{p}" for k, p in ports.items()})
    conf = httpd.root / "conf" / "example.conf"
    conf.write_text(text)
    httpd.write_config(f'Include "{conf}"\n')
    httpd.start()
    assert served_by(httpd, 5, "/shop/item?id=1") == ["primary"] * 5
    primary.stop()
    expect_down(httpd, primary)
    assert served_by(httpd, 5, "/shop/item?id=1") == ["backup"] * 5
    backup.stop()
    expect_down(httpd, backup)
    r = get(httpd, "/shop/item?id=1")
    assert (r.status, r.text) == (503, "<h1>back soon</h1>\n")
    assert r.header("Retry-After") is not None
    assert sorry.requests_served(expect=1) == 1
    assert sorry.request_lines() == ["GET /maintenance.html HTTP/1.1"]
