#include "http/response_parser.h"

#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <vector>

namespace cxxb::http {
namespace {

using namespace std::string_literals;

/** Records events in order; body pieces are joined, since their cut depends on the split. */
class Recorder : public ResponseSink {
 public:
  void onInformational(const ResponseHead& info) override {
    informational.push_back(info);
    events += "info:" + std::to_string(info.status) + ";";
  }
  void onHead(ResponseHead&& h) override {
    events += "head:" + std::to_string(h.status) + ";";
    head = std::move(h);
  }
  void onBody(std::string_view data) override {
    // No copy: every piece points into the buffer handed to execute(), and none is empty.
    CHECK(!data.empty());
    CHECK(data.data() >= buffer.data());
    CHECK(data.data() + data.size() <= buffer.data() + buffer.size());
    body.append(data);
    if (events.empty() || events.back() != '~') {
      events += "body~";
    }
  }
  void onComplete() override {
    events += ";complete;";
    ++completes;
  }

  std::string_view buffer;  ///< the piece being fed
  std::vector<ResponseHead> informational;
  std::optional<ResponseHead> head;
  std::string body;
  std::string events;
  int completes = 0;
};

/** What a whole run produced; must not depend on how the input was split. */
struct Outcome {
  std::string events;
  std::string body;
  std::string error;
  size_t consumed = 0;
  bool complete = false;
  bool keepAlive = false;
  BodyFraming framing = BodyFraming::None;
  int64_t contentLength = -1;
  bool operator==(const Outcome&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Outcome& o) {
  return os << "{events=" << o.events << " body=" << o.body << " error=" << o.error
            << " consumed=" << o.consumed << " complete=" << o.complete
            << " keepAlive=" << o.keepAlive << " framing=" << static_cast<int>(o.framing)
            << " cl=" << o.contentLength << "}";
}

/** Feeds `input` cut at `cuts` (ascending offsets), as a connector would feed reads. */
Outcome run(std::string_view input, const std::vector<size_t>& cuts, bool head = false,
            bool eof = false, ParserLimits limits = {}) {
  ResponseParser parser(limits);
  parser.reset(head);
  Recorder sink;
  size_t start = 0;
  size_t consumed = 0;
  std::vector<size_t> ends = cuts;
  ends.push_back(input.size());
  for (size_t end : ends) {
    if (end < start) {
      continue;
    }
    // Copy each piece so that a view kept past its call would be caught by ASan.
    std::string piece(input.substr(start, end - start));
    sink.buffer = piece;
    size_t n = parser.execute(piece, sink);
    REQUIRE(n <= piece.size());
    consumed += n;
    start = end;
    if (n < piece.size()) {
      // Only completion or failure may leave bytes unconsumed.
      REQUIRE((parser.complete() || parser.failed()));
      break;
    }
  }
  if (eof) {
    parser.finishOnEof(sink);
  }
  CHECK(sink.completes == (parser.complete() ? 1 : 0));
  return Outcome{sink.events,       sink.body,          parser.error(),   consumed,
                 parser.complete(), parser.keepAlive(), parser.framing(), parser.contentLength()};
}

Outcome runWhole(std::string_view input, bool head = false, bool eof = false) {
  return run(input, {}, head, eof);
}

/** Every split into two and three pieces, and one byte at a time, must give `expected`. */
void checkAllSplits(std::string_view input, const Outcome& expected, bool head = false,
                    bool eof = false, bool threeWay = true) {
  std::vector<size_t> bytewise;
  for (size_t i = 1; i < input.size(); ++i) {
    bytewise.push_back(i);
  }
  CHECK(run(input, bytewise, head, eof) == expected);
  for (size_t i = 0; i <= input.size(); ++i) {
    Outcome got = run(input, {i}, head, eof);
    if (!(got == expected)) {
      FAIL("split at " << i << ": " << got << " != " << expected);
    }
    if (!threeWay) {
      continue;
    }
    for (size_t j = i; j <= input.size(); ++j) {
      Outcome got3 = run(input, {i, j}, head, eof);
      if (!(got3 == expected)) {
        FAIL("split at " << i << "," << j << ": " << got3 << " != " << expected);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------
// Good responses

struct Good {
  const char* name;
  std::string input;
  bool head;  ///< request was HEAD
  bool eof;   ///< connection closes after the input
  std::string events;
  std::string body;
  BodyFraming framing;
  bool keepAlive;
  int64_t contentLength;
  size_t leftover;  ///< bytes after the message, not consumed
};

std::vector<Good> goodResponses() {
  using F = BodyFraming;
  const std::string head200 = "head:200;";
  const std::string done = ";complete;";
  return {
      {"content-length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", false, false,
       head200 + "body~" + done, "hello", F::ContentLength, true, 5, 0},
      {"content-length zero", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false, false,
       head200 + done, "", F::ContentLength, true, 0, 0},
      {"chunked with extensions and trailers",
       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
       "5\r\nhello\r\n6;name=value;q=\"x \\\" y\"\r\n world\r\n"
       "0;last\r\nX-Trailer: 1\r\nX-Other: two\r\n\r\n",
       false, false, head200 + "body~" + done, "hello world", F::Chunked, true, -1, 0},
      {"chunked upper-case hex and leading zeros",
       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n000A\r\n0123456789\r\n0\r\n\r\n",
       false, false, head200 + "body~" + done, "0123456789", F::Chunked, true, -1, 0},
      {"chunked BWS after size and around extensions",
       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
       "3 \r\nabc\r\n2 ; a = b ;c\r\nde\r\n0\t\r\n\r\n",
       false, false, head200 + "body~" + done, "abcde", F::Chunked, true, -1, 0},
      {"chunked with bare LF everywhere",
       "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n3\nabc\n0\nT: x\n\n", false, false,
       head200 + "body~" + done, "abc", F::Chunked, true, -1, 0},
      {"chunked, empty", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", false,
       false, head200 + done, "", F::Chunked, true, -1, 0},
      {"chunked, coding names case-insensitive",
       "HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, CHUNKED\r\n\r\n1\r\nz\r\n0\r\n\r\n", false,
       false, head200 + "body~" + done, "z", F::Chunked, true, -1, 0},
      {"chunked as the last of two Transfer-Encoding lines",
       "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: ,chunked,\r\n\r\n"
       "1\r\nz\r\n0\r\n\r\n",
       false, false, head200 + "body~" + done, "z", F::Chunked, true, -1, 0},
      {"close-delimited", "HTTP/1.1 200 OK\r\nServer: x\r\n\r\nuntil the end", false, true,
       head200 + "body~" + done, "until the end", F::UntilClose, false, -1, 0},
      {"close-delimited, empty body", "HTTP/1.1 200 OK\r\n\r\n", false, true, head200 + done, "",
       F::UntilClose, false, -1, 0},
      {"transfer-coding other than chunked is close-delimited",
       "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n\x1f\x8b", false, true,
       head200 + "body~" + done, "\x1f\x8b", F::UntilClose, false, -1, 0},
      {"chunked not final is close-delimited",
       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\nraw", false, true,
       head200 + "body~" + done, "raw", F::UntilClose, false, -1, 0},
      {"100-continue then 200",
       "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false, false,
       "info:100;" + head200 + "body~" + done, "ok", F::ContentLength, true, 2, 0},
      {"two 103 early hints then 200",
       "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
       "HTTP/1.1 103 Early Hints\r\nLink: </b.js>; rel=preload\r\n\r\n"
       "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx",
       false, false, "info:103;info:103;" + head200 + "body~" + done, "x", F::ContentLength, true,
       1, 0},
      {"1xx framing headers are ignored",
       "HTTP/1.1 100 Continue\r\nContent-Length: 7\r\nTransfer-Encoding: chunked\r\n\r\n"
       "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx",
       false, false, "info:100;" + head200 + "body~" + done, "x", F::ContentLength, true, 1, 0},
      {"204 has no body; the next bytes are not ours",
       "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\n", false, false,
       "head:204;" + done, "", F::None, true, 0, 17},
      {"204 ignores a Transfer-Encoding",
       "HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n", false, false,
       "head:204;" + done, "", F::None, true, -1, 0},
      {"304 with Content-Length has no body",
       "HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\nETag: \"x\"\r\n\r\n", false, false,
       "head:304;" + done, "", F::None, true, 100, 0},
      {"response to HEAD has no body", "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n", true,
       false, head200 + done, "", F::None, true, 1234, 0},
      {"response to HEAD, chunked announced",
       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", true, false, head200 + done, "",
       F::None, true, -1, 0},
      {"response to HEAD after 100",
       "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n", true, false,
       "info:100;" + head200 + done, "", F::None, true, 9, 0},
      {"101 switching protocols stops at the head",
       "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
       "\x81\x05hello",
       false, false, "head:101;" + done, "", F::None, false, -1, 7},
      {"HTTP/1.0 closes by default", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", false, false,
       head200 + "body~" + done, "ok", F::ContentLength, false, 2, 0},
      {"HTTP/1.0 keep-alive",
       "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok", false, false,
       head200 + "body~" + done, "ok", F::ContentLength, true, 2, 0},
      {"HTTP/1.0 close-delimited", "HTTP/1.0 200 OK\r\n\r\nabc", false, true,
       head200 + "body~" + done, "abc", F::UntilClose, false, -1, 0},
      {"Connection: close", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
       false, false, head200 + "body~" + done, "ok", F::ContentLength, false, 2, 0},
      {"Connection: close among other tokens",
       "HTTP/1.1 200 OK\r\nConnection: x-foo\r\nConnection: te, CLOSE \r\nContent-Length: "
       "0\r\n\r\n",
       false, false, head200 + done, "", F::ContentLength, false, 0, 0},
      {"bare LF line ends", "HTTP/1.1 200 OK\nContent-Length: 2\n\nok", false, false,
       head200 + "body~" + done, "ok", F::ContentLength, true, 2, 0},
      {"identical duplicate Content-Length",
       "HTTP/1.1 200 OK\r\nContent-Length: 3\r\ncontent-length: 3\r\n\r\nabc", false, false,
       head200 + "body~" + done, "abc", F::ContentLength, true, 3, 0},
      {"identical Content-Length list", "HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\n\r\nabc", false,
       false, head200 + "body~" + done, "abc", F::ContentLength, true, 3, 0},
      {"Content-Length with leading zeros", "HTTP/1.1 200 OK\r\nContent-Length: 003\r\n\r\nabc",
       false, false, head200 + "body~" + done, "abc", F::ContentLength, true, 3, 0},
      {"extra bytes after a Content-Length body are left",
       "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1", false, false,
       head200 + "body~" + done, "ok", F::ContentLength, true, 2, 8},
      {"extra bytes after a chunked body are left",
       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nXYZ", false, false,
       head200 + done, "", F::Chunked, true, -1, 3},
      {"status line without reason", "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", false, false,
       head200 + done, "", F::ContentLength, true, 0, 0},
      {"status line with empty reason", "HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n", false, false,
       "head:404;" + done, "", F::ContentLength, true, 0, 0},
      {"status 599", "HTTP/1.1 599 Whatever\r\nContent-Length: 0\r\n\r\n", false, false,
       "head:599;" + done, "", F::ContentLength, true, 0, 0},
      {"binary body with CR, LF and NUL",
       "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n\r\n\0\r\n\0"s, false, false,
       head200 + "body~" + done, "\r\n\0\r\n\0"s, F::ContentLength, true, 6, 0},
  };
}

TEST_CASE("response parser: good responses", "[http][parser]") {
  for (const Good& g : goodResponses()) {
    INFO(g.name);
    Outcome expected{g.events, g.body,      "",        g.input.size() - g.leftover,
                     true,     g.keepAlive, g.framing, g.contentLength};
    CHECK(runWhole(g.input, g.head, g.eof) == expected);
  }
}

TEST_CASE("response parser: every split of the input gives the same result", "[http][parser]") {
  for (const Good& g : goodResponses()) {
    INFO(g.name);
    Outcome expected = runWhole(g.input, g.head, g.eof);
    REQUIRE(expected.complete);
    // Three-way splits are quadratic in length: all of them for the shorter messages.
    checkAllSplits(g.input, expected, g.head, g.eof, g.input.size() <= 160);
  }
}

TEST_CASE("response parser: head fields", "[http][parser]") {
  ResponseParser parser;
  Recorder sink;
  std::string input =
      "HTTP/1.1 201 Created Here\r\n"
      "Location:   /x  \r\n"
      "X-Empty:\r\n"
      "X-Tab:\tvalue\twith\ttabs\t\r\n"
      "X-Obs: caf\xc3\xa9\r\n"
      "Set-Cookie: a=1\r\n"
      "Set-Cookie: b=2\r\n"
      "Content-Length: 0\r\n\r\n";
  sink.buffer = input;
  CHECK(parser.execute(input, sink) == input.size());
  REQUIRE(sink.head);
  CHECK(sink.head->status == 201);
  CHECK(sink.head->versionMinor == 1);
  CHECK(sink.head->reason == "Created Here");
  Headers expected{{"Location", "/x"},       {"X-Empty", ""},       {"X-Tab", "value\twith\ttabs"},
                   {"X-Obs", "caf\xc3\xa9"}, {"Set-Cookie", "a=1"}, {"Set-Cookie", "b=2"},
                   {"Content-Length", "0"}};
  CHECK(sink.head->headers == expected);
  CHECK(parser.headComplete());
  CHECK(parser.complete());
}

TEST_CASE("response parser: informational heads carry their fields", "[http][parser]") {
  ResponseParser parser;
  Recorder sink;
  std::string input =
      "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
      "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n";
  sink.buffer = input;
  parser.execute(input, sink);
  REQUIRE(sink.informational.size() == 1);
  CHECK(sink.informational[0].status == 103);
  CHECK(sink.informational[0].reason == "Early Hints");
  CHECK(sink.informational[0].headers == Headers{{"Link", "</style.css>; rel=preload"}});
  REQUIRE(sink.head);
  CHECK(sink.head->versionMinor == 0);
  CHECK(sink.head->headers == Headers{{"Content-Length", "0"}});
}

// ---------------------------------------------------------------------------------------
// Bad responses

struct Bad {
  std::string input;
  std::string error;  ///< substring of error()
  bool head = false;
};

std::vector<Bad> badResponses() {
  const std::string ok = "HTTP/1.1 200 OK\r\n";
  const std::string chunked = ok + "Transfer-Encoding: chunked\r\n\r\n";
  return {
      // Status line
      {"HTTP/1.1 200OK\r\n\r\n", "invalid status line"},
      {"HTTP/1.2 200 OK\r\n\r\n", "invalid status line"},
      {"HTTP/2 200 OK\r\n\r\n", "invalid status line"},
      {"HTTP/1.1 20 OK\r\n\r\n", "invalid status line"},
      {"HTTP/1.1 2000 OK\r\n\r\n", "invalid status line"},
      {"HTTP/1.1 20x OK\r\n\r\n", "invalid status line"},
      {"HTTP/1.1  200 OK\r\n\r\n", "invalid status line"},
      {"HTTP/1.1\t200 OK\r\n\r\n", "invalid status line"},
      {"http/1.1 200 OK\r\n\r\n", "invalid status line"},
      {" HTTP/1.1 200 OK\r\n\r\n", "invalid status line"},
      {"\r\nHTTP/1.1 200 OK\r\n\r\n", "invalid status line"},
      {"ICY 200 OK\r\n\r\n", "invalid status line"},
      {"HTTP/1.1 -20 OK\r\n\r\n", "invalid status line"},
      {"HTTP/1.1 099 Low\r\n\r\n", "status code out of range"},
      {"HTTP/1.1 600 High\r\n\r\n", "status code out of range"},
      {"HTTP/1.1 000 Zero\r\n\r\n", "status code out of range"},
      {"HTTP/1.1 200 O\0K\r\n\r\n"s, "reason phrase"},
      {"HTTP/1.1 200 O\rK\r\n\r\n", "reason phrase"},
      {"HTTP/1.1 200 OK\r\r\n\r\n", "reason phrase"},
      {"HTTP/1.1 200 O\x01K\r\n\r\n", "reason phrase"},
      {"<html>hello</html>\n", "invalid status line"},
      // Field lines
      {ok + " Folded: x\r\n\r\n", "obsolete line folding"},
      {ok + "A: b\r\n c\r\n\r\n", "obsolete line folding"},
      {ok + "A: b\r\n\tc\r\n\r\n", "obsolete line folding"},
      {ok + "Content-Length : 5\r\n\r\nhello", "whitespace between header name and colon"},
      {ok + "Content-Length\t: 5\r\n\r\nhello", "whitespace between header name and colon"},
      {ok + "X y: z\r\n\r\n", "invalid character in header name"},
      {ok + "X\"y: z\r\n\r\n", "invalid character in header name"},
      {ok + "X\xc3\xa9: z\r\n\r\n", "invalid character in header name"},
      {ok + "X\0Y: z\r\n\r\n"s, "invalid character in header name"},
      {ok + "NoColon\r\n\r\n", "without colon"},
      {ok + ": empty\r\n\r\n", "empty header name"},
      {ok + "X: a\0b\r\n\r\n"s, "invalid character in header value"},
      {ok + "X: a\rb\r\n\r\n", "invalid character in header value"},
      {ok + "X: a\r\r\n\r\n", "invalid character in header value"},
      {ok + "X: \x01\r\n\r\n", "invalid character in header value"},
      {ok + "X: a\x7f\r\n\r\n", "invalid character in header value"},
      {ok + "X: a\x1b[31m\r\n\r\n", "invalid character in header value"},
      {ok + "X: a\r\n\r\r\n", "without colon"},
      // Content-Length
      {ok + "Content-Length: abc\r\n\r\n", "invalid Content-Length"},
      {ok + "Content-Length: -1\r\n\r\n", "invalid Content-Length"},
      {ok + "Content-Length: +5\r\n\r\n", "invalid Content-Length"},
      {ok + "Content-Length: 5 5\r\n\r\n", "invalid Content-Length"},
      {ok + "Content-Length: 0x5\r\n\r\n", "invalid Content-Length"},
      {ok + "Content-Length: 5,\r\n\r\n", "invalid Content-Length"},
      {ok + "Content-Length:\r\n\r\n", "invalid Content-Length"},
      {ok + "Content-Length: 99999999999999999999\r\n\r\n", "invalid Content-Length"},
      {ok + "Content-Length: 9223372036854775808\r\n\r\n", "invalid Content-Length"},
      {ok + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello", "conflicting Content-Length"},
      {ok + "Content-Length: 5, 6\r\n\r\nhello", "conflicting Content-Length"},
      {ok + "Content-Length: 5\r\nContent-Length: 6\r\n\r\n", "conflicting Content-Length", true},
      // Transfer-Encoding
      {ok + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
       "both Transfer-Encoding and Content-Length"},
      {ok + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
       "both Transfer-Encoding and Content-Length"},
      {ok + "Content-Length: 5\r\nTransfer-Encoding: gzip\r\n\r\nhello",
       "both Transfer-Encoding and Content-Length"},
      {ok + "Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", "more than once"},
      {ok + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
       "more than once"},
      {ok + "Transfer-Encoding: chunked;q=1\r\n\r\n0\r\n\r\n", "invalid Transfer-Encoding"},
      {ok + "Transfer-Encoding: \"chunked\"\r\n\r\n0\r\n\r\n", "invalid Transfer-Encoding"},
      {ok + "Transfer-Encoding: chun ked\r\n\r\n", "invalid Transfer-Encoding"},
      {ok + "Transfer-Encoding:\r\n\r\n", "empty Transfer-Encoding"},
      {ok + "Transfer-Encoding: , ,\r\n\r\n", "empty Transfer-Encoding"},
      {"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "HTTP/1.0"},
      // Chunked body
      {chunked + "xyz\r\n", "invalid chunk size line"},
      {chunked + "\r\n", "invalid chunk size line"},
      {chunked + " 5\r\nhello\r\n0\r\n\r\n", "invalid chunk size line"},
      {chunked + "-5\r\n", "invalid chunk size line"},
      {chunked + "0x5\r\n", "invalid chunk size line"},
      {chunked + "5;\r\nhello\r\n", "invalid chunk size line"},
      {chunked + "5;=x\r\nhello\r\n", "invalid chunk size line"},
      {chunked + "5;a=\r\nhello\r\n", "invalid chunk size line"},
      {chunked + "5;a=\"open\r\nhello\r\n", "invalid chunk size line"},
      {chunked + "5;a=\"x\"y\r\nhello\r\n", "invalid chunk size line"},
      {chunked + "5;a b\r\nhello\r\n", "invalid chunk size line"},
      {chunked + "5 6\r\nhello\r\n", "invalid chunk size line"},
      {chunked + "5\rx\r\nhello\r\n", "invalid chunk size line"},
      {chunked + "5;a=\x01\r\nhello\r\n", "invalid chunk size line"},
      {chunked + "5;a=\"x\x01\"\r\nhello\r\n", "invalid chunk size line"},
      {chunked + "5;a=\"x\\\x01\"\r\nhello\r\n", "invalid chunk size line"},
      {chunked + "5;a=\"x\\\r\nhello\r\n", "invalid chunk size line"},
      {chunked + "5\0\r\nhello\r\n"s, "invalid chunk size line"},
      {chunked + "10000000000000000\r\n", "chunk size overflow"},
      {chunked + "fffffffffffffffff\r\n", "chunk size overflow"},
      {chunked + "5\r\nhelloX\r\n0\r\n\r\n", "missing CRLF after chunk data"},
      {chunked + "5\r\nhelloXY0\r\n\r\n", "missing CRLF after chunk data"},
      {chunked + "5\r\nhello\r\r\n0\r\n\r\n", "missing CRLF after chunk data"},
      {chunked + "5\r\nhello\n\n0\r\n\r\n", "invalid chunk size line"},
      {chunked + "0\r\nbad trailer\r\n\r\n", "without colon (trailer)"},
      {chunked + "0\r\n folded: x\r\n\r\n", "obsolete line folding in header (trailer)"},
      {chunked + "0\r\nX: a\0\r\n\r\n"s, "invalid character in header value (trailer)"},
  };
}

TEST_CASE("response parser: bad responses fail whatever the split", "[http][parser]") {
  for (const Bad& b : badResponses()) {
    INFO(b.input);
    Outcome whole = runWhole(b.input, b.head);
    CHECK(!whole.complete);
    CHECK(!whole.keepAlive);
    CHECK_THAT(whole.error, Catch::Contains(b.error));
    // Split variants must agree (the head may have been reported before the error).
    std::vector<size_t> bytewise;
    for (size_t i = 1; i < b.input.size(); ++i) {
      bytewise.push_back(i);
    }
    CHECK(run(b.input, bytewise, b.head).error == whole.error);
    for (size_t i = 0; i <= b.input.size(); ++i) {
      Outcome split = run(b.input, {i}, b.head);
      CHECK(split.error == whole.error);
      CHECK(split.events == whole.events);
    }
  }
}

TEST_CASE("response parser: execute does nothing after failure or completion", "[http][parser]") {
  Recorder sink;
  ResponseParser parser;
  std::string bad = "NOT HTTP\r\n";
  sink.buffer = bad;
  parser.execute(bad, sink);
  REQUIRE(parser.failed());
  std::string more = "HTTP/1.1 200 OK\r\n\r\n";
  sink.buffer = more;
  CHECK(parser.execute(more, sink) == 0);
  CHECK(sink.events.empty());
  parser.finishOnEof(sink);  // keeps the first error
  CHECK(parser.error() == "invalid status line");

  parser.reset(false);
  std::string good = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
  sink.buffer = good;
  CHECK(parser.execute(good, sink) == good.size());
  CHECK(parser.complete());
  CHECK(parser.execute(good, sink) == 0);
  parser.finishOnEof(sink);
  CHECK(sink.completes == 1);
  CHECK(!parser.failed());
}

TEST_CASE("response parser: one parser reads pipelined responses with reset", "[http][parser]") {
  std::string input =
      "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n0\r\n\r\n"
      "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n"  // response to a HEAD
      "HTTP/1.1 404 Not Found\r\nContent-Length: 1\r\n\r\nf";
  ResponseParser parser;
  Recorder sink;
  sink.buffer = input;
  std::string_view rest = input;
  const bool heads[] = {false, false, true, false};
  for (bool head : heads) {
    parser.reset(head);
    size_t n = parser.execute(rest, sink);
    REQUIRE(parser.complete());
    CHECK(parser.keepAlive());
    rest.remove_prefix(n);
  }
  CHECK(rest.empty());
  CHECK(sink.body == "abcdef");
  CHECK(sink.events ==
        "head:200;body~;complete;head:200;body~;complete;head:200;;complete;head:404;body~;"
        "complete;");
}

TEST_CASE("response parser: end of connection", "[http][parser]") {
  SECTION("before any byte: the stale keep-alive case") {
    Outcome o = run("", {}, false, true);
    CHECK(o.error == "connection closed before any response byte");
    ResponseParser parser;
    Recorder sink;
    parser.finishOnEof(sink);
    CHECK(!parser.started());
    CHECK(parser.failed());
  }
  SECTION("inside the head") {
    for (const char* input : {"H", "HTTP/1.1 200 OK\r\n", "HTTP/1.1 200 OK\r\nX: y\r\n\r",
                              "HTTP/1.1 100 Continue\r\n\r\n"}) {
      INFO(input);
      CHECK(run(input, {}, false, true).error == "connection closed inside the response head");
    }
  }
  SECTION("inside a Content-Length body") {
    Outcome o = run("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", {}, false, true);
    CHECK(o.error == "connection closed with 7 bytes of Content-Length body missing");
    CHECK(o.body == "abc");
    CHECK(o.events == "head:200;body~");
  }
  SECTION("inside a chunked body") {
    std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (const std::string& tail :
         {""s, "5"s, "5\r\nhel"s, "5\r\nhello"s, "5\r\nhello\r\n"s, "0\r\n"s, "0\r\nX: y\r\n"s}) {
      INFO(tail);
      CHECK(run(head + tail, {}, false, true).error == "connection closed inside the chunked body");
    }
  }
  SECTION("started() turns true with the first byte") {
    ResponseParser parser;
    Recorder sink;
    std::string one = "H";
    sink.buffer = one;
    parser.execute("", sink);
    CHECK(!parser.started());
    parser.execute(one, sink);
    CHECK(parser.started());
  }
}

TEST_CASE("response parser: limits", "[http][parser]") {
  const std::string input =
      "HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3;ext=1\r\nabc\r\n0\r\nT: 1\r\nU: 2\r\n\r\n";
  const size_t headSize = input.find("\r\n\r\n") + 4;
  const size_t chunkLine = std::string("3;ext=1\r\n").size();
  const size_t trailerSize = std::string("T: 1\r\nU: 2\r\n\r\n").size();

  SECTION("head size: exactly at the limit passes, one byte less fails, any split") {
    ParserLimits limits;
    limits.maxHeadBytes = headSize;
    CHECK(run(input, {}, false, false, limits).complete);
    limits.maxHeadBytes = headSize - 1;
    for (size_t cut = 0; cut <= input.size(); ++cut) {
      CHECK(run(input, {cut}, false, false, limits).error == "response head too large");
    }
  }
  SECTION("a long line without end is refused before it is buffered whole") {
    ParserLimits limits;
    limits.maxHeadBytes = 100;
    std::string endless = "HTTP/1.1 200 OK\r\nX: " + std::string(200, 'a');
    CHECK(run(endless, {30}, false, false, limits).error == "response head too large");
  }
  SECTION("header count") {
    ParserLimits limits;
    limits.maxHeaderCount = 3;
    CHECK(run(input, {}, false, false, limits).complete);
    limits.maxHeaderCount = 2;
    CHECK(run(input, {}, false, false, limits).error == "too many header fields");
  }
  SECTION("chunk size line") {
    ParserLimits limits;
    limits.maxChunkLineBytes = chunkLine;
    CHECK(run(input, {}, false, false, limits).complete);
    limits.maxChunkLineBytes = chunkLine - 1;
    for (size_t cut = 0; cut <= input.size(); ++cut) {
      CHECK(run(input, {cut}, false, false, limits).error == "chunk size line too long");
    }
  }
  SECTION("trailer section size and count") {
    ParserLimits limits;
    limits.maxHeadBytes = std::max(headSize, trailerSize);
    CHECK(run(input, {}, false, false, limits).complete);
    std::string bigTrailer =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: " + std::string(100, 'x') +
        "\r\n\r\n";
    limits.maxHeadBytes = 80;
    CHECK(run(bigTrailer, {}, false, false, limits).error == "trailer section too large");
    limits = ParserLimits{};
    limits.maxHeaderCount = 1;
    std::string twoTrailers =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: 1\r\nU: 2\r\n\r\n";
    CHECK(run(twoTrailers, {}, false, false, limits).error == "too many trailer fields");
  }
  SECTION("informational responses") {
    ParserLimits limits;
    limits.maxInformational = 2;
    std::string hundred = "HTTP/1.1 100 Continue\r\n\r\n";
    std::string final = "HTTP/1.1 204 No Content\r\n\r\n";
    CHECK(run(hundred + hundred + final, {}, false, false, limits).complete);
    CHECK(run(hundred + hundred + hundred + final, {}, false, false, limits).error ==
          "too many informational (1xx) responses");
  }
  SECTION("each head has its own budget") {
    ParserLimits limits;
    std::string info = "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n";
    std::string final = "HTTP/1.1 204 No Content\r\n\r\n";
    limits.maxHeadBytes = info.size();
    CHECK(run(info + info + final, {}, false, false, limits).complete);
  }
}

TEST_CASE("response parser: large bodies are passed through without buffering", "[http][parser]") {
  std::string body(1 << 20, 'b');
  std::string input =
      "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  ResponseParser parser;
  Recorder sink;
  size_t pieces = 0;
  for (size_t at = 0; at < input.size(); at += 16384) {
    std::string_view piece = std::string_view(input).substr(at, 16384);
    sink.buffer = piece;
    CHECK(parser.execute(piece, sink) == piece.size());
    ++pieces;
  }
  CHECK(parser.complete());
  CHECK(sink.body == body);
  CHECK(pieces > 60);
}

TEST_CASE("response parser: chunk sizes up to 2^64-1 are accepted", "[http][parser]") {
  Outcome o = run("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\nabc",
                  {}, false, true);
  CHECK(o.error == "connection closed inside the chunked body");
  CHECK(o.body == "abc");
}

}  // namespace
}  // namespace cxxb::http
