"""The project's own balancing method, p2c, against mod_proxy's when members differ in speed:
one member answers in 5 ms, the other ten times slower. byrequests splits requests evenly
and so sends half of them to the slow member; p2c weighs requests in flight by each
member's measured latency and sends most of them to the fast one (issue 3, item 3)."""

import concurrent.futures
import statistics
import time

import pytest
import requests

import env

REQUESTS = 240
CLIENTS = 8


def run_load(url):
    """Latencies (s) of REQUESTS GETs from CLIENTS concurrent keep-alive clients, and which
    member answered each."""
    def client(n):
        out = []
        with requests.Session() as s:
            for _ in range(n):
                t0 = time.monotonic()
                r = s.get(url, timeout=10)
                out.append((time.monotonic() - t0, r.status_code, r.text))
        return out

    with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
        parts = pool.map(client, [REQUESTS // CLIENTS] * CLIENTS)
    return [x for part in parts for x in part]


def test_p2c_beats_byrequests_with_a_ten_times_slower_member(httpd_factory, misbehave_factory):
    fast = misbehave_factory("fast", service_ms=5)
    slow = misbehave_factory("slow", service_ms=50)
    results = {}
    for method in ("byrequests", "bybusyness", "p2c"):
        h = httpd_factory()
        h.write_config(env.cxxb_balancer("web", [(fast.url, ""), (slow.url, "")],
                                         [f"lbmethod={method}"])
                       + "\nProxyPass /app/ cxxbalancer://web/\n")
        h.start()
        run_load(h.url("/app/id"))  # warm up: pools, and p2c's latency averages
        samples = run_load(h.url("/app/id"))
        h.stop()
        assert all(status == 200 for _, status, _ in samples)
        latencies = [t for t, _, _ in samples]
        slow_share = sum(1 for _, _, who in samples if who == "slow") / len(samples)
        results[method] = (statistics.mean(latencies), slow_share)
    print("\nmean latency (ms) and share sent to the slow member:")
    for method, (mean, share) in results.items():
        print(f"  {method:<11} {mean * 1000:7.1f} ms  {share:5.1%}")
    byrequests, _ = results["byrequests"]
    p2c, p2c_slow_share = results["p2c"]
    assert results["byrequests"][1] == pytest.approx(0.5, abs=0.05)
    assert p2c_slow_share < 0.2
    assert p2c < 0.6 * byrequests, results
    assert p2c < results["bybusyness"][0], results
