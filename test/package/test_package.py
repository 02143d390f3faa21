"""The Debian package, as an administrator meets it: built by scripts/package.sh, checked by
lintian, unpacked (never installed), enabled with Debian's own a2enmod in a copy of
/etc/apache2, and serving a request through the module from that copy.

Nothing here touches the machine's /etc/apache2 or /var/lib/apache2: a2enmod runs with
APACHE_CONFDIR and APACHE_STATE_DIRECTORY pointing into a temporary directory, and apache2
gets its run, lock and log directories there. Every process started is stopped by pid.

Environment: CXXB_SOURCE_DIR, CXXB_BUILD_DIR (set by ctest), CXXB_PACKAGE_DEB (an already
built .deb: skips the package build, for working on this file).
"""

import gzip
import json
import os
import pwd
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from support import (APACHE2, BUILD_DIR, MODULE, PACKAGE, SOURCE_DIR, free_port, http_get,
                     project_version, run, stop_pid, wait_for_port)

def deb_files(deb):
    rc, out = run(["dpkg-deb", "-c", str(deb)])
    assert rc == 0, out
    # "-rw-r--r-- root/root  1234 2026-12-01 23:50 ./usr/lib/..." (symlinks: "a -> b")
    return {line.split(None, 5)[5].split(" -> ")[0].lstrip(".") for line in out.splitlines()}


def cmake_installed_files(tmp_path):
    """What `cmake --install` of the build tree installs, as package paths (prefix /usr):
    the package must hold all of it (the module, and cxxbalancer-probe where it exists)."""
    dest = tmp_path / "cmake-install"
    rc, out = run(["cmake", "--install", str(BUILD_DIR), "--prefix", "/usr"],
                  env=dict(os.environ, DESTDIR=str(dest)))
    assert rc == 0, out
    return {"/" + str(p.relative_to(dest)) for p in dest.rglob("*") if not p.is_dir()}


def test_package_name_version_and_dependencies(deb):
    version = project_version()
    assert deb.name == f"{PACKAGE}_{version}_amd64.deb"
    rc, out = run(["dpkg-deb", "-f", str(deb), "Package", "Version", "Depends"])
    assert rc == 0, out
    fields = dict(line.split(": ", 1) for line in out.splitlines())
    assert fields["Package"] == PACKAGE and fields["Version"] == version
    depends = [d.strip() for d in fields["Depends"].split(",")]
    assert "apache2-api-20120211" in depends, depends
    assert any(d.startswith("libssl3") for d in depends), depends      # from shlibs
    assert any(d.startswith("libstdc++6") for d in depends), depends


def test_package_contents(deb, tmp_path):
    files = deb_files(deb)
    doc = f"/usr/share/doc/{PACKAGE}"
    for path in ("/" + MODULE,
                 "/etc/apache2/mods-available/proxy_cxxbalancer.load",
                 "/etc/apache2/mods-available/proxy_cxxbalancer.conf",
                 "/usr/share/man/man8/mod_cxxbalancer.8.gz",
                 f"{doc}/copyright", f"{doc}/changelog.gz"):
        assert path in files, (path, sorted(files))
    # dh_compress compresses the larger ones.
    for name in ("README.md", "CHANGELOG.md", "NOTICE"):
        assert {f"{doc}/{name}", f"{doc}/{name}.gz"} & files, (name, sorted(files))
    installed = cmake_installed_files(tmp_path)
    assert "/" + MODULE in installed
    missing = installed - files
    assert not missing, f"cmake --install installs files the package lacks: {missing}"
    if any(p.endswith("/cxxbalancer-probe") for p in installed):
        assert any(p.endswith("/cxxbalancer-probe") for p in files)
    # Docs beside the README, when the tree has them.
    for p in (SOURCE_DIR / "docs").rglob("*.md"):
        rel = p.relative_to(SOURCE_DIR)
        assert f"{doc}/{rel}" in files or f"{doc}/{rel}.gz" in files, rel


def test_load_file_sorts_after_proxy_and_conf_configures_nothing(unpacked):
    avail = unpacked / "etc/apache2/mods-available"
    load = (avail / "proxy_cxxbalancer.load").read_text().splitlines()
    assert load[0] == "# Depends: proxy"
    assert f"LoadModule cxxbalancer_module /{MODULE}" in load
    assert sorted(["proxy.load", "proxy_cxxbalancer.load"])[0] == "proxy.load"
    active = [l for l in (avail / "proxy_cxxbalancer.conf").read_text().splitlines()
              if l.strip() and not l.strip().startswith("#")]
    assert active == ["<IfModule cxxbalancer_module>", "</IfModule>"], active
    conf = (avail / "proxy_cxxbalancer.conf").read_text()
    assert "#\tRequire local" in conf and "cxxbalancer-manager" in conf


def test_man_page_renders_without_warnings(unpacked):
    page = unpacked / "usr/share/man/man8/mod_cxxbalancer.8.gz"
    text = gzip.decompress(page.read_bytes()).decode()
    for directive in ("CxxBalancer", "BalancerMember", "BalancerSet", "cxxbalancer-manager"):
        assert directive in text
    # What lintian does: warnings of groff (stderr) while rendering, the output discarded.
    p = subprocess.run(["man", "--warnings", "-E", "UTF-8", "-l", "-Tutf8", "-Z", str(page)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                       env=dict(os.environ, LC_ALL="C.UTF-8", MANWIDTH="80", MANROFFSEQ=""))
    assert p.returncode == 0 and not p.stderr.strip(), p.stderr


def test_lintian_reports_no_errors(deb):
    rc, out = run(["lintian", "--tag-display-limit", "0", str(deb)], timeout=300)
    print(out)
    errors = [l for l in out.splitlines() if l.startswith("E:")]
    assert not errors, out
    assert rc == 0, out


@pytest.fixture
def backend(tmp_path):
    """python3 -m http.server on a free loopback port, serving one file."""
    docroot = tmp_path / "backend"
    docroot.mkdir()
    token = f"served-by-backend-{os.getpid()}"
    (docroot / "hello.txt").write_text(token)
    port = free_port()
    p = subprocess.Popen([sys.executable, "-m", "http.server", "--bind", "127.0.0.1",
                          "--directory", str(docroot), str(port)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        yield port, token
    finally:
        p.terminate()
        p.wait(timeout=10)


def test_a2enmod_in_a_copy_of_etc_apache2_then_serve(unpacked, backend, tmp_path):
    backend_port, token = backend
    own_enabled_before = sorted(os.listdir("/etc/apache2/mods-enabled"))
    confdir = tmp_path / "etc-apache2"
    shutil.copytree("/etc/apache2", confdir, symlinks=True)
    for f in (unpacked / "etc/apache2/mods-available").iterdir():
        shutil.copy(f, confdir / "mods-available" / f.name)
    # The module from the unpacked package, not from /usr/lib/apache2/modules.
    load = confdir / "mods-available/proxy_cxxbalancer.load"
    load.write_text(load.read_text().replace("/" + MODULE, str(unpacked / MODULE)))

    state = tmp_path / "var-lib-apache2"
    a2env = dict(os.environ, APACHE_CONFDIR=str(confdir), APACHE_STATE_DIRECTORY=str(state),
                 LANG="C")
    rc, out = run(["a2enmod", "proxy_cxxbalancer"], env=a2env)
    assert rc == 0, out
    assert "Enabling module proxy_cxxbalancer." in out, out
    enabled = sorted(os.listdir(confdir / "mods-enabled"))
    assert "proxy.load" in enabled and "proxy_cxxbalancer.load" in enabled
    assert "proxy_cxxbalancer.conf" in enabled
    assert enabled.index("proxy.load") < enabled.index("proxy_cxxbalancer.load")
    assert (state / "module/enabled_by_admin/proxy_cxxbalancer").exists()
    # The machine's own configuration is as it was.
    assert sorted(os.listdir("/etc/apache2/mods-enabled")) == own_enabled_before
    assert not Path("/var/lib/apache2/module/enabled_by_admin/proxy_cxxbalancer").exists()

    # A tiny site on a free loopback port instead of the default one on *:80.
    port = free_port()
    (confdir / "ports.conf").write_text(f"Listen 127.0.0.1:{port}\n")
    for site in (confdir / "sites-enabled").iterdir():
        site.unlink()
    (confdir / "sites-enabled/cxxb-package-test.conf").write_text(f"""\
ServerName 127.0.0.1
<CxxBalancer pkg>
    BalancerMember http://127.0.0.1:{backend_port}
</CxxBalancer>
ProxyPass /app/ cxxbalancer://pkg/
<Location /balancer-manager>
    SetHandler cxxbalancer-manager
    Require local
</Location>
""")
    run_dir = tmp_path / "run"
    for d in ("run", "lock", "log"):
        (tmp_path / d).mkdir()
    user = "www-data" if os.getuid() == 0 else pwd.getpwuid(os.getuid()).pw_name
    httpd_env = dict(os.environ, APACHE_CONFDIR=str(confdir), APACHE_RUN_USER=user,
                     APACHE_RUN_GROUP=user if os.getuid() else "www-data",
                     APACHE_PID_FILE=str(run_dir / "apache2.pid"),
                     APACHE_RUN_DIR=str(run_dir), APACHE_LOCK_DIR=str(tmp_path / "lock"),
                     APACHE_LOG_DIR=str(tmp_path / "log"), LANG="C")
    for d in (tmp_path, tmp_path / "log", run_dir, tmp_path / "lock"):
        d.chmod(0o755)
    cmd = [APACHE2, "-d", str(confdir), "-f", str(confdir / "apache2.conf")]
    rc, out = run(cmd + ["-t"], env=httpd_env)
    assert rc == 0 and "Syntax OK" in out, out
    rc, out = run(cmd + ["-M"], env=httpd_env)
    assert "cxxbalancer_module (shared)" in out, out

    rc, out = run(cmd + ["-k", "start"], env=httpd_env)
    assert rc == 0, out
    pid = None
    try:
        deadline = time.monotonic() + 20
        while pid is None and time.monotonic() < deadline:
            try:
                pid = int((run_dir / "apache2.pid").read_text())
            except (OSError, ValueError):
                time.sleep(0.1)
        assert pid, "apache2 wrote no pid file"
        wait_for_port(port)
        status, _, body = http_get(port, "/app/hello.txt")
        assert status == 200 and body.decode() == token
        # It went through the module: the member counted it.
        status, _, body = http_get(port, "/balancer-manager?format=json")
        assert status == 200
        members = [m for b in json.loads(body)["balancers"] if b["name"] == "pkg"
                   for m in b["members"]]
        assert [m["requests"] for m in members] == [1], members
    finally:
        if pid:
            stop_pid(pid)
    log = (tmp_path / "log/error.log").read_text()
    assert not re.search(r"\[(\w+:)?(emerg|alert|crit)\]", log), log
