"""Failover of requests with a body (issue 3, item 5): a body is sent again to another
member only when the method is idempotent and the body was kept whole (up to 64 KiB); a
non-idempotent request is never sent twice once a member may have processed it.

Member "a" reads every request and closes without answering; it has `status=+I` so it is
never put in error and is always tried first (lbset 0); member "b" (lbset 1) answers with
the sha256 of the body it received."""

import hashlib

import requests

import env


def start_pair(httpd, misbehave_factory):
    a, b = misbehave_factory("a"), misbehave_factory("b")
    httpd.write_config(env.cxxb_balancer("web", [(a.url + "/fault/close", "status=+I lbset=0"),
                                                  (b.url, "lbset=1")])
                       + "\nProxyPass /app/ cxxbalancer://web/\n")
    httpd.expect_log("CXB02004", "CXB02008")
    httpd.start()
    return a, b


def test_small_put_is_replayed_to_the_next_member(httpd, misbehave_factory):
    a, b = start_pair(httpd, misbehave_factory)
    body = bytes(range(256)) * 40  # 10 KiB
    r = requests.put(httpd.url("/app/upload"), data=body, timeout=10)
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "b"
    assert r.json()["sha256"] == hashlib.sha256(body).hexdigest()
    assert r.json()["length"] == len(body)


def test_large_put_is_not_replayed(httpd, misbehave_factory):
    a, b = start_pair(httpd, misbehave_factory)
    body = b"x" * (200 * 1024)  # more than is kept for a replay
    r = requests.put(httpd.url("/app/upload"), data=body, timeout=10)
    assert r.status_code == 502
    assert b.stats()["requests"] == 0


def test_post_is_never_sent_twice(httpd, misbehave_factory):
    a, b = start_pair(httpd, misbehave_factory)
    r = requests.post(httpd.url("/app/upload"), data=b"order=1", timeout=10)
    assert r.status_code == 502
    assert b.stats()["requests"] == 0
    # without a body, an idempotent request still fails over at once
    r = requests.get(httpd.url("/app/id"), timeout=10)
    assert (r.status_code, r.text) == (200, "b")
