"""The product's version, as a user sees it: in the Server header (as other modules add
theirs, e.g. OpenSSL/3.0) and on the manager page. The version is the one of
project(VERSION) in CMakeLists.txt, the only place it is set."""

import re

import requests

import env

MANAGER = """<Location /balancer-manager>
    SetHandler cxxbalancer-manager
    Require ip 127.0.0.1
</Location>"""


def project_version():
    text = (env.SOURCE_DIR / "CMakeLists.txt").read_text()
    return re.search(r"^project\(mod_cxxbalancer VERSION ([0-9.]+)", text, re.M).group(1)


def test_server_header_and_manager_show_the_version(httpd, nginx_factory):
    version = project_version()
    m1 = nginx_factory("m1")
    httpd.write_config("ServerTokens Full\n"
                       + env.cxxb_balancer("web", [(m1.url, "")]) + "\n"
                       + "ProxyPass /app/ cxxbalancer://web/\n" + MANAGER)
    httpd.start()

    r = requests.get(httpd.url("/"), timeout=5)
    assert f"mod_cxxbalancer/{version}" in r.headers["Server"].split(), r.headers["Server"]
    assert requests.get(httpd.url("/app/id"), timeout=5).text == "m1"

    r = requests.get(httpd.url("/balancer-manager?format=json"), timeout=5)
    assert r.status_code == 200 and r.json()["version"] == version
    r = requests.get(httpd.url("/balancer-manager"), timeout=5)
    assert r.status_code == 200
    assert re.search(rf"<h1>[^<]*\b{re.escape(version)}</h1>", r.text), r.text[:300]

