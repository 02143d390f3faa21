"""Configuration written the mod_proxy_balancer way for a cxxbalancer:// balancer: each is
refused by `apache2 -t` with a message that names the directive to use instead
(<CxxBalancer NAME>, BalancerSet, BalancerMember), on the line it is about. Without these,
mod_proxy answered "unknown Worker parameter" or took the keys and never used them.

Stock mod_proxy_balancer configuration next to it, and <Proxy cxxbalancer://...> used only
for access control, still pass.
"""

import pytest
import requests

import env

BALANCER = """<CxxBalancer web>
    BalancerMember http://127.0.0.1:{p1}
</CxxBalancer>
"""

# id -> (configuration, substring of the offending line, expected message line)
CASES = {
    "proxy-section-with-members": (
        """<Proxy cxxbalancer://web>
    BalancerMember http://127.0.0.1:{p1} loadfactor=2
    ProxySet lbmethod=bybusyness
</Proxy>
ProxyPass /app/ cxxbalancer://web/""",
        "<Proxy cxxbalancer://web>",
        "<Proxy cxxbalancer://web>: mod_proxy's <Proxy> does not configure cxxbalancer:// "
        "balancers; allowed: <CxxBalancer web> ... </CxxBalancer> with the BalancerMember "
        "lines inside, and BalancerSet in place of ProxySet"),
    "proxy-section-with-keys": (
        BALANCER + """<Proxy cxxbalancer://web lbmethod=bybusyness>
    Require all granted
</Proxy>""",
        "<Proxy cxxbalancer://web lbmethod",
        "<Proxy cxxbalancer://web>: lbmethod=bybusyness: mod_proxy's <Proxy> does not configure "
        "cxxbalancer:// balancers; allowed: BalancerSet lbmethod=bybusyness inside <CxxBalancer "
        "web>"),
    "proxymatch-section": (
        BALANCER + """<ProxyMatch ^cxxbalancer://web/.*>
    ProxySet stickysession=JSESSIONID
</ProxyMatch>""",
        "<ProxyMatch",
        "<ProxyMatch ^cxxbalancer://web/.*>: mod_proxy's <ProxyMatch> does not configure "
        "cxxbalancer:// balancers; allowed: <CxxBalancer web> ... </CxxBalancer> with the "
        "BalancerMember lines inside, and BalancerSet in place of ProxySet"),
    "proxyset": (
        BALANCER + "ProxySet cxxbalancer://web stickysession=JSESSIONID|jsessionid",
        "ProxySet",
        "ProxySet: stickysession=JSESSIONID|jsessionid: ProxySet does not configure "
        "cxxbalancer:// balancers; allowed: BalancerSet stickysession=JSESSIONID|jsessionid "
        "inside <CxxBalancer web>"),
    "proxypass-balancer-key": (
        BALANCER + "ProxyPass /app/ cxxbalancer://web/ stickysession=JSESSIONID",
        "ProxyPass /app/",
        "ProxyPass: stickysession=JSESSIONID: not read on ProxyPass lines for cxxbalancer:// "
        "URLs; allowed: BalancerSet stickysession=JSESSIONID inside <CxxBalancer web>"),
    "proxypass-member-key": (
        BALANCER + "ProxyPass /app/ cxxbalancer://web/ nocanon retry=5",
        "ProxyPass /app/",
        "ProxyPass: retry=5: not read on ProxyPass lines for cxxbalancer:// URLs; allowed: "
        "retry=5 on each BalancerMember line inside <CxxBalancer web>"),
    "proxypass-in-location": (
        BALANCER + """<Location /app/>
    ProxyPass cxxbalancer://web/ timeout=5
</Location>""",
        "ProxyPass cxxbalancer",
        "ProxyPass: timeout=5: not read on ProxyPass lines for cxxbalancer:// URLs; allowed: "
        "timeout=5 on each BalancerMember line inside <CxxBalancer web>"),
    "proxypassmatch-unknown-key": (
        BALANCER + 'ProxyPassMatch "^/x/(.*)$" cxxbalancer://web/$1 nonce=abc',
        "ProxyPassMatch",
        "ProxyPassMatch: nonce=abc: not read on ProxyPassMatch lines for cxxbalancer:// URLs; "
        "allowed: a BalancerSet or BalancerMember key inside <CxxBalancer web>; nonce has no "
        "equivalent"),
    "member-naming-the-balancer": (
        BALANCER + "BalancerMember cxxbalancer://web http://127.0.0.1:{p2}",
        "BalancerMember cxxbalancer",
        "BalancerMember cxxbalancer://web: a cxxbalancer:// balancer is not named on its member "
        "lines; allowed: BalancerMember URL [key=value ...] inside <CxxBalancer web>"),
}


def _ports():
    return {"p1": env.free_port(), "p2": env.free_port()}


def _line_of(httpd, needle):
    return httpd.config_line_of(needle)


@pytest.mark.parametrize("case", sorted(CASES))
def test_mod_proxy_style_is_refused_with_the_right_directive(httpd, case):
    body, marker, message = CASES[case]
    httpd.write_config(body.format(**_ports()))
    rc, out = httpd.test_config()
    assert rc != 0, f"{case}: apache2 -t accepted it:\n{out}"
    lines = [l.strip() for l in out.splitlines()]
    assert message in lines, f"{case}: expected the line\n  {message}\nin\n{out}"
    line = _line_of(httpd, marker)
    assert f"AH00526: Syntax error on line {line} of {httpd.conf_file}:" in lines, out


def test_proxy_section_for_access_control_only_passes(httpd):
    """<Proxy cxxbalancer://NAME/*> with only Require lines is mod_proxy's per-URL access
    control, not a balancer definition: left to mod_proxy."""
    httpd.write_config(BALANCER.format(**_ports()) + """<Proxy "cxxbalancer://web/*">
    Require all granted
</Proxy>
ProxyPass /app/ cxxbalancer://web/ nocanon
ProxyPass /raw/ cxxbalancer://web/ mapping=encoded
ProxyPass /static/ !
""")
    rc, out = httpd.test_config()
    assert rc == 0, out
    assert out.strip().splitlines() == ["Syntax OK"], out


def test_stock_balancer_config_is_left_to_mod_proxy(httpd_factory):
    """The same directives for balancer:// still reach mod_proxy_balancer unchanged."""
    httpd = httpd_factory(stock_balancer=True)
    p = _ports()
    httpd.write_config(BALANCER.format(**p) + f"""<Proxy balancer://stock>
    BalancerMember http://127.0.0.1:{p['p2']} loadfactor=2 retry=5
    ProxySet lbmethod=byrequests
</Proxy>
ProxySet balancer://stock stickysession=JSESSIONID
ProxyPass /stock/ balancer://stock/ nofailover=On
ProxyPass /plain/ http://127.0.0.1:{p['p2']}/ retry=3
ProxyPass /app/ cxxbalancer://web/
""")
    rc, out = httpd.test_config()
    assert rc == 0, out
    assert out.strip().splitlines() == ["Syntax OK"], out


@pytest.mark.parametrize("rule,status", [("denied", 403), ("granted", 503)])
def test_proxy_section_access_control_applies_to_the_balancer(httpd, rule, status):
    """What the migration guide tells users to keep: <Proxy "cxxbalancer://NAME/*"> with
    access control is applied by mod_proxy to the requests sent to that balancer (granted:
    the request reaches the balancer, whose only member does not listen)."""
    httpd.write_config(BALANCER.format(**_ports()) + f"""<Proxy "cxxbalancer://web/*">
    Require all {rule}
</Proxy>
ProxyPass /app/ cxxbalancer://web/
""")
    httpd.expect_log("AH01630", "CXB02001", "CXB02008")  # denied; member refused; none left
    httpd.start()
    r = requests.get(httpd.url("/app/x"), timeout=10)
    assert r.status_code == status
