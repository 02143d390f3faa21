"""Sticky sessions through a real httpd (issue 3 §6 and §8, DESIGN.md §2 balancer keys):
`stickysession` by cookie, path parameter and query, `routecookie`, `stickyforce`,
`nofailover`, draining members, `redirect=`, the BALANCER_* variables and the warning for
a member whose route never matches the sessions its responses create.

Members are nginx instances (Member below) that answer every path with their name in
X-Backend, and whose /login sets a session cookie `JSESSIONID=<sid>.<route>` as Tomcat or
WildFly do.

Every httpd here runs one child: member state (in error, retry timers) and the route
mismatch detector are per child until shared memory lands (issue 3 §1), and a client whose
connection is closed after a 503 may reconnect to another child. What these tests prove is
the balancer's behaviour; that every child sees it at once is the shared-memory store's.
"""

import re

import pytest

import env


# --- members and configuration -------------------------------------------------------------

class Member(env.Nginx):
    """An nginx member with extra locations in its server block (placed before the
    catch-all `location /`). Locations with their own add_header lose the server-level
    X-Backend, so `locations` must repeat it (see login_location)."""

    def __init__(self, prefix, name, static_dir, locations=""):
        super().__init__(prefix, name, static_dir)
        self.locations = locations

    def config(self):
        base = super().config()
        return base.replace("        location / {", self.locations + "\n        location / {", 1)


def login_location(name, session_value):
    """/login sets JSESSIONID=session_value, as an application creating a session."""
    return (f'        location = /login {{ add_header X-Backend {name} always; '
            f'add_header Set-Cookie "JSESSIONID={session_value}; Path=/" always; '
            f'return 200 "{name}"; }}')


@pytest.fixture
def member_factory(nginx_factory):
    """make(name, locations="") -> started Member; stop() and start() again keep its port."""
    return lambda name, locations="", **kw: nginx_factory(name, cls=Member, locations=locations,
                                                          **kw)


@pytest.fixture
def httpd(httpd_one_child):
    """An httpd with one child (see the module docstring)."""
    return httpd_one_child


STICKY = "stickysession=JSESSIONID|jsessionid"


def configure(httpd, members, settings=(), extra=""):
    """Balancer `web` at /app/; `members` are (Member, params) pairs."""
    httpd.write_config("\n".join([
        env.cxxb_balancer("web", [(m.url, p) for m, p in members], settings),
        "ProxyPass /app/ cxxbalancer://web/",
        "ProxyPassReverse /app/ cxxbalancer://web/",
        extra]))
    return httpd.start()


def get(httpd, target, cookie=None, headers=()):
    """One request on its own connection, the target sent byte for byte."""
    hs = list(headers)
    if cookie:
        hs.append(("Cookie", cookie))
    return env.raw_request(httpd.port, target, headers=hs, timeout=15)


def who(r):
    return r.header("X-Backend")


def served_by(httpd, target, n, cookie=None):
    """Members that answered n requests, in order; every answer must be a 200."""
    out = []
    for _ in range(n):
        r = get(httpd, target, cookie)
        assert r.status == 200, (target, cookie, r.status, r.text[:300])
        out.append(who(r))
    return out


def expect_member_down(httpd, member):
    """A stopped member is named in the error log when requests find it gone."""
    httpd.expect_log(rf"127\.0\.0\.1:{member.port}\b")


# --- stickysession by cookie and by URL parameter -------------------------------------------

def test_sticky_by_cookie(httpd, member_factory):
    """The session cookie a member sets pins every later request of that session to it;
    a route no member has is balanced as if there were no session."""
    m1 = member_factory("m1", login_location("m1", "s1.r1"))
    m2 = member_factory("m2", login_location("m2", "xyz.r2"))
    configure(httpd, [(m1, "route=r1"), (m2, "route=r2")], [STICKY])
    cookies = {}
    for _ in range(4):
        r = get(httpd, "/app/login")
        assert r.status == 200
        cookies[who(r)] = r.header_all("Set-Cookie")
    assert cookies == {"m1": ["JSESSIONID=s1.r1; Path=/"], "m2": ["JSESSIONID=xyz.r2; Path=/"]}

    assert served_by(httpd, "/app/page", 30, "JSESSIONID=xyz.r2") == ["m2"] * 30
    assert served_by(httpd, "/app/page", 10, "theme=dark; JSESSIONID=s1.r1; lang=ja") == ["m1"] * 10
    # JSESSIONID and jsessionid are different names: the path parameter names the URL form
    assert set(served_by(httpd, "/app/page", 10, "jsessionid=xyz.r2")) == {"m1", "m2"}
    # an unknown route (a session of a member removed from the file): balanced
    assert set(served_by(httpd, "/app/page", 10, "JSESSIONID=old.r9")) == {"m1", "m2"}
    # no route suffix at all: balanced
    assert set(served_by(httpd, "/app/page", 10, "JSESSIONID=plain")) == {"m1", "m2"}


@pytest.mark.parametrize("target, member", [
    ("/app/x;jsessionid=abc.r1", "m1"),
    ("/app/x;jsessionid=abc.r2", "m2"),
    ("/app/dir;jsessionid=abc.r1/page.jsp", "m1"),
    ("/app/x?jsessionid=abc.r1", "m1"),
    ("/app/x?a=1&jsessionid=abc.r2&b=2", "m2"),
])
def test_sticky_by_url_parameter(httpd, member_factory, target, member):
    """`;jsessionid=` path parameters and `?jsessionid=` query parameters pin the request,
    and the member receives the URL unchanged."""
    m1, m2 = member_factory("m1"), member_factory("m2")
    configure(httpd, [(m1, "route=r1"), (m2, "route=r2")], [STICKY])
    for _ in range(10):
        r = get(httpd, target)
        assert r.status == 200
        assert r.text == f"{member} {target[len('/app'):]}\n"


def test_url_parameter_wins_over_cookie(httpd, member_factory):
    """As mod_proxy_balancer: the URL's session is looked at before the cookie."""
    m1, m2 = member_factory("m1"), member_factory("m2")
    configure(httpd, [(m1, "route=r1"), (m2, "route=r2")], [STICKY])
    assert served_by(httpd, "/app/x;jsessionid=a.r1", 5, "JSESSIONID=b.r2") == ["m1"] * 5


@pytest.mark.parametrize("settings, target, cookie, member", [
    (["stickysession=JSESSIONID|jsessionid", "stickysessionsep=_"], "/app/x", "JSESSIONID=a_r2",
     "m2"),
    (["stickysession=JSESSIONID|jsessionid", "stickysessionsep=_"], "/app/x;jsessionid=a_r1",
     None, "m1"),
    (["stickysession=JSESSIONID|jsessionid", "scolonpathdelim=On"],
     "/app/x;jsessionid=a.r2;lang=ja", None, "m2"),
])
def test_separator_and_scolonpathdelim(httpd, member_factory, settings, target, cookie, member):
    """stickysessionsep changes what precedes the route; scolonpathdelim ends a path
    parameter's value at the next ';'."""
    m1, m2 = member_factory("m1"), member_factory("m2")
    configure(httpd, [(m1, "route=r1"), (m2, "route=r2")], settings)
    assert served_by(httpd, target, 6, cookie) == [member] * 6


def test_route_after_next_parameter_needs_scolonpathdelim(httpd, member_factory):
    """Without scolonpathdelim the value runs on to "a.r2;lang=ja": route "r2;lang=ja"
    matches no member and the request is balanced (as in httpd)."""
    m1, m2 = member_factory("m1"), member_factory("m2")
    configure(httpd, [(m1, "route=r1"), (m2, "route=r2")], [STICKY])
    assert set(served_by(httpd, "/app/x;jsessionid=a.r2;lang=ja", 6)) == {"m1", "m2"}


# --- routecookie -----------------------------------------------------------------------------

ROUTE_CHANGED_HEADER = ("Header always set X-Route-Changed %{BALANCER_ROUTE_CHANGED}e "
                        "env=BALANCER_ROUTE_CHANGED")


def test_routecookie_sticks_and_is_reissued_after_failover(httpd, member_factory):
    """routecookie=ROUTEID: the first response sets ROUTEID=.rN for the member that answered;
    sent back, it pins the client there. When that member stops, the next request goes to
    the other member without a client error, the cookie is re-issued for it, and
    BALANCER_ROUTE_CHANGED is set for that one response."""
    members = {"m1": member_factory("m1"), "m2": member_factory("m2")}
    configure(httpd, [(members["m1"], "route=r1"), (members["m2"], "route=r2")],
              ["routecookie=ROUTEID"], extra=ROUTE_CHANGED_HEADER)
    first = get(httpd, "/app/page")
    assert first.status == 200
    home = who(first)
    other = "m2" if home == "m1" else "m1"
    assert first.header_all("Set-Cookie") == [f"ROUTEID=.r{home[1]}; Path=/; HttpOnly"]
    assert first.header("X-Route-Changed") is None

    for _ in range(20):
        r = get(httpd, "/app/page", f"ROUTEID=.r{home[1]}")
        assert (r.status, who(r)) == (200, home)
        assert r.header_all("Set-Cookie") == []  # the cookie is right: not sent again
        assert r.header("X-Route-Changed") is None

    members[home].stop()
    expect_member_down(httpd, members[home])
    moved = get(httpd, "/app/page", f"ROUTEID=.r{home[1]}")
    assert (moved.status, who(moved)) == (200, other)
    assert moved.header_all("Set-Cookie") == [f"ROUTEID=.r{other[1]}; Path=/; HttpOnly"]
    assert moved.header("X-Route-Changed") == "1"

    for _ in range(10):
        r = get(httpd, "/app/page", f"ROUTEID=.r{other[1]}")
        assert (r.status, who(r)) == (200, other)
        assert r.header_all("Set-Cookie") == []
        assert r.header("X-Route-Changed") is None


def test_routecookie_with_a_session_cookie_without_route(httpd, member_factory):
    """stickysession=JSESSIONID and routecookie=ROUTEID for an application whose JSESSIONID
    has no route suffix: the module's ROUTEID cookie carries the route and pins the
    client; it is not set again while it is right."""
    m1, m2 = member_factory("m1"), member_factory("m2")
    configure(httpd, [(m1, "route=r1"), (m2, "route=r2")], [STICKY, "routecookie=ROUTEID"])
    first = get(httpd, "/app/page", "JSESSIONID=plain")
    home = who(first)
    assert first.header_all("Set-Cookie") == [f"ROUTEID=.r{home[1]}; Path=/; HttpOnly"]
    for _ in range(10):
        r = get(httpd, "/app/page", f"JSESSIONID=plain; ROUTEID=.r{home[1]}")
        assert (r.status, who(r)) == (200, home)
        assert r.header_all("Set-Cookie") == []


# --- stickyforce, nofailover -----------------------------------------------------------------

@pytest.mark.parametrize("setting", [
    "stickyforce=On",
    "nofailover=On"])
def test_session_of_a_down_member_is_503(httpd, member_factory, setting):
    """With stickyforce or nofailover, a session whose member is down gets 503 (from the
    first request after the member went away), never another member; requests without a
    session and sessions of the other member are still served."""
    m1, m2 = member_factory("m1"), member_factory("m2")
    configure(httpd, [(m1, "route=r1"), (m2, "route=r2")], [STICKY, setting])
    assert served_by(httpd, "/app/page", 3, "JSESSIONID=a.r1") == ["m1"] * 3
    m1.stop()
    expect_member_down(httpd, m1)
    httpd.expect_log("CXB02012", "CXB02008")
    statuses = [(get(httpd, "/app/page", "JSESSIONID=a.r1").status) for _ in range(3)]
    assert statuses == [503, 503, 503]
    assert served_by(httpd, "/app/page", 4) == ["m2"] * 4
    assert served_by(httpd, "/app/page", 4, "JSESSIONID=b.r2") == ["m2"] * 4
    assert m2.requests_served(expect=8) == 8


def test_without_stickyforce_session_moves(httpd, member_factory):
    """The default: a session whose member is down is served by another member."""
    m1, m2 = member_factory("m1"), member_factory("m2")
    configure(httpd, [(m1, "route=r1"), (m2, "route=r2")], [STICKY])
    m1.stop()
    expect_member_down(httpd, m1)
    assert served_by(httpd, "/app/page", 5, "JSESSIONID=a.r1") == ["m2"] * 5


# --- draining and redirect -------------------------------------------------------------------

def test_draining_member_keeps_its_sessions_only(httpd, member_factory):
    """status=+N: no new sessions, but its own sticky sessions still reach it."""
    m1, m2 = member_factory("m1"), member_factory("m2")
    configure(httpd, [(m1, "route=r1 status=+N"), (m2, "route=r2")], [STICKY])
    assert served_by(httpd, "/app/page", 20) == ["m2"] * 20
    assert served_by(httpd, "/app/page", 10, "JSESSIONID=a.r1") == ["m1"] * 10
    assert served_by(httpd, "/app/x;jsessionid=a.r1", 5) == ["m1"] * 5


@pytest.mark.parametrize("how", [
    "status=+S",
    "process stopped"])
def test_redirect_sends_sessions_to_the_redirect_route(httpd, member_factory, how):
    """A member with redirect=r2 that is stopped: its sessions go to r2, not to whichever
    member the lbmethod would pick (r3 comes first in the file, so byrequests would pick it),
    from the first request after the member went away."""
    m1, m2, m3 = member_factory("m1"), member_factory("m2"), member_factory("m3")
    flags = " status=+S" if how == "status=+S" else ""
    configure(httpd, [(m1, "route=r1 redirect=r2" + flags), (m3, "route=r3"), (m2, "route=r2")],
              [STICKY])
    if how == "process stopped":
        assert served_by(httpd, "/app/page", 2, "JSESSIONID=a.r1") == ["m1"] * 2
        m1.stop()
        expect_member_down(httpd, m1)
    assert served_by(httpd, "/app/page", 10, "JSESSIONID=a.r1") == ["m2"] * 10
    assert set(served_by(httpd, "/app/page", 10)) == {"m2", "m3"}


# --- BALANCER_* variables --------------------------------------------------------------------

ENV_VARS = ("BALANCER_NAME", "BALANCER_WORKER_NAME", "BALANCER_WORKER_ROUTE",
            "BALANCER_SESSION_ROUTE", "BALANCER_ROUTE_CHANGED")


def test_balancer_variables_in_headers_and_access_log(httpd, member_factory):
    """The variables mod_proxy_balancer sets, usable in mod_headers and in a LogFormat."""
    m1, m2 = member_factory("m1"), member_factory("m2")
    log = httpd.root / "logs" / "balancer_log"
    fmt = " ".join(f"%{{{v}}}e" for v in ENV_VARS)
    extra = "\n".join(
        [f'Header always set X-{v.replace("_", "-")} "%{{{v}}}e" env={v}' for v in ENV_VARS]
        + [f'LogFormat "%U {fmt}" balancer', f'CustomLog "{log}" balancer'])
    configure(httpd, [(m1, "route=r1"), (m2, "route=r2")], [STICKY], extra=extra)

    def seen(r):
        return {v: r.header("X-" + v.replace("_", "-")) for v in ENV_VARS}

    r = get(httpd, "/app/one", "JSESSIONID=a.r1")
    assert who(r) == "m1"
    assert seen(r) == {"BALANCER_NAME": "cxxbalancer://web", "BALANCER_WORKER_NAME": m1.url,
                       "BALANCER_WORKER_ROUTE": "r1", "BALANCER_SESSION_ROUTE": "r1",
                       "BALANCER_ROUTE_CHANGED": None}
    r = get(httpd, "/app/two")
    assert seen(r) == {"BALANCER_NAME": "cxxbalancer://web",
                       "BALANCER_WORKER_NAME": {"m1": m1.url, "m2": m2.url}[who(r)],
                       "BALANCER_WORKER_ROUTE": {"m1": "r1", "m2": "r2"}[who(r)],
                       "BALANCER_SESSION_ROUTE": None, "BALANCER_ROUTE_CHANGED": None}
    m1.stop()
    expect_member_down(httpd, m1)
    r = get(httpd, "/app/three", "JSESSIONID=a.r1")
    assert who(r) == "m2"
    assert seen(r) == {"BALANCER_NAME": "cxxbalancer://web", "BALANCER_WORKER_NAME": m2.url,
                       "BALANCER_WORKER_ROUTE": "r2", "BALANCER_SESSION_ROUTE": "r1",
                       "BALANCER_ROUTE_CHANGED": "1"}

    # mod_log_config writes after the response is sent: wait for the last line
    env.wait_until(lambda: log.exists() and "/app/three " in log.read_text(), 5,
                   what="the access log line of /app/three")
    lines = [l for l in log.read_text().splitlines() if l.startswith("/")]
    by_path = {l.split(" ", 1)[0]: l.split(" ")[1:] for l in lines}
    assert by_path["/app/one"] == ["cxxbalancer://web", m1.url, "r1", "r1", "-"]
    assert by_path["/app/two"][2] in ("r1", "r2") and by_path["/app/two"][3:] == ["-", "-"]
    assert by_path["/app/three"] == ["cxxbalancer://web", m2.url, "r2", "r1", "1"]


# --- route mismatch warning ------------------------------------------------------------------

def mismatch_setup(httpd, member_factory):
    """jvm1's application uses jvmRoute jvm2 (the seed 002 mistake); jvm3 is set up right."""
    bad = member_factory("bad", login_location("bad", "S.jvm2"))
    good = member_factory("good", login_location("good", "S.jvm3"))
    configure(httpd, [(bad, "route=jvm1"), (good, "route=jvm3")], [STICKY])
    httpd.expect_log("CXB02301")
    return bad, good


def assert_one_mismatch_warning(httpd, bad):
    lines = httpd.log_lines_with("CXB02301")
    assert len(lines) == 1, "\n".join(httpd.error_log_lines())
    assert "[cxxbalancer:warn]" in lines[0]
    assert bad.url in lines[0]
    assert re.search(r"\bjvm1\b", lines[0]) and re.search(r"\bjvm2\b", lines[0]), lines[0]
    assert "jvm3" not in lines[0]


def test_route_mismatch_warned_once_for_new_sessions(httpd, member_factory):
    """New sessions (no cookie yet), as a Tomcat with the wrong jvmRoute creates them: after
    a few responses, exactly one warning naming the member, its route and the route its
    sessions carry; nothing about the member that is set up right."""
    bad, _ = mismatch_setup(httpd, member_factory)
    for _ in range(12):
        assert get(httpd, "/app/login").status == 200
    assert_one_mismatch_warning(httpd, bad)


def test_route_mismatch_warned_once_for_returning_sessions(httpd, member_factory):
    """Browsers that send the wrong-route cookie back: their requests are balanced (no
    member has jvm2), and the warning comes once however many responses follow."""
    bad, _ = mismatch_setup(httpd, member_factory)
    for _ in range(20):
        assert get(httpd, "/app/login", "JSESSIONID=S.jvm2").status == 200
    assert_one_mismatch_warning(httpd, bad)


# --- conf-examples/sticky-route-cookie.conf --------------------------------------------------

def test_example_sticky_route_cookie(httpd, member_factory):
    """The example as written: ROUTEID for the two active members only (a3 drains), a3's
    sessions still reach it, and the example's log names member and session routes."""
    m = [member_factory(f"m{i}") for i in (1, 2, 3)]
    text = env.substitute((env.CONF_EXAMPLES / "sticky-route-cookie.conf").read_text(),
                          {f"BACKEND{i + 1}": f"127.0.0.1:{b.port}" for i, b in enumerate(m)})
    conf = httpd.root / "conf" / "example.conf"
    conf.write_text(text)
    httpd.write_config(f'Include "{conf}"\n')
    httpd.start()
    issued = set()
    for _ in range(6):
        r = get(httpd, "/app/page")
        assert r.status == 200
        issued.update(r.header_all("Set-Cookie"))
    assert issued == {"ROUTEID=.a1; Path=/; HttpOnly", "ROUTEID=.a2; Path=/; HttpOnly"}
    assert served_by(httpd, "/app/cart", 5, "ROUTEID=.a3") == ["m3"] * 5
    log = httpd.root / "logs" / "balancer.log"
    env.wait_until(lambda: log.exists() and log.read_text().count("GET /app/cart") == 5, 5,
                   what="five /app/cart lines in the example's balancer.log")
    cart = [l for l in log.read_text().splitlines() if "GET /app/cart" in l]
    assert len(cart) == 5
    assert all(l.endswith("member=a3 session=a3 changed=-") for l in cart), cart
