"""The steps of the Docker image (docker/steps.sh), run outside Docker as the Dockerfile runs
them: the build stage needs only build tools, and the runtime step installs the package
into a copy of /etc/apache2 (ROOT), enables it with a2enmod, and the result starts as
Debian's apache2 does (apache2ctl -D FOREGROUND, www-data children) and passes the
image's health check. The machine's own configuration is never touched."""

import os
import pwd
import re
import shutil
import subprocess
import time
from pathlib import Path

from support import SOURCE_DIR, free_port, run, stop_pid, wait_for_port

STEPS = SOURCE_DIR / "docker" / "steps.sh"
TEST_ONLY = {"tomcat10", "nginx", "clang", "wrk", "catch2", "libbenchmark-dev",
             "python3-pytest", "python3-requests", "lintian", "curl"}


def build_depends():
    text = (SOURCE_DIR / "debian" / "control").read_text()
    field = re.search(r"^Build-Depends:(.*?)\n(?=\S)", text, re.S | re.M).group(1)
    return [re.sub(r"\(.*?\)", "", d).strip() for d in field.split(",") if d.strip()]


def test_build_stage_needs_only_build_tools():
    deps = build_depends()
    assert "apache2-dev" in deps and "cmake" in deps and "libssl-dev" in deps, deps
    assert not TEST_ONLY & set(deps), deps
    # Every one of them is on scripts/install-deps.sh's list (dh-apache2: apache2-dev
    # provides it), so a machine set up for the tests can build the package too.
    listed = (SOURCE_DIR / "scripts" / "install-deps.sh").read_text()
    for d in deps:
        name = "apache2-dev" if d == "dh-apache2" else d.split(" ")[0]
        name = "debhelper" if name.startswith("debhelper-compat") else name
        assert re.search(rf"(^|\s){re.escape(name)}(\s|$)", listed, re.M), name
    # And they are all installed here: the step would install nothing more.
    rc, out = run([str(STEPS), "build-deps", "--print"])
    assert rc == 0 and out.strip() == "", out
    dockerfile = (SOURCE_DIR / "docker" / "apache2" / "Dockerfile").read_text()
    assert "install-deps.sh" not in dockerfile
    assert "RUN docker/steps.sh build-deps" in dockerfile


def test_build_deps_step_names_the_unmet_packages(tmp_path):
    """On a machine without them (the build stage), dpkg-checkbuilddeps' complaint becomes
    the list of packages to install: versions and alternatives dropped."""
    fake = tmp_path / "bin" / "dpkg-checkbuilddeps"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'dpkg-checkbuilddeps: error: Unmet build dependencies: "
                    "debhelper-compat (= 13) dh-apache2 cmake (>= 3.25) libssl-dev | libssl3-dev'"
                    " >&2\nexit 1\n")
    fake.chmod(0o755)
    env = dict(os.environ, PATH=f"{fake.parent}:{os.environ['PATH']}")
    rc, out = run([str(STEPS), "build-deps", "--print"], env=env)
    assert rc == 0 and out.split() == ["debhelper-compat", "dh-apache2", "cmake", "libssl-dev"], out


def test_runtime_step_starts_like_debians_apache2(deb, tmp_path):
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    shutil.copytree("/etc/apache2", root / "etc" / "apache2", symlinks=True)
    conf = root / "etc" / "apache2"
    own_sites = sorted(os.listdir("/etc/apache2/sites-enabled"))

    rc, out = run([str(STEPS), "runtime", str(deb), str(root)])
    assert rc == 0, out
    enabled = os.listdir(conf / "mods-enabled")
    assert {"proxy.load", "proxy_cxxbalancer.load", "proxy_cxxbalancer.conf"} <= set(enabled)
    assert "000-default.conf" not in os.listdir(conf / "sites-enabled")
    assert "cxxbalancer-health.conf" in os.listdir(conf / "conf-enabled")
    assert sorted(os.listdir("/etc/apache2/sites-enabled")) == own_sites
    assert f"={root}/var/run/apache2" in (conf / "envvars").read_text()

    # The image listens on :80; here a free loopback port is the only change.
    port = free_port()
    (conf / "ports.conf").write_text(f"Listen 127.0.0.1:{port}\n")
    env = dict(os.environ, APACHE_CONFDIR=str(conf), LANG="C")
    env.pop("APACHE_ENVVARS", None)
    # The compose demo's site is accepted by this configuration.
    shutil.copy(SOURCE_DIR / "docker" / "apache2" / "demo.conf", conf / "sites-enabled")
    rc, out = run(["apache2ctl", "-t"], env=env)
    assert rc == 0 and "Syntax OK" in out, out
    (conf / "sites-enabled" / "demo.conf").unlink()

    os.chmod(tmp_path, 0o755)
    httpd = subprocess.Popen(["apache2ctl", "-D", "FOREGROUND"], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    pid_file = root / "var" / "run" / "apache2" / "apache2.pid"
    pid = None
    try:
        wait_for_port(port)
        deadline = time.monotonic() + 10   # listening comes before the pid file
        while not pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        pid = int(pid_file.read_text())
        rc, out = run([str(STEPS), "healthcheck", str(port)])
        assert rc == 0, out
        if os.getuid() == 0:
            children = [int(p) for p in
                        Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
            assert children
            for child in children:
                uid = Path(f"/proc/{child}/status").read_text().split("Uid:")[1].split()[0]
                assert uid == str(pwd.getpwnam("www-data").pw_uid), child
    finally:
        if pid:
            stop_pid(pid)
        try:
            httpd.wait(timeout=20)
        except subprocess.TimeoutExpired:
            httpd.kill()
            httpd.wait()
    assert httpd.returncode == 0, httpd.stdout.read().decode()
    log = (root / "var" / "log" / "apache2" / "error.log").read_text()
    assert "resuming normal operations" in log and not re.search(r":(emerg|alert|crit)\]", log), log
