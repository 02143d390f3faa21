"""scripts/demo.sh as a user runs it: it serves the demo balancer, and SIGINT or SIGTERM
stops everything it started (httpd and its children, the three members) and removes its
server root, also when it was started in the background, where the shell inherits SIGINT
ignored (as `scripts/demo.sh &` from a script does)."""

import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SOURCE_DIR = Path(os.environ.get("CXXB_SOURCE_DIR", HERE.parent.parent)).resolve()
MODULE = Path(os.environ.get("CXXB_MODULE",
                             SOURCE_DIR / "build/mod_cxxbalancer/mod_cxxbalancer.so"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_stat(pid):
    """(ppid, session id) of a live process, or None."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()
    return int(fields[1]), int(fields[3])


def processes_of(session, httpd_pid):
    """Every process of the demo's session, plus httpd (it starts its own session) and its
    children."""
    found = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        st = proc_stat(int(entry))
        if st and (st[1] == session or st[0] == httpd_pid or int(entry) == httpd_pid):
            found.add(int(entry))
    return found


def alive(pids):
    return {p for p in pids if proc_stat(p) is not None and
            "State:\tZ" not in Path(f"/proc/{p}/status").read_text()}


def get(url):
    with urllib.request.urlopen(url, timeout=5) as r:
        return r.status, r.read().decode()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["INT", "TERM"])
def test_demo_serves_then_stops_everything_on_signal(sig, tmp_path):
    assert MODULE.is_file(), f"{MODULE}: build the module first"
    port = free_port()
    out = tmp_path / "demo.out"
    env = dict(os.environ, SKIP_DEPS="1", SKIP_BUILD="1", CXXB_MODULE=str(MODULE),
               DEMO_PORT=str(port))
    env.pop("CXXB_DEMO_SIGNALS_RESET", None)
    with open(out, "w") as f:
        demo = subprocess.Popen(
            [str(SOURCE_DIR / "scripts" / "demo.sh")], env=env, stdout=f,
            stderr=subprocess.STDOUT, start_new_session=True,
            # What bash does to a background job of a non-interactive shell.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    pids = set()
    try:
        deadline = time.monotonic() + 60
        root = None
        while time.monotonic() < deadline and demo.poll() is None:
            m = re.search(r"server root (\S+)\)", out.read_text())
            if m:
                root = Path(m.group(1))
                break
            time.sleep(0.2)
        assert root, out.read_text()
        status, body = get(f"http://127.0.0.1:{port}/app/id")
        assert status == 200 and body in ("app1", "app2"), body
        httpd_pid = int((root / "logs" / "httpd.pid").read_text())
        pids = processes_of(demo.pid, httpd_pid)
        assert httpd_pid in pids and len(pids) >= 6, pids  # shell, 3 members, httpd + child

        os.kill(demo.pid, sig)
        assert demo.wait(timeout=30) == 128 + sig, out.read_text()
        deadline = time.monotonic() + 10
        while alive(pids) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(pids), (alive(pids), out.read_text())
        assert not root.exists()
        assert "demo: stopping" in out.read_text()
    finally:
        for p in alive(pids | {demo.pid}):
            os.kill(p, signal.SIGKILL)
        if demo.poll() is None:
            demo.wait()
