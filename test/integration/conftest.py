"""Fixtures of the integration suite (see env.py for the classes they hand out).

Environment (ctest sets the first four):
  CXXB_MODULE      path of the built mod_cxxbalancer.so
                   (default: build/mod_cxxbalancer/mod_cxxbalancer.so of this checkout)
  CXXB_BUILD_DIR   the CMake build directory
  CXXB_PROBE       path of the built cxxbalancer-probe (default: its place in CXXB_BUILD_DIR)
  CXXB_SOURCE_DIR  the source checkout
  CXXB_MPM         event (default), worker or prefork: the MPM of every httpd started
  CXXB_SIDES       comma list of "cxxb" and "stock": which front ends the comparative
                   tests run against (default both)
  CXXB_INTEG_RUN_DIR  where server roots go. Default: $CXXB_BUILD_DIR/integration-run
                   (replaced by the next run) when www-data can reach it, else a fresh
                   /tmp/cxxb-integ-* that is removed unless a test failed

Every process a fixture starts is stopped in its finalizer, also when the test failed.
After a test passed, every httpd it started must have an error log without unexpected
[warn]..[emerg] lines (Httpd.check_error_log); the test declares what it expects with
httpd.expect_log("CXB01234", ...).
"""

import os
import re
import tempfile
import time
from pathlib import Path

import pytest

import env

SIDES = [s.strip() for s in os.environ.get("CXXB_SIDES", "cxxb,stock").split(",") if s.strip()]


def pytest_report_header(config):
    return [f"cxxbalancer module: {env.module_path()}",
            f"MPM: {os.environ.get('CXXB_MPM', 'event')}, sides: {','.join(SIDES)}"]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


# --- session-wide ------------------------------------------------------------------------

@pytest.fixture(scope="session")
def run_root(request):
    """Parent of every server root. World-traversable: httpd children run as www-data."""
    base = os.environ.get("CXXB_INTEG_RUN_DIR")
    if not base and "CXXB_BUILD_DIR" in os.environ:
        candidate = env.BUILD_DIR / "integration-run"
        if _traversable_by_others(env.BUILD_DIR):
            base = str(candidate)
    if base:
        # A fixed place (one per build tree): the previous run's roots are replaced.
        root = Path(base)
        env.rm_tree(root)
        root.mkdir(parents=True)
        keep = True
    else:
        root = Path(tempfile.mkdtemp(prefix="cxxb-integ-"))
        keep = False
    root.chmod(0o755)
    yield root
    if request.session.testsfailed == 0 and not keep:
        env.rm_tree(root)
    else:
        print(f"\nserver roots kept in {root}")


def _traversable_by_others(path):
    """True when every directory up to / lets others in (httpd children are www-data)."""
    p = Path(path).resolve()
    for d in [p, *p.parents]:
        try:
            if not d.stat().st_mode & 0o001:
                return False
        except OSError:
            return False
    return True


@pytest.fixture(scope="session")
def cxxb_module():
    """The built module. Missing is a failure, never a skip: a green suite must mean the
    module was tested."""
    path = env.module_path()
    if not path.is_file():
        pytest.fail(f"mod_cxxbalancer.so not found at {path} "
                    f"(CXXB_MODULE={os.environ.get('CXXB_MODULE', '<unset>')}); build it with "
                    "`cmake --build build --target mod_cxxbalancer` or run through ctest",
                    pytrace=False)
    return path


@pytest.fixture(scope="session")
def static_dir(run_root):
    """Files nginx members serve under /static/: deterministic content of known sha256."""
    d = run_root / "static"
    d.mkdir(exist_ok=True)
    for name, size in (("10m.bin", 10 * 1024 * 1024), ("1k.bin", 1024), ("empty.bin", 0)):
        with open(d / name, "wb") as f:
            done = 0
            while done < size:
                k = min(1 << 20, size - done)
                f.write(env.pattern_bytes(k, done))
                done += k
    env.make_world_readable(d)
    return d


# --- per test ------------------------------------------------------------------------------

@pytest.fixture
def test_dir(request, run_root):
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid.split("::", 1)[-1])[:120]
    d = run_root / f"{Path(request.node.fspath).stem}__{name}"
    env.rm_tree(d)
    d.mkdir(parents=True)
    d.chmod(0o755)
    return d


@pytest.fixture
def httpd_factory(request, test_dir):
    """make(name="httpd", **Httpd kwargs) -> Httpd; all are stopped at the end, and the
    error logs of a passed test are checked."""
    made = []

    def make(name="httpd", **kw):
        kw.setdefault("mpm", os.environ.get("CXXB_MPM", "event"))
        if kw.get("cxxb", True):
            request.getfixturevalue("cxxb_module")
        h = env.Httpd(test_dir / name, **kw)
        made.append(h)
        return h

    yield make
    errors = []
    for h in made:
        try:
            h.stop()
        except Exception as e:  # keep stopping the others
            errors.append(f"stopping {h.root}: {e}")
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.passed:
        for h in made:
            bad = h.unexpected_log_lines()
            if bad:
                errors.append(f"unexpected lines in {h.error_log}:\n" + "\n".join(bad))
    if errors:
        pytest.fail("\n".join(errors), pytrace=False)


@pytest.fixture
def httpd(httpd_factory):
    """An httpd with mod_cxxbalancer loaded (not started, no test configuration yet)."""
    return httpd_factory()


ONE_CHILD = {
    "event": "StartServers 1\nServerLimit 1\nThreadsPerChild 16\nThreadLimit 16\n"
             "MinSpareThreads 1\nMaxSpareThreads 32\nMaxRequestWorkers 16",
    "prefork": "StartServers 1\nMinSpareServers 1\nMaxSpareServers 1\nServerLimit 1\n"
               "MaxRequestWorkers 1",
}
ONE_CHILD["worker"] = ONE_CHILD["event"]


@pytest.fixture
def httpd_one_child(httpd_factory):
    """An httpd with a single child (MPM from CXXB_MPM, event by default), for tests that
    count what one process saw, e.g. which connection a client's requests used."""
    mpm = os.environ.get("CXXB_MPM", "event")
    h = httpd_factory(mpm_conf=ONE_CHILD[mpm])
    if mpm == "prefork":
        h.expect_log("AH00161")  # one process, busy for a second: "reached MaxRequestWorkers"
    yield h
    # A client has its response before the worker that sent it has put the connection
    # back into keep-alive; stopping httpd in between makes the event MPM log AH03093
    # (apr_pollset_add: EBADF, its pollset is gone) on a loaded machine. Let it finish.
    time.sleep(0.2)


@pytest.fixture
def nginx_factory(test_dir, static_dir):
    """make(name, cls=env.Nginx, **options) -> started nginx (cls: env.Nginx or a subclass)."""
    made = []

    def make(name, cls=env.Nginx, **kw):
        n = cls(test_dir / f"nginx-{name}", name, static_dir, **kw)
        made.append(n)
        return n.start()

    yield make
    for n in made:
        n.stop()


@pytest.fixture
def nginx_members(nginx_factory):
    """Two started nginx members, m1 and m2."""
    return [nginx_factory("m1"), nginx_factory("m2")]


@pytest.fixture
def misbehave_factory(test_dir):
    """make(name, **options) -> started Misbehave backend."""
    made = []

    def make(name="mb", **kw):
        m = env.Misbehave(test_dir / "misbehave", name, **kw)
        made.append(m)
        return m.start()

    yield make
    for m in made:
        m.stop()


@pytest.fixture
def misbehave(misbehave_factory):
    return misbehave_factory("mb")


# --- the two front ends of the comparative tests ------------------------------------------

class Front:
    """Writes the same balancer for either front end:
    side "cxxb":  <CxxBalancer NAME> + ProxyPass PATH cxxbalancer://NAME/
    side "stock": <Proxy balancer://NAME> + ProxyPass PATH balancer://NAME/ (mod_proxy_http,
                  mod_proxy_balancer, mod_slotmem_shm, mod_lbmethod_byrequests)."""

    def __init__(self, side, httpd):
        self.side = side
        self.httpd = httpd

    @property
    def scheme(self):
        return "cxxbalancer" if self.side == "cxxb" else "balancer"

    def balancer(self, name, members, settings=()):
        if self.side == "cxxb":
            return env.cxxb_balancer(name, members, settings)
        return env.stock_balancer(name, members, settings)

    def target(self, name, path="/"):
        return f"{self.scheme}://{name}{path}"

    def configure(self, members, settings=(), *, path="/app/", name="web", extra="",
                  reverse=True, start=True):
        """One balancer mapped at `path`. `members` are (url, params) pairs."""
        body = [self.balancer(name, members, settings), f"ProxyPass {path} {self.target(name)}"]
        if reverse:
            body.append(f"ProxyPassReverse {path} {self.target(name)}")
        body.append(extra)
        self.httpd.write_config("\n".join(body))
        if start:
            self.httpd.start()
        return self.httpd


@pytest.fixture(params=SIDES)
def side(request):
    return request.param


@pytest.fixture
def front(side, httpd_factory):
    """A not yet started httpd for `side`, wrapped in a Front."""
    if side == "cxxb":
        h = httpd_factory()
    else:
        h = httpd_factory(cxxb=False, stock_balancer=True)
        # Seen once with stock modules only (no module of ours loaded), after a 10 MB
        # download when the client closed: "(9)Bad file descriptor: AH03093: process_socket:
        # apr_pollset_add failure for keep alive". httpd's own; on the cxxb side it would
        # still fail the test.
        h.expect_log("AH03093")
    return Front(side, h)
