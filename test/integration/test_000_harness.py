"""The harness itself, against things that exist without our module: stock
mod_proxy_balancer, nginx and the misbehaving backend. If these fail, the other results
mean nothing."""

import collections

import pytest
import requests

import env


def test_misbehave_directly(misbehave):
    r = requests.get(f"{misbehave.url}/echo/a?b=c", timeout=5)
    assert r.status_code == 200 and r.headers["X-Backend"] == "mb"
    assert r.json()["target"] == "/echo/a?b=c"
    r = requests.get(f"{misbehave.url}/download?n=1000&te=chunked", timeout=5)
    assert r.content == env.pattern_bytes(1000)
    assert misbehave.stats()["requests"] == 2


def test_nginx_directly(nginx_factory):
    n = nginx_factory("n1")
    assert requests.get(f"{n.url}/id", timeout=5).text == "n1"
    r = requests.get(f"{n.url}/static/1k.bin", timeout=5)
    assert r.content == env.pattern_bytes(1024)
    assert n.requests_served(expect=2) == 2


@pytest.mark.parametrize("mpm", env.Httpd.MPMS)
def test_stock_balancer_each_mpm(httpd_factory, nginx_members, mpm):
    h = httpd_factory(cxxb=False, stock_balancer=True, mpm=mpm)
    m1, m2 = nginx_members
    h.write_config(env.stock_balancer("web", [(m1.url, "loadfactor=1"), (m2.url, "loadfactor=2")])
                   + "\nProxyPass /app/ balancer://web/\n")
    h.start()
    with requests.Session() as s:
        got = collections.Counter(s.get(h.url("/app/id"), timeout=5).text for _ in range(30))
    assert got == {"m1": 10, "m2": 20}
    h.graceful()
    assert requests.get(h.url("/app/id"), timeout=5).status_code == 200
    h.stop()
    assert not h.running
    assert not env.port_open(h.port)


def test_config_failure_is_reported(httpd_factory):
    h = httpd_factory(cxxb=False, stock_balancer=True)
    h.write_config("<Proxy balancer://web>\n    BalancerMember http://127.0.0.1:1 loadfactor=500\n"
                   "</Proxy>\n")
    rc, out = h.test_config()
    assert rc != 0
    line = h.config_line_of("loadfactor=500")
    assert f"AH00526: Syntax error on line {line} of {h.conf_file}:" in out.splitlines()
    with pytest.raises(env.StartError):
        h.start()


def test_error_log_check(httpd_factory):
    h = httpd_factory(cxxb=False)
    h.write_config()
    h.start()
    h.stop()
    assert h.unexpected_log_lines() == []
    with open(h.error_log, "a") as f:
        f.write("[Mon Jan 01 00:00:00.000000 2026] [proxy:error] [pid 1:tid 1] AH00957: refused\n"
                "[Mon Jan 01 00:00:00.000000 2026] [cxxbalancer:warn] [pid 1:tid 1] CXB01234: x\n"
                "[Mon Jan 01 00:00:00.000000 2026] [core:notice] [pid 1:tid 1] AH00052: child "
                "pid 7 exit signal Segmentation fault (11)\n")
    assert len(h.unexpected_log_lines()) == 3
    assert len(h.unexpected_log_lines(["AH00957", "CXB01234"])) == 1  # a crash is never ok
    h.expect_log("AH00957", r"CXB01234: x$")
    assert len(h.unexpected_log_lines()) == 1
    h.error_log.write_text("")  # leave a clean log for the fixture's own check
