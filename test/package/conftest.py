"""Fixtures of the package tests: the .deb is built once per session, by the Docker image's
own build step (docker/steps.sh build, which runs scripts/package.sh), and unpacked once."""

import os
from pathlib import Path

import pytest

from support import PACKAGE, SOURCE_DIR, run


@pytest.fixture(scope="session")
def deb(tmp_path_factory):
    given = os.environ.get("CXXB_PACKAGE_DEB")
    if given:
        return Path(given).resolve()
    out = tmp_path_factory.mktemp("deb")
    rc, log = run([str(SOURCE_DIR / "docker" / "steps.sh"), "build", str(out)], timeout=2100,
                  env=dict(os.environ, JOBS=os.environ.get("JOBS", "2")))
    assert rc == 0, log[-6000:]
    debs = list(out.glob(f"{PACKAGE}_*.deb"))
    assert len(debs) == 1, (debs, log[-2000:])
    return debs[0]


@pytest.fixture(scope="session")
def unpacked(deb, tmp_path_factory):
    root = tmp_path_factory.mktemp("unpacked")
    rc, out = run(["dpkg-deb", "-x", str(deb), str(root)])
    assert rc == 0, out
    return root
