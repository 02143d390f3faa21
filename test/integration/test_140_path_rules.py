"""Paths that Tomcat reads differently from httpd (seed 002): a `.` or `..` segment with
`;` parameters is refused with 400 before it reaches a member, while `;jsessionid=` on an
ordinary segment still goes through.

Tomcat drops path parameters before it resolves dot segments, so `/app/x/..;/admin` is
`/admin` to it, past a `<Location /app/admin>` deny rule that httpd applied to the path as
written. The stock modules forward such paths (xfail on the stock side)."""

import pytest

import env

DENY_ADMIN = """<Location /app/admin>
    Require all denied
</Location>"""

TRICKS = ["/app/x/..;/admin", "/app/x/.;/admin", "/app/x/..;jsessionid=x/admin",
          "/app/x/%2e%2e;/admin", "/app/x/..%3b/admin", "/app/x/%2E%2E%3B/admin"]


@pytest.mark.parametrize("target", TRICKS)
def test_dot_segment_with_parameters_is_refused(request, side, front, misbehave, target):
    if side == "stock":
        request.applymarker(pytest.mark.xfail(
            reason="stock mod_proxy forwards `..;` segments to the member", strict=False))
    front.configure([(misbehave.url, "")], extra=DENY_ADMIN)
    front.httpd.expect_log("CXB00305", "AH01630")  # AH01630: the deny rule at work
    assert env.raw_request(front.httpd.port, "/app/admin").status == 403
    misbehave.reset_stats()
    r = env.raw_request(front.httpd.port, target)
    assert r.status == 400, (r.status, r.body)
    assert misbehave.stats()["requests"] == 0
    lines = front.httpd.log_lines_with("CXB00305")
    assert len(lines) == 1 and "dot segment with parameters" in lines[0], lines


@pytest.mark.parametrize("side", ["cxxb"])
def test_session_path_parameter_still_forwarded(front, misbehave):
    front.configure([(misbehave.url, "")], extra=DENY_ADMIN)
    r = env.raw_request(front.httpd.port, "/app/echo/cart;jsessionid=ABC.jvm1?x=1")
    assert r.status == 200
    assert r.json()["target"] == "/echo/cart;jsessionid=ABC.jvm1?x=1"
    r = env.raw_request(front.httpd.port, "/app/echo/a/../b")  # httpd resolves plain dots
    assert (r.status, r.json()["path"]) == (200, "/echo/b")
