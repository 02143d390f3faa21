"""cxxbalancer-probe, the `RewriteMap prg:` program of seed 000: alone on its pipes against
real members (answers, cache, timeouts, bad input, exit), then as the prg: map of a real
apache2 doing seed 000's image failover.
"""

import os
import selectors
import socket
import subprocess
import time

import pytest
import requests

import env


@pytest.fixture(scope="module")
def probe_binary():
    path = env.probe_path()
    if not path.is_file():
        pytest.fail(f"cxxbalancer-probe not found at {path}; build it with "
                    "`cmake --build build --target cxxbalancer-probe`", pytrace=False)
    return path


class Probe:
    """The program on a pair of pipes, as mod_rewrite runs it."""

    def __init__(self, binary, *args):
        self.proc = subprocess.Popen([str(binary), *args], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     bufsize=0)
        self.pending = b""

    def send(self, data):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def read_line(self, timeout=10.0):
        """One answer line, waiting at most `timeout` seconds for it."""
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as sel:
            sel.register(self.proc.stdout, selectors.EVENT_READ)
            while b"\n" not in self.pending:
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(left):
                    raise TimeoutError(f"no answer within {timeout}s")
                chunk = os.read(self.proc.stdout.fileno(), 4096)
                if not chunk:
                    raise EOFError("the probe closed its stdout")
                self.pending += chunk
        line, self.pending = self.pending.split(b"\n", 1)
        return line.decode()

    def ask(self, key, timeout=10.0):
        """(answer, seconds it took)."""
        started = time.monotonic()
        self.send(key.encode() + b"\n" if isinstance(key, str) else key + b"\n")
        answer = self.read_line(timeout)
        return answer, time.monotonic() - started

    def answer(self, key, timeout=10.0):
        return self.ask(key, timeout)[0]

    def close(self, timeout=5.0):
        """Closes stdin; returns the exit status."""
        self.proc.stdin.close()
        return self.proc.wait(timeout)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
        for f in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if f and not f.closed:
                f.close()


@pytest.fixture
def probe_factory(probe_binary):
    made = []

    def make(*args):
        p = Probe(probe_binary, *args)
        made.append(p)
        return p

    yield make
    for p in made:
        p.stop()


def head_requests(nginx, path):
    return [e for e in nginx.log_entries() if e["request"].startswith(f"HEAD {path} ")]


# --- the program alone -----------------------------------------------------------------------

def test_up_while_member_answers_down_once_it_stops(probe_factory, nginx_factory):
    b = nginx_factory("b")
    probe = probe_factory("--cache", "0")
    assert probe.answer(f"127.0.0.1:{b.port}:/health") == "UP"
    assert probe.answer(f"127.0.0.1:{b.port}") == "UP"  # no path: TCP connect only
    # HTTP/1.1 HEAD for the path, as the help says.
    b.requests_served(expect=1)
    assert [e["request"] for e in b.log_entries()] == ["HEAD /health HTTP/1.1"]
    b.stop()
    assert probe.answer(f"127.0.0.1:{b.port}:/health") == "DOWN"
    assert probe.answer(f"127.0.0.1:{b.port}") == "DOWN"
    assert probe.close() == 0


def test_answers_are_cached_per_target_for_the_cache_period(probe_factory, nginx_factory):
    b, c = nginx_factory("b"), nginx_factory("c")
    probe = probe_factory("--cache", "2")
    assert probe.answer(f"127.0.0.1:{b.port}:/health") == "UP"
    b.stop()
    # Within the period B's answer is the cached one, and C (another key) is checked.
    for _ in range(5):
        assert probe.answer(f"127.0.0.1:{b.port}:/health") == "UP"
        assert probe.answer(f"127.0.0.1:{c.port}:/health") == "UP"
    c.requests_served(expect=1)
    assert len(head_requests(c, "/health")) == 1  # ten answers, one check
    time.sleep(2.1)
    assert probe.answer(f"127.0.0.1:{b.port}:/health") == "DOWN"
    time.sleep(0.2)
    assert len(head_requests(c, "/health")) == 1  # C was not asked again


def test_status_outside_the_accepted_range_is_down(probe_factory, misbehave):
    probe = probe_factory("--cache", "0")
    key = f"127.0.0.1:{misbehave.port}"
    assert probe.answer(f"{key}:/status?code=200") == "UP"
    assert probe.answer(f"{key}:/status?code=302") == "UP"  # 200-399 by default
    assert probe.answer(f"{key}:/status?code=404") == "DOWN"
    assert probe.answer(f"{key}:/status?code=500") == "DOWN"
    assert probe.answer(f"{key}:/health") == "UP"
    misbehave.set_health(503)
    assert probe.answer(f"{key}:/health") == "DOWN"
    misbehave.set_health(200)
    assert probe.answer(f"{key}:/health") == "UP"
    # A member that sends no HTTP, or resets, is DOWN too.
    assert probe.answer(f"{key}:/fault/no-http") == "DOWN"
    assert probe.answer(f"{key}:/fault/reset") == "DOWN"
    assert probe.answer(f"{key}:/fault/close") == "DOWN"


def test_method_and_expect_options(probe_factory, misbehave, nginx_factory):
    strict = probe_factory("--cache", "0", "--expect", "200,204")
    key = f"127.0.0.1:{misbehave.port}"
    assert strict.answer(f"{key}:/status?code=204") == "UP"
    assert strict.answer(f"{key}:/status?code=302") == "DOWN"
    n = nginx_factory("n")
    get = probe_factory("--cache=0", "--method=GET")
    assert get.answer(f"127.0.0.1:{n.port}:/id") == "UP"
    n.requests_served(expect=1)
    assert [e["request"] for e in n.log_entries()] == ["GET /id HTTP/1.1"]


def test_malformed_lines_answer_down_and_the_program_goes_on(probe_factory, nginx_factory):
    b = nginx_factory("b")
    probe = probe_factory("--cache", "0")
    good = f"127.0.0.1:{b.port}:/health"
    bad = [b"", b"nonsense", b"127.0.0.1", b"127.0.0.1:http:/", b"127.0.0.1:0:/",
           b"127.0.0.1:99999:/", f"127.0.0.1:{b.port}:health".encode(),
           f"127.0.0.1:{b.port}:/a b".encode(), b"::1:80:/", b"[::1:80:/",
           b"\x00\x01\xff\xfe", b"h\xc3\xa9:80:/", b"x" * 100000,
           b"127.0.0.1:" + b"9" * 5000 + b":/"]
    # All in one write, with a good line in the middle and at the end: one answer a line.
    batch = b"\n".join(bad[:7] + [good.encode()] + bad[7:] + [good.encode()]) + b"\n"
    probe.send(batch)
    answers = [probe.read_line() for _ in range(len(bad) + 2)]
    assert answers == ["DOWN"] * 7 + ["UP"] + ["DOWN"] * (len(bad) - 7) + ["UP"]
    # A flood without a newline, answered once at its newline; then business as usual.
    for _ in range(64):
        probe.send(b"z" * 65536)
    probe.send(b"\n")
    assert probe.read_line() == "DOWN"
    assert probe.answer(good + "\r") == "UP"  # a CRLF line is fine
    assert probe.proc.poll() is None
    assert probe.close() == 0
    assert probe.proc.stderr.read() == b""


class OneShotServer:
    """Accepts connections on `family`'s loopback, keeps each request head it reads and
    answers it with `status_line`."""

    def __init__(self, family=socket.AF_INET, status_line=b"HTTP/1.1 204 No Content"):
        import threading
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.bind(("::1" if family == socket.AF_INET6 else "127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.status_line = status_line
        self.heads = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                self.heads.append(data.decode("latin-1"))
                conn.sendall(self.status_line + b"\r\nContent-Length: 0\r\n\r\n")

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the accept() of the thread
        except OSError:
            pass
        self.sock.close()
        self.thread.join(5)


def test_the_check_is_one_http11_request_with_the_targets_host(probe_factory):
    server = OneShotServer()
    try:
        probe = probe_factory("--cache", "0")
        assert probe.answer(f"127.0.0.1:{server.port}:/health?deep=1") == "UP"
        env.wait_until(lambda: server.heads, 2, what="the request")
        assert server.heads == [
            f"HEAD /health?deep=1 HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
            "User-Agent: cxxbalancer-probe\r\nConnection: close\r\n\r\n"]
    finally:
        server.close()


def test_ipv6_literal(probe_factory):
    if not socket.has_ipv6:
        pytest.skip("no IPv6 in this kernel")
    with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as listener:
        try:
            listener.bind(("::1", 0))
        except OSError as e:
            pytest.skip(f"no [::1] here: {e}")
        listener.listen(8)
        port = listener.getsockname()[1]
        probe = probe_factory("--cache", "0")
        assert probe.answer(f"[::1]:{port}") == "UP"
    assert probe.answer(f"[::1]:{port}") == "DOWN"
    server = OneShotServer(socket.AF_INET6)
    try:
        assert probe.answer(f"[::1]:{server.port}:/health") == "UP"
        env.wait_until(lambda: server.heads, 2, what="the request")
        assert f"\r\nHost: [::1]:{server.port}\r\n" in server.heads[0]
    finally:
        server.close()


def test_refused_connect_is_down_at_once(probe_factory):
    probe = probe_factory("--cache", "0", "--connect-timeout", "5000")
    answer, took = probe.ask(f"127.0.0.1:{env.free_port()}:/health")
    assert answer == "DOWN"
    assert took < 1.0, took


def test_member_that_accepts_but_never_answers_is_down_within_read_timeout(probe_factory):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)  # the kernel completes the handshake; nobody reads or writes
        port = listener.getsockname()[1]
        probe = probe_factory("--cache", "0", "--read-timeout", "700")
        answer, took = probe.ask(f"127.0.0.1:{port}:/health")
        assert answer == "DOWN"
        assert 0.6 <= took < 2.0, took
        # Without a path only the connect counts: UP, and at once.
        answer, took = probe.ask(f"127.0.0.1:{port}")
        assert (answer, took < 0.5) == ("UP", True), took


def test_member_that_never_accepts_is_down_within_connect_timeout(probe_factory):
    """A listener whose accept queue is full drops SYNs: to a client, a black hole."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        fillers = []
        try:
            for _ in range(4):  # more than the queue holds; the late ones stay in SYN_SENT
                s = socket.socket()
                s.setblocking(False)
                s.connect_ex(("127.0.0.1", port))
                fillers.append(s)
            time.sleep(0.2)
            probe = probe_factory("--cache", "0", "--connect-timeout", "400",
                                  "--read-timeout", "5000")
            answer, took = probe.ask(f"127.0.0.1:{port}:/health")
            assert answer == "DOWN"
            assert 0.35 <= took < 1.5, took
            # The next line is answered as promptly: nothing is left hanging.
            answer, took = probe.ask(f"127.0.0.1:{port}")
            assert answer == "DOWN"
            assert took < 1.5, took
        finally:
            for s in fillers:
                s.close()


def test_exits_0_when_stdin_closes_and_answers_an_unterminated_last_line(probe_factory,
                                                                         nginx_factory):
    b = nginx_factory("b")
    probe = probe_factory()
    probe.send(f"127.0.0.1:{b.port}:/health".encode())  # no newline
    probe.proc.stdin.close()
    assert probe.read_line() == "UP"
    assert probe.proc.wait(5) == 0
    idle = probe_factory()
    assert idle.close() == 0  # nothing asked at all


def test_bad_option_fails_with_a_message_and_help_lists_the_options(probe_binary):
    p = subprocess.run([str(probe_binary), "--cache", "soon"], capture_output=True, text=True,
                       stdin=subprocess.DEVNULL, timeout=10)
    assert p.returncode == 2
    assert p.stderr == "cxxbalancer-probe: --cache soon: allowed: seconds, 0..86400\n"
    p = subprocess.run([str(probe_binary), "--help"], capture_output=True, text=True,
                       stdin=subprocess.DEVNULL, timeout=10)
    assert p.returncode == 0
    for option in ("--cache", "--connect-timeout", "--read-timeout", "--method", "--expect"):
        assert option in p.stdout


# --- installed next to the module, and the examples say where --------------------------------

def _apxs_libexecdir():
    return subprocess.run(["apxs", "-q", "LIBEXECDIR"], capture_output=True, text=True,
                          check=True).stdout.strip()


def test_install_puts_it_next_to_the_module_and_the_examples_name_that_path(tmp_path):
    libexec = _apxs_libexecdir()
    p = subprocess.run(["cmake", "--install", str(env.BUILD_DIR)], capture_output=True,
                       text=True, env={**os.environ, "DESTDIR": str(tmp_path)}, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    installed = tmp_path / libexec.lstrip("/")
    assert (installed / "mod_cxxbalancer.so").is_file()
    probe = installed / "cxxbalancer-probe"
    assert probe.is_file() and os.access(probe, os.X_OK)
    named = f"prg:{libexec}/cxxbalancer-probe"
    assert named in (env.CONF_EXAMPLES / "000-image-server-failover.conf").read_text()
    assert named in (env.SOURCE_DIR / "README.md").read_text()


# --- as a real prg: RewriteMap: seed 000 -------------------------------------------------------

def seed_000_config(probe_binary, b_port):
    """Server A: images go to B with a redirect while B's /health answers, else A serves
    them itself (seed 000, with the program instead of the Ruby script)."""
    return f"""
RewriteEngine On
RewriteMap health "prg:{probe_binary} --cache 1 --connect-timeout 500 --read-timeout 1000"
RewriteCond %{{REQUEST_URI}} \\.(gif|png|jpe?g)$ [NC]
RewriteCond ${{health:127.0.0.1:{b_port}:/health}} ^UP$
RewriteRule ^/images/(.*)$ http://127.0.0.1:{b_port}/images/$1 [R=302,L]
"""


def _image(httpd, path="/images/logo.png"):
    return requests.get(httpd.url(path), allow_redirects=False, timeout=10)


def test_seed_000_images_follow_b_through_the_prg_map(httpd, nginx_factory, probe_binary):
    b = nginx_factory("b")
    images = httpd.root / "htdocs" / "images"
    images.mkdir(parents=True)
    (images / "logo.png").write_bytes(b"A's copy of the logo")
    httpd.write_config(seed_000_config(probe_binary, b.port))
    httpd.start()

    r = _image(httpd)
    assert r.status_code == 302
    assert r.headers["Location"] == f"http://127.0.0.1:{b.port}/images/logo.png"
    page = requests.get(httpd.url("/index.html"), allow_redirects=False, timeout=10)
    assert (page.status_code, page.text) == (200, "front\n")  # pages are never redirected

    b.stop()
    env.wait_until(lambda: _image(httpd).status_code == 200, 5, what="A to serve images")
    r = _image(httpd)
    assert (r.status_code, r.content) == (200, b"A's copy of the logo")

    b = nginx_factory("b", port=b.port)
    env.wait_until(lambda: _image(httpd).status_code == 302, 5, what="redirects to B again")
    assert _image(httpd).headers["Location"].startswith(f"http://127.0.0.1:{b.port}/")
    # One map lookup per request; the cache keeps B's checks to one a second.
    time.sleep(0.2)
    before = len(head_requests(b, "/health"))
    started = time.monotonic()
    for _ in range(20):
        assert _image(httpd).status_code == 302
    elapsed = time.monotonic() - started
    time.sleep(0.2)
    assert len(head_requests(b, "/health")) - before <= int(elapsed) + 1


def _running_copies(binary):
    """Pids of processes running `binary` (read from /proc; nothing is signalled)."""
    pids = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                if os.readlink(f"/proc/{d}/exe") == str(binary):
                    pids.append(int(d))
            except OSError:
                pass
    return pids


def test_prg_map_survives_graceful_restart_and_old_copies_exit(httpd, nginx_factory,
                                                                probe_binary):
    b = nginx_factory("b")
    (httpd.root / "htdocs" / "images").mkdir(parents=True)
    (httpd.root / "htdocs" / "images" / "logo.png").write_bytes(b"A's logo")
    httpd.write_config(seed_000_config(probe_binary, b.port))
    httpd.start()
    assert _image(httpd).status_code == 302
    first = _running_copies(probe_binary)
    assert len(first) == 1
    httpd.graceful()
    assert _image(httpd).status_code == 302
    # httpd starts a new copy; the old one sees its stdin close and exits by itself.
    env.wait_until(lambda: len(_running_copies(probe_binary)) == 1
                   and _running_copies(probe_binary) != first, 10, what="one new probe")
    httpd.stop()
    env.wait_until(lambda: not _running_copies(probe_binary), 10, what="the probe to exit")
