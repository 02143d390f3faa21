#!/usr/bin/env python3
"""A misbehaving AJP13 container for integration tests (Python stdlib only).

Real Tomcat never splits its packets in odd places or stops half way through a header
packet; this one does, on request, so the tests can show what the proxy makes of it.

Listens on 127.0.0.1; with --port 0 it picks a free port and prints "LISTENING <port>".
One request per connection: it reads the FORWARD_REQUEST packet, answers, ends with
END_RESPONSE (reuse=0) and closes. CPING is answered with CPONG.

What it answers is chosen by the request path (the `req_uri` of FORWARD_REQUEST):

  /split/AT/PAUSE_MS        the response below written in two pieces: its first AT bytes,
                            a pause of PAUSE_MS, then the rest
  /split/AT/PAUSE_MS/close  the first AT bytes, the pause, then a close
  anything else             200 "<name> <uri>"

The split response is SEND_HEADERS(404 "Not Found", Content-Type: text/plain,
Content-Length: 2, X-Backend: <name>, X-Split: yes), SEND_BODY_CHUNK("nf"),
END_RESPONSE(reuse=0). `--print-layout` prints the byte offsets where each packet ends,
so tests can choose split points inside and between packets.
"""

import argparse
import json
import socket
import socketserver
import struct
import sys
import time

CONTENT_TYPE = 0xA001
CONTENT_LENGTH = 0xA003


def ajp_string(text):
    data = text.encode("latin-1")
    return struct.pack(">H", len(data)) + data + b"\x00"


def packet(payload):
    return b"AB" + struct.pack(">H", len(payload)) + payload


def send_headers(status, reason, headers):
    out = bytes([4]) + struct.pack(">H", status) + ajp_string(reason)
    out += struct.pack(">H", len(headers))
    for name, value in headers:
        if isinstance(name, int):
            out += struct.pack(">H", name)
        else:
            out += ajp_string(name)
        out += ajp_string(value)
    return packet(out)


def body_chunk(data):
    return packet(bytes([3]) + struct.pack(">H", len(data)) + data + b"\x00")


def end_response():
    return packet(bytes([5, 0]))


def split_response(name):
    """The packets of the split response, each as bytes."""
    return [
        send_headers(404, "Not Found", [(CONTENT_TYPE, "text/plain"), (CONTENT_LENGTH, "2"),
                                        ("X-Backend", name), ("X-Split", "yes")]),
        body_chunk(b"nf"),
        end_response(),
    ]


def read_exact(sock_file, n):
    data = sock_file.read(n)
    if data is None or len(data) < n:
        raise EOFError
    return data


def read_packet(sock_file):
    head = read_exact(sock_file, 4)
    if head[:2] != b"\x12\x34":
        raise ValueError("not an AJP packet")
    (length,) = struct.unpack(">H", head[2:])
    return read_exact(sock_file, length)


def request_uri(payload):
    """The req_uri of a FORWARD_REQUEST payload: code, method, protocol, then the URI."""
    pos = 2
    (n,) = struct.unpack(">H", payload[pos:pos + 2])
    pos += 2 + n + 1
    (n,) = struct.unpack(">H", payload[pos:pos + 2])
    return payload[pos + 2:pos + 2 + n].decode("latin-1")


class Handler(socketserver.StreamRequestHandler):
    def handle(self):
        name = self.server.name
        try:
            while True:
                payload = read_packet(self.rfile)
                if payload[:1] == b"\x0a":  # CPING
                    self.wfile.write(packet(b"\x09"))
                    self.wfile.flush()
                    continue
                if payload[:1] != b"\x02":
                    return
                uri = request_uri(payload)
                break
        except (EOFError, ValueError, struct.error, ConnectionError):
            return
        segs = [s for s in uri.split("/") if s]
        if len(segs) >= 3 and segs[0] == "split":
            data = b"".join(split_response(name))
            at = min(int(segs[1]), len(data))
            self.wfile.write(data[:at])
            self.wfile.flush()
            time.sleep(int(segs[2]) / 1000.0)
            if len(segs) >= 4 and segs[3] == "close":
                return
            self.wfile.write(data[at:])
            self.wfile.flush()
            return
        body = f"{name} {uri}".encode()
        self.wfile.write(send_headers(200, "OK", [(CONTENT_TYPE, "text/plain"),
                                                 (CONTENT_LENGTH, str(len(body)))])
                         + body_chunk(body) + end_response())
        self.wfile.flush()


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--name", default="ajpmb")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--print-layout", action="store_true",
                        help="print the end offsets of the split response's packets as JSON")
    opts = parser.parse_args(argv)
    if opts.print_layout:
        ends, total = [], 0
        for p in split_response(opts.name):
            total += len(p)
            ends.append(total)
        print(json.dumps(ends))
        return 0
    server = Server(("127.0.0.1", opts.port), Handler)
    server.name = opts.name
    print(f"LISTENING {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
