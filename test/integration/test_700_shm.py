"""Shared memory: what one child learns about a member, every child knows at once, and it
survives a graceful restart. Read through the read-only manager (`?format=json`).

Every test runs under each MPM (prefork with 8 children, worker, event), whatever CXXB_MPM
says: the point is the cross-process behaviour.
"""

import json
import re
import shutil
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

import env

MPMS = ["prefork", "worker", "event"]

# Eight children from the start and never fewer: a member failure must be learnt once for
# all of them, not once per child.
PREFORK_8 = ("StartServers 8\nMinSpareServers 8\nMaxSpareServers 32\n"
             "MaxRequestWorkers 48\nServerLimit 48")

MANAGER = """<Location /balancer-manager>
    SetHandler cxxbalancer-manager
    Require ip 127.0.0.1
</Location>"""


def make_httpd(httpd_factory, mpm):
    if mpm == "prefork":
        return httpd_factory(mpm=mpm, mpm_conf=PREFORK_8)
    return httpd_factory(mpm=mpm)


def configure(httpd, members, settings=()):
    body = [env.cxxb_balancer("web", members, settings),
            "ProxyPass /app/ cxxbalancer://web/",
            MANAGER]
    httpd.write_config("\n".join(body))


def manager_json(httpd):
    r = requests.get(httpd.url("/balancer-manager?format=json"), timeout=10)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    return r.json()


def member_of(doc, url, balancer="web"):
    for b in doc["balancers"]:
        if b["name"] == balancer:
            for m in b["members"]:
                if m["name"] == url:
                    return m
    raise KeyError(url)


def fire(url, count, threads=8):
    """`count` GETs, each on a new connection (so they spread over the children), from
    `threads` threads. Returns the list of statuses, or exception class names."""
    def one(_):
        try:
            r = requests.get(url, timeout=15, headers={"Connection": "close"})
            return r.status_code
        except requests.RequestException as e:
            return type(e).__name__
    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(one, range(count)))


def member_url(nginx):
    return f"http://127.0.0.1:{nginx.port}"


# --- the manager's JSON -------------------------------------------------------------------

def test_manager_json_shape(httpd_factory, nginx_members):
    """The documented shape (manager/render_json.h), counters that move with requests, and a
    read-only handler."""
    m1, m2 = nginx_members
    httpd = httpd_factory(mpm="event")
    configure(httpd, [(m1.url, "route=r1 loadfactor=2"), (m2.url, "lbset=1 status=+H")],
              ["growth=3"])
    httpd.start()
    for _ in range(6):
        assert requests.get(httpd.url("/app/id"), timeout=10).text == "m1"
    doc = manager_json(httpd)
    assert set(doc) == {"version", "generation", "now", "started", "balancers"}
    assert doc["generation"] == 1
    assert doc["started"] <= doc["now"]
    (web,) = doc["balancers"]
    assert (web["name"], web["lbmethod"], web["capacity"]) == ("web", "byrequests", 5)
    a = member_of(doc, member_url(m1))
    b = member_of(doc, member_url(m2))
    assert set(a) == {"name", "route", "redirect", "lbset", "loadfactor", "status",
                      "runtimeStatus", "inError", "errorSince", "retryIn", "health",
                      "requests", "failures", "bytesSent", "bytesReceived", "busy",
                      "latencyUs"}
    assert set(a["health"]) == {"status", "lastCheck", "lastStatus", "passes", "fails"}
    assert (a["route"], a["loadfactor"], a["lbset"], a["status"]) == ("r1", 2, 0, "")
    assert (b["lbset"], b["status"], b["runtimeStatus"]) == (1, "H", "")
    assert a["requests"] == 6 and b["requests"] == 0
    assert a["bytesSent"] > 0 and a["bytesReceived"] > 0
    assert a["busy"] == 0 and a["failures"] == 0 and not a["inError"]
    assert a["latencyUs"] > 0
    assert a["health"]["status"] == "unknown"

    html = requests.get(httpd.url("/balancer-manager"), timeout=10)
    assert html.status_code == 200
    assert html.headers["Content-Type"].startswith("text/html")
    assert member_url(m1) in html.text
    assert requests.post(httpd.url("/balancer-manager"), timeout=10).status_code == 405
    assert requests.get(httpd.url("/balancer-manager?format=xml"),
                        timeout=10).status_code == 400


# --- one child learns, every child knows ----------------------------------------------------

@pytest.mark.parametrize("mpm", MPMS)
def test_stopped_member_shunned_by_every_child(httpd_factory, nginx_factory, mpm):
    """A member stops: after at most a handful of failures the whole server stops sending
    to it, and no GET fails on the way."""
    m1, m2 = nginx_factory("m1"), nginx_factory("m2")
    httpd = make_httpd(httpd_factory, mpm)
    configure(httpd, [(m1.url, ""), (m2.url, "")])
    httpd.start()
    httpd.expect_log(rf"127\.0\.0\.1:{m1.port}\b")
    # Every child gets pooled connections to both members.
    warm = fire(httpd.url("/app/id"), 64)
    assert warm.count(200) == 64, warm

    m1.stop()
    statuses = fire(httpd.url("/app/id"), 200)
    assert statuses.count(200) == 200, {s: statuses.count(s) for s in set(statuses)}

    failures = httpd.log_lines_with(rf"CXB0200[14]: member http://127\.0\.0\.1:{m1.port}\b")
    assert 1 <= len(failures) <= 3, "\n".join(httpd.error_log_lines()[-20:])
    doc = manager_json(httpd)
    dead = member_of(doc, member_url(m1))
    assert dead["inError"] and "E" in dead["status"] and "E" in dead["runtimeStatus"]
    assert dead["failures"] <= 3
    assert dead["errorSince"] > 0 and dead["retryIn"] > 0

    # No child sends it anything any more: its request count stands still.
    statuses = fire(httpd.url("/app/id"), 100)
    assert statuses.count(200) == 100
    assert member_of(manager_json(httpd), member_url(m1))["requests"] == dead["requests"]
    assert member_of(manager_json(httpd), member_url(m2))["busy"] == 0


# --- graceful restarts ----------------------------------------------------------------------

class StatusLoop:
    """Keeps sending GETs from a few threads until stopped; counts statuses."""

    def __init__(self, url, threads=3):
        self.url = url
        self.counts = {}
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.threads = [threading.Thread(target=self.run, daemon=True) for _ in range(threads)]

    def run(self):
        with requests.Session() as s:
            while not self.done.is_set():
                try:
                    key = s.get(self.url, timeout=15).status_code
                except requests.RequestException as e:
                    key = type(e).__name__
                with self.lock:
                    self.counts[key] = self.counts.get(key, 0) + 1

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.done.set()
        for t in self.threads:
            t.join(30)


def parse_wrk(out):
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    total = re.search(r"(\d+) requests in", out)
    return (int(non2xx.group(1)) if non2xx else 0), (int(total.group(1)) if total else 0)


@pytest.mark.parametrize("mpm", MPMS)
def test_graceful_restart_under_load_keeps_state(httpd_factory, nginx_factory, mpm):
    """Two graceful restarts under wrk load: no 5xx; counters kept; a member put in error at
    run time is still in error afterwards (its retry timer too), so it gets nothing even
    though it is back up."""
    m1, m2, m3 = nginx_factory("m1"), nginx_factory("m2"), nginx_factory("m3")
    httpd = make_httpd(httpd_factory, mpm)
    configure(httpd, [(m1.url, ""), (m2.url, ""), (m3.url, "retry=300")])
    httpd.start()
    httpd.expect_log(rf"127\.0\.0\.1:{m3.port}\b")

    assert fire(httpd.url("/app/id"), 30).count(200) == 30
    # m3 fails once (at run time), then comes back; it stays in error for `retry`.
    m3.stop()
    assert fire(httpd.url("/app/id"), 12).count(200) == 12
    m3.start()
    served_by_m3 = m3.requests_served()
    before = manager_json(httpd)
    e3 = member_of(before, member_url(m3))
    assert e3["inError"] and e3["runtimeStatus"] == "E", e3

    wrk = shutil.which("wrk")
    proc = None
    if wrk:
        proc = subprocess.Popen([wrk, "-t2", "-c8", "-d8s", httpd.url("/app/id")],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    with StatusLoop(httpd.url("/app/id")) as loop:
        time.sleep(1.5)
        httpd.graceful()
        time.sleep(1.5)
        httpd.graceful()
        time.sleep(1.5)
    out = proc.communicate(timeout=60)[0] if proc else ""

    five_xx = {k: v for k, v in loop.counts.items() if isinstance(k, int) and k >= 500}
    assert not five_xx, loop.counts
    assert loop.counts.get(200, 0) > 50, loop.counts
    if proc:
        non2xx, total = parse_wrk(out)
        assert non2xx == 0, out
        assert total > 100, out

    after = manager_json(httpd)
    assert after["generation"] == before["generation"] + 2
    assert after["started"] == before["started"]
    for m in (m1, m2):
        assert (member_of(after, member_url(m))["requests"]
                >= member_of(before, member_url(m))["requests"])
    a3 = member_of(after, member_url(m3))
    assert a3["inError"] and a3["runtimeStatus"] == "E", a3
    assert a3["errorSince"] == e3["errorSince"]
    assert a3["failures"] == e3["failures"]
    assert m3.requests_served() == served_by_m3, "m3 got traffic while in error"

    # A quiet restart: counters carried over exactly.
    quiet = manager_json(httpd)
    httpd.graceful()
    again = manager_json(httpd)
    for m in (m1, m2, m3):
        q, a = member_of(quiet, member_url(m)), member_of(again, member_url(m))
        for key in ("requests", "failures", "bytesSent", "bytesReceived", "latencyUs",
                    "status", "errorSince"):
            assert a[key] == q[key], (m.name, key, q, a)
    assert again["generation"] == quiet["generation"] + 1


@pytest.mark.parametrize("mpm", ["event"])
def test_full_restart_begins_clean(httpd_factory, nginx_members, mpm):
    """Stop and start: a new segment, counters from zero."""
    m1, m2 = nginx_members
    httpd = make_httpd(httpd_factory, mpm)
    configure(httpd, [(m1.url, ""), (m2.url, "")])
    httpd.start()
    assert fire(httpd.url("/app/id"), 10).count(200) == 10
    doc = manager_json(httpd)
    assert sum(member_of(doc, member_url(m))["requests"] for m in (m1, m2)) == 10
    httpd.stop()
    httpd.start()
    doc = manager_json(httpd)
    assert doc["generation"] == 1
    assert member_of(doc, member_url(m1))["requests"] == 0


@pytest.mark.parametrize("mpm", ["event"])
def test_graceful_restart_follows_the_file(httpd_factory, nginx_factory, mpm):
    """Members added, removed and re-weighted in the file: the file wins; a kept member keeps
    its counters."""
    m1, m2, m3 = nginx_factory("m1"), nginx_factory("m2"), nginx_factory("m3")
    httpd = httpd_factory(mpm=mpm, log_level="info")
    configure(httpd, [(m1.url, "loadfactor=1"), (m2.url, "")])
    httpd.start()
    assert fire(httpd.url("/app/id"), 10).count(200) == 10
    kept = member_of(manager_json(httpd), member_url(m1))["requests"]

    configure(httpd, [(m1.url, "loadfactor=4"), (m3.url, "")])
    httpd.graceful()
    doc = manager_json(httpd)
    names = [m["name"] for m in doc["balancers"][0]["members"]]
    assert names == [member_url(m1), member_url(m3)]
    a = member_of(doc, member_url(m1))
    assert (a["requests"], a["loadfactor"]) == (kept, 4)
    assert member_of(doc, member_url(m3))["requests"] == 0
    assert httpd.log_lines_with(r"CXB00701: shared memory generation 2: .* "
                                r"1 member\(s\) kept, 1 new, 1 dropped")


def test_mutex_directive_names_our_lock(httpd_factory, nginx_members):
    """`Mutex MECH cxxbalancer-shm` is accepted (the type is registered in pre_config)."""
    m1, m2 = nginx_members
    httpd = httpd_factory(mpm="event")
    configure(httpd, [(m1.url, ""), (m2.url, "")])
    httpd.write_config(httpd.body + f"\nMutex fcntl:{httpd.root / 'lock'} cxxbalancer-shm\n")
    rc, out = httpd.test_config()
    assert rc == 0, out
    httpd.start()
    assert requests.get(httpd.url("/app/id"), timeout=10).status_code == 200
    assert json.loads(requests.get(httpd.url("/balancer-manager?format=json"),
                                   timeout=10).text)["generation"] == 1


def test_member_too_long_for_shared_memory_refused_at_config_test(httpd_factory):
    """A member URL that cannot fit its shared-memory record is refused by `apache2 -t`,
    not at start."""
    httpd = httpd_factory(mpm="event")
    long_path = "/" + "p" * 600
    configure(httpd, [(f"http://127.0.0.1:8080{long_path}", "")])
    rc, out = httpd.test_config()
    assert rc != 0, out
    assert re.search(r"CXB00706: member http://127\.0\.0\.1:8080/p+\.\.\. of balancer web: "
                     r"the URL has \d+ characters; at most 511 fit shared memory", out), out
