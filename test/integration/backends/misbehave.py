#!/usr/bin/env python3
"""The project's misbehaving HTTP/1.1 backend for integration tests (Python stdlib only).

It is deliberately a hand-written HTTP/1.1 server instead of http.server: the faults need
byte-level control of what goes on the wire (broken status lines, both Content-Length and
Transfer-Encoding, a close in the middle of a body, a TCP reset), and the tests need to
see the request target exactly as the proxy sent it, without any decoding.

Listens on 127.0.0.1 (--bind changes that, for the docker demo only). With --port 0 it picks a free port and prints
"LISTENING <port>" on stdout, so the fixture never races for a port.

Behaviour is selected by a path segment, so a member URL with a base path still works
(/base/echo is the echo endpoint). Endpoints (query parameters in brackets):

  /id                     the backend's name as text/plain (no newline)
  /echo...                JSON: method, target (raw), path, query, version, headers, body
                          length and sha256, connection id and request number on it
  /upload                 JSON {"sha256", "length", "chunked"} of the request body
                          (Content-Length or chunked)
  /download[?n=&te=&chunk=]
                          n bytes of deterministic content (pattern_bytes), with
                          Content-Length (te=cl, default) or chunked (te=chunked)
  /slow[?chunks=&interval_ms=]
                          chunked stream: one JSON line {"i", "t"} every interval_ms, "t"
                          is the time.time() at which the chunk was produced
  /delay[?ms=]            waits ms before sending the response headers
  /location[?to=&status=&url=]
                          redirect whose Location points at this backend itself (path `to`),
                          or at `url` verbatim
  /cookie                 two Set-Cookie headers with Path and Domain
  /status[?code=]         answers with that status code
  /health                 200 "ok", or the code set with /_ctl/health?code=
  /fault/close            reads the request, closes without a response
  /fault/close-mid-body   announces 100000 bytes, sends 1000, closes
  /fault/bad-status       "HTTP/1.1 abc Bad" status line
  /fault/no-http          a status line that is not HTTP at all
  /fault/garbage-headers  header lines without a colon and with control bytes
  /fault/cl-and-te        both Content-Length and Transfer-Encoding: chunked
  /fault/reset            TCP reset (SO_LINGER 0) instead of a response
  /fault/reset-mid-body   headers and part of the body, then a TCP reset
  /fault/split-head[?at=&pause_ms=&close=]
                          "HTTP/1.1 404 Not Found", X-Backend, X-Split and a 2-byte body
                          "nf", written in two pieces: the first `at` bytes, a pause of
                          pause_ms (default 200), then the rest; with close=1 the
                          connection is closed after the first piece instead
  /_ctl/stats             JSON counters: connections (that carried a non-control request),
                          requests, per-path counts; control requests are not counted
  /_ctl/reset             zeroes the counters
  /_ctl/health?code=      sets the status /health answers with

Every response carries "X-Backend: <name>".

Options that change connection handling for every request:
  --idle-timeout S           close a keep-alive connection idle for S seconds (silently,
                             as servers do)
  --max-requests-per-conn N  close after the N-th response although it was sent as
                             keep-alive (no "Connection: close")
  --close-reused             a request that is not the first on its connection is read and
                             then the connection is closed without a response (the race a
                             proxy must survive for idempotent requests)
"""

import argparse
import hashlib
import json
import socket
import socketserver
import struct
import sys
import threading
import time
import urllib.parse

PATTERN_PERIOD = 251  # prime, so the pattern never lines up with buffer sizes


def pattern_bytes(n, offset=0):
    """Deterministic content: byte i is (i + offset) % 251. Tests import this too."""
    block = bytes(range(PATTERN_PERIOD))
    start = offset % PATTERN_PERIOD
    rotated = block[start:] + block[:start]
    reps, rest = divmod(n, PATTERN_PERIOD)
    return rotated * reps + rotated[:rest]


def pattern_sha256(n):
    h = hashlib.sha256()
    done = 0
    step = PATTERN_PERIOD * 4096
    while done < n:
        k = min(step, n - done)
        h.update(pattern_bytes(k, done))
        done += k
    return h.hexdigest()


class BadRequest(Exception):
    pass


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.connections = 0
        self.accepted = 0
        self.requests = 0
        self.paths = {}

    def snapshot(self):
        with self.lock:
            return {
                "connections": self.connections,
                "accepted": self.accepted,
                "requests": self.requests,
                "paths": dict(self.paths),
            }


MAX_LINE = 65536
MAX_HEADERS = 200


class Handler(socketserver.BaseRequestHandler):
    """One TCP connection: a keep-alive loop of requests."""

    def setup(self):
        self.sock = self.request
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.rfile = self.sock.makefile("rb", buffering=65536)
        self.conn_counted = False
        self.conn_requests = 0
        self.close_after = False
        st = self.server.stats
        with st.lock:
            st.accepted += 1
            self.conn_id = self.server.next_conn_id
            self.server.next_conn_id += 1

    def finish(self):
        try:
            self.rfile.close()
        except OSError:
            pass

    # --- reading -------------------------------------------------------------------------

    def readline(self):
        line = self.rfile.readline(MAX_LINE + 1)
        if len(line) > MAX_LINE:
            raise BadRequest("line too long")
        return line

    def read_head(self):
        """Returns (method, target, version, headers) or None at a clean EOF."""
        opts = self.server.opts
        if self.conn_requests > 0 and opts.idle_timeout:
            self.sock.settimeout(opts.idle_timeout)
        else:
            self.sock.settimeout(opts.read_timeout)
        try:
            line = self.readline()
            while line in (b"\r\n", b"\n"):  # tolerated between requests
                line = self.readline()
        except socket.timeout:
            return None
        if not line:
            return None
        self.sock.settimeout(opts.read_timeout)
        parts = line.rstrip(b"\r\n").split(b" ")
        if len(parts) != 3:
            raise BadRequest("bad request line")
        method, target, version = (p.decode("latin-1") for p in parts)
        headers = []
        while True:
            h = self.readline()
            if h in (b"\r\n", b"\n", b""):
                break
            if len(headers) >= MAX_HEADERS or b":" not in h:
                raise BadRequest("bad header")
            name, _, value = h.decode("latin-1").partition(":")
            headers.append((name.strip(), value.strip()))
        return method, target, version, headers

    def read_body(self, headers):
        """Reads the request body into a sha256; returns (sha256 hex, length, chunked)."""
        te = header(headers, "transfer-encoding")
        cl = header(headers, "content-length")
        h = hashlib.sha256()
        n = 0
        if te is not None and "chunked" in te.lower():
            while True:
                size_line = self.readline()
                if not size_line:
                    raise BadRequest("eof in chunked body")
                size = int(size_line.split(b";")[0].strip(), 16)
                if size == 0:
                    while self.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    break
                left = size
                while left:
                    data = self.rfile.read(min(left, 1 << 20))
                    if not data:
                        raise BadRequest("eof in chunk")
                    h.update(data)
                    n += len(data)
                    left -= len(data)
                self.readline()  # CRLF after the chunk
            return h.hexdigest(), n, True
        if cl is not None:
            left = int(cl)
            while left:
                data = self.rfile.read(min(left, 1 << 20))
                if not data:
                    raise BadRequest("eof in body")
                h.update(data)
                n += len(data)
                left -= len(data)
        return h.hexdigest(), n, False

    # --- writing -------------------------------------------------------------------------

    def send_raw(self, data):
        self.sock.sendall(data)

    def respond(self, status, body=b"", ctype="text/plain", extra=(), reason=None,
                chunked=False):
        if isinstance(body, str):
            body = body.encode()
        reason = reason or REASONS.get(status, "Status")
        lines = [f"HTTP/1.1 {status} {reason}", f"X-Backend: {self.server.opts.name}",
                 f"Content-Type: {ctype}"]
        lines += [f"{k}: {v}" for k, v in extra]
        if chunked:
            lines.append("Transfer-Encoding: chunked")
        else:
            lines.append(f"Content-Length: {len(body)}")
        if self.close_after:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        if chunked:
            payload = (b"%x\r\n" % len(body) + body + b"\r\n" if body else b"") + b"0\r\n\r\n"
            self.send_raw(head + payload)
        else:
            self.send_raw(head + body)

    def json(self, obj, status=200):
        self.respond(status, json.dumps(obj, sort_keys=True) + "\n", "application/json")

    def reset(self):
        """Closes with RST instead of FIN."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()

    # --- the connection loop -------------------------------------------------------------

    def handle(self):
        opts = self.server.opts
        while True:
            try:
                head = self.read_head()
            except (BadRequest, ValueError, UnicodeError):
                self.close_after = True
                self.respond(400, "bad request\n")
                return
            except OSError:
                return
            if head is None:
                return
            method, target, version, headers = head
            self.conn_requests += 1
            path = target.split("?", 1)[0]
            control = "/_ctl/" in path
            st = self.server.stats
            if not control:
                with st.lock:
                    if not self.conn_counted:
                        st.connections += 1
                        self.conn_counted = True
                    st.requests += 1
                    st.paths[path] = st.paths.get(path, 0) + 1
            try:
                body = self.read_body(headers)
            except (BadRequest, ValueError, OSError):
                return
            conn_hdr = (header(headers, "connection") or "").lower()
            if version == "HTTP/1.0":
                self.close_after = "keep-alive" not in conn_hdr
            else:
                self.close_after = "close" in conn_hdr
            if opts.close_reused and self.conn_requests > 1 and not control:
                return  # the request was read; no answer at all
            try:
                keep = self.dispatch(method, target, version, headers, body)
            except OSError:
                return
            if not keep or self.close_after:
                return
            if (opts.max_requests_per_conn and not control
                    and self.conn_requests >= opts.max_requests_per_conn):
                return  # silently, although the response said keep-alive

    def dispatch(self, method, target, version, headers, body):
        """Serves one request. Returns False when the connection must end."""
        opts = self.server.opts
        path, _, query = target.partition("?")
        q = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
        self.query = q
        segs = [s for s in path.split("/") if s]
        ep = next((s for s in segs if s in ENDPOINTS), None)
        if "_ctl" in segs:
            return self.control(segs, q)
        if opts.service_ms:
            time.sleep(opts.service_ms / 1000.0)
        if ep == "id":
            self.respond(200, opts.name)
        elif ep == "echo":
            self.json({
                "name": opts.name, "method": method, "target": target, "path": path,
                "query": query, "version": version,
                "headers": [[k, v] for k, v in headers],
                "body_sha256": body[0], "body_length": body[1], "body_chunked": body[2],
                "conn_id": self.conn_id, "conn_requests": self.conn_requests,
            })
        elif ep == "upload":
            self.json({"sha256": body[0], "length": body[1], "chunked": body[2],
                       "name": opts.name})
        elif ep == "download":
            self.download(int(q.get("n", "1024")), q.get("te", "cl"),
                          int(q.get("chunk", "65536")))
        elif ep == "slow":
            self.slow(int(q.get("chunks", "5")), int(q.get("interval_ms", "300")))
        elif ep == "delay":
            time.sleep(int(q.get("ms", "1000")) / 1000.0)
            self.respond(200, "delayed")
        elif ep == "location":
            to = q.get("to", "/landing")
            loc = q.get("url") or f"http://127.0.0.1:{self.server.server_address[1]}{to}"
            self.respond(int(q.get("status", "302")), "moved\n",
                         extra=[("Location", loc), ("Content-Location", loc)])
        elif ep == "cookie":
            self.respond(200, "cookies\n", extra=[
                ("Set-Cookie", "sid=abc123; Path=/; Domain=127.0.0.1; HttpOnly"),
                ("Set-Cookie", "pref=dark; Path=/sub/; Domain=127.0.0.1"),
            ])
        elif ep == "status":
            code = int(q.get("code", "200"))
            self.respond(code, f"status {code}\n")
        elif ep == "health":
            code = self.server.health_code
            self.respond(code, "ok" if code < 400 else "down")
        elif ep == "fault":
            return self.fault(segs[segs.index("fault") + 1] if segs[-1] != "fault" else "")
        else:
            self.respond(200, f"{opts.name} {target}\n")
        return True

    def control(self, segs, q):
        st = self.server.stats
        what = segs[-1]
        if what == "stats":
            self.json(st.snapshot())
        elif what == "reset":
            with st.lock:
                st.reset()
            self.json({"reset": True})
        elif what == "health":
            self.server.health_code = int(q.get("code", "200"))
            self.json({"health": self.server.health_code})
        else:
            self.respond(404, "unknown control\n")
        return True

    def download(self, n, te, chunk):
        if te == "chunked":
            head = (f"HTTP/1.1 200 OK\r\nX-Backend: {self.server.opts.name}\r\n"
                    "Content-Type: application/octet-stream\r\n"
                    "Transfer-Encoding: chunked\r\n")
            if self.close_after:
                head += "Connection: close\r\n"
            self.send_raw((head + "\r\n").encode())
            done = 0
            while done < n:
                k = min(chunk, n - done)
                self.send_raw(b"%x\r\n" % k + pattern_bytes(k, done) + b"\r\n")
                done += k
            self.send_raw(b"0\r\n\r\n")
        else:
            head = (f"HTTP/1.1 200 OK\r\nX-Backend: {self.server.opts.name}\r\n"
                    f"Content-Type: application/octet-stream\r\nContent-Length: {n}\r\n")
            if self.close_after:
                head += "Connection: close\r\n"
            self.send_raw((head + "\r\n").encode())
            done = 0
            while done < n:
                k = min(chunk, n - done)
                self.send_raw(pattern_bytes(k, done))
                done += k

    def slow(self, chunks, interval_ms):
        head = (f"HTTP/1.1 200 OK\r\nX-Backend: {self.server.opts.name}\r\n"
                "Content-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n"
                "Cache-Control: no-cache\r\n")
        if self.close_after:
            head += "Connection: close\r\n"
        self.send_raw((head + "\r\n").encode())
        for i in range(chunks):
            if i:
                time.sleep(interval_ms / 1000.0)
            line = (json.dumps({"i": i, "t": time.time()}) + "\n").encode()
            self.send_raw(b"%x\r\n" % len(line) + line + b"\r\n")
        self.send_raw(b"0\r\n\r\n")

    def fault(self, kind):
        name = self.server.opts.name
        if kind == "close":
            return False
        if kind == "close-mid-body":
            self.send_raw(f"HTTP/1.1 200 OK\r\nX-Backend: {name}\r\nContent-Length: 100000\r\n"
                          "Content-Type: application/octet-stream\r\n\r\n".encode()
                          + pattern_bytes(1000))
            time.sleep(0.05)
            return False
        if kind == "bad-status":
            self.send_raw(f"HTTP/1.1 abc Bad\r\nX-Backend: {name}\r\nContent-Length: 2\r\n"
                          "\r\nok".encode())
            return False
        if kind == "no-http":
            self.send_raw(b"I am not an HTTP server\r\n\r\nreally\r\n")
            return False
        if kind == "garbage-headers":
            self.send_raw(f"HTTP/1.1 200 OK\r\nX-Backend: {name}\r\nThis is not a header\r\n"
                          "\x01\x02\x7f: binary\r\nContent-Length: 2\r\n\r\nok".encode("latin-1"))
            return False
        if kind == "cl-and-te":
            body = b"b\r\nhello world\r\n0\r\n\r\n"
            self.send_raw(f"HTTP/1.1 200 OK\r\nX-Backend: {name}\r\nContent-Length: 5\r\n"
                          "Transfer-Encoding: chunked\r\n\r\n".encode() + body)
            return False
        if kind == "reset":
            self.reset()
            return False
        if kind == "reset-mid-body":
            self.send_raw(f"HTTP/1.1 200 OK\r\nX-Backend: {name}\r\nContent-Length: 100000\r\n"
                          "\r\n".encode() + pattern_bytes(1000))
            time.sleep(0.05)
            self.reset()
            return False
        if kind == "split-head":
            head = split_head_response(name)
            at = min(int(self.query.get("at", "12")), len(head))
            self.send_raw(head[:at])
            time.sleep(int(self.query.get("pause_ms", "200")) / 1000.0)
            if self.query.get("close") == "1":
                return False
            self.send_raw(head[at:])
            return False
        self.respond(404, f"unknown fault {kind!r}\n")
        return True


def split_head_response(name):
    """The response /fault/split-head writes in two pieces (tests pick split points in it)."""
    return (f"HTTP/1.1 404 Not Found\r\nX-Backend: {name}\r\nX-Split: yes\r\n"
            "Content-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n"
            "\r\nnf").encode()


ENDPOINTS = {"id", "echo", "upload", "download", "slow", "delay", "location", "cookie",
             "status", "health", "fault", "_ctl"}

REASONS = {200: "OK", 201: "Created", 204: "No Content", 301: "Moved Permanently",
           302: "Found", 303: "See Other", 307: "Temporary Redirect", 400: "Bad Request",
           404: "Not Found", 500: "Internal Server Error", 502: "Bad Gateway",
           503: "Service Unavailable", 504: "Gateway Timeout"}


def header(headers, name):
    name = name.lower()
    for k, v in headers:
        if k.lower() == name:
            return v
    return None


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, opts):
        self.opts = opts
        self.stats = Stats()
        self.next_conn_id = 1
        self.health_code = 200
        super().__init__((opts.bind, opts.port), Handler)

    def handle_error(self, request, client_address):
        # Broken connections are part of the job here; keep stderr for real surprises.
        exc = sys.exc_info()[1]
        if not isinstance(exc, (OSError, BadRequest)):
            super().handle_error(request, client_address)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--name", default="misbehave")
    ap.add_argument("--idle-timeout", type=float, default=0.0)
    ap.add_argument("--max-requests-per-conn", type=int, default=0)
    ap.add_argument("--close-reused", action="store_true")
    ap.add_argument("--read-timeout", type=float, default=30.0)
    ap.add_argument("--service-ms", type=int, default=0,
                    help="every request waits this long before its answer (a slower member)")
    opts = ap.parse_args(argv)
    srv = Server(opts)
    print(f"LISTENING {srv.server_address[1]}", flush=True)
    try:
        srv.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        srv.server_close()


if __name__ == "__main__":
    main()
