"""A member's response head that arrives in two pieces must reach the client as the member
sent it, and a head cut short must be a 502.

The bug this guards against: the exchange flushed the client side after any read that did not
finish the response, also while the head was still incomplete; httpd then sent its default
`200 OK` ahead of the member's status, and the member's headers were lost (a split 404 became
a chunked 200 with the body; a head cut short became a "complete" 200 whose body was the 502
page).

HTTP members are backends/misbehave.py `/fault/split-head`, on both front ends; AJP members
are backends/ajp_misbehave.py `/split/AT/PAUSE_MS[/close]`, cxxb side only (the stock side has
no AJP module loaded).
"""

import pytest

import env
from misbehave import split_head_response

PAUSE_MS = 200


def _http_split_points():
    """Offsets in the misbehave split response: inside the status line, inside a header,
    just before the blank line, inside the blank line, between head and body."""
    head = split_head_response("mb")
    end = head.index(b"\r\n\r\n")
    header = head.index(b"X-Split")
    return {
        "status-line-version": 5,
        "status-line-code": len("HTTP/1.1 40"),
        "status-line-reason": len("HTTP/1.1 404 Not"),
        "inside-header-name": header + 3,
        "inside-header-value": header + len("X-Split: y"),
        "before-blank-line": end + 2,
        "inside-blank-line": end + 3,
        "between-head-and-body": end + 4,
    }


HTTP_POINTS = _http_split_points()
HTTP_HEAD_POINTS = [k for k in HTTP_POINTS if k != "between-head-and-body"]


@pytest.fixture
def split_member(front, misbehave):
    front.configure([(misbehave.url, "")])
    return misbehave


def _assert_split_answer(r, name):
    assert r.status == 404, (r.status, r.headers, r.body)
    assert r.header("X-Split") == "yes"
    assert r.header("X-Backend") == name
    assert r.body == b"nf"


@pytest.mark.parametrize("point", list(HTTP_POINTS))
def test_http_split_head_reaches_client_intact(front, split_member, point):
    at = HTTP_POINTS[point]
    r = env.raw_request(front.httpd.port, f"/app/fault/split-head?at={at}&pause_ms={PAUSE_MS}")
    _assert_split_answer(r, split_member.name)


@pytest.mark.parametrize("point", HTTP_HEAD_POINTS)
def test_http_head_cut_short_is_502(side, front, split_member, point):
    at = HTTP_POINTS[point]
    if side == "cxxb":
        front.httpd.expect_log(rf"127\.0\.0\.1:{split_member.port}\b", "CXB02006")
    else:
        front.httpd.expect_log(rf"127\.0\.0\.1:{split_member.port}\b", "AH01102", "AH00898",
                               "AH10404", "AH01106")
    r = env.raw_request(front.httpd.port,
                        f"/app/fault/split-head?at={at}&pause_ms={PAUSE_MS}&close=1")
    assert r.status == 502, (r.status, r.headers, r.body)
    assert r.header("X-Split") is None
    if side == "cxxb":
        lines = front.httpd.log_lines_with(r"CXB02006")
        assert lines and f"127.0.0.1:{split_member.port}" in lines[0]


# --- AJP -----------------------------------------------------------------------------------

@pytest.fixture
def ajp_member(test_dir):
    m = env.Misbehave(test_dir / "ajp-misbehave", "ajpmb", ajp=True)
    m.start()
    yield m
    m.stop()


def _ajp_split_points(member):
    """Offsets in the AJP split response: inside the packet header, inside the status,
    inside a header, the last byte of SEND_HEADERS missing, between the head packet and the
    body chunk, inside the body chunk, before END_RESPONSE."""
    head_end, body_end, _ = member.layout()
    return {
        "packet-header": 2,
        "status": 6,
        "inside-header": head_end // 2,
        "head-packet-less-one": head_end - 1,
        "between-head-and-body": head_end,
        "inside-body-chunk": head_end + 5,
        "before-end-response": body_end,
    }


AJP_POINT_NAMES = ["packet-header", "status", "inside-header", "head-packet-less-one",
                   "between-head-and-body", "inside-body-chunk", "before-end-response"]
AJP_HEAD_POINTS = AJP_POINT_NAMES[:4]


def _configure_ajp(httpd, member):
    httpd.write_config("\n".join([
        env.cxxb_balancer("web", [(member.url, "")]),
        "ProxyPass /app/ cxxbalancer://web/",
    ]))
    httpd.start()


@pytest.mark.parametrize("point", AJP_POINT_NAMES)
def test_ajp_split_head_reaches_client_intact(httpd, ajp_member, point):
    at = _ajp_split_points(ajp_member)[point]
    _configure_ajp(httpd, ajp_member)
    r = env.raw_request(httpd.port, f"/app/split/{at}/{PAUSE_MS}")
    _assert_split_answer(r, ajp_member.name)


@pytest.mark.parametrize("point", AJP_HEAD_POINTS)
def test_ajp_head_cut_short_is_502(httpd, ajp_member, point):
    at = _ajp_split_points(ajp_member)[point]
    _configure_ajp(httpd, ajp_member)
    httpd.expect_log(rf"127\.0\.0\.1:{ajp_member.port}\b", "CXB02006")
    r = env.raw_request(httpd.port, f"/app/split/{at}/{PAUSE_MS}/close")
    assert r.status == 502, (r.status, r.headers, r.body)
    assert r.header("X-Split") is None
    lines = httpd.log_lines_with(r"CXB02006")
    assert lines and f"127.0.0.1:{ajp_member.port}" in lines[0]
