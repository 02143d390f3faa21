#include "net/ajp_exchange.h"

#include <catch2/catch.hpp>
#include <deque>
#include <string>
#include <vector>

#include "ajp/support/ajp13_request_parser.h"
#include "ajp/support/ajp13_test_bytes.h"
#include "support/fake_transport.h"

using cxxb::Millis;
using cxxb::ajp::test::bytes;
using cxxb::ajp::test::containerPacket;
using cxxb::ajp::test::endResponse;
using cxxb::ajp::test::getBodyChunk;
using cxxb::ajp::test::hex;
using cxxb::ajp::test::ParsedForwardRequest;
using cxxb::ajp::test::sendBodyChunk;
using cxxb::ajp::test::sendHeaders;
using cxxb::ajp::test::TestHeader;
using cxxb::net::ExchangeError;
using cxxb::net::ExchangeOptions;
using cxxb::net::ExchangeResult;
/** The client's request and its body, as the forwarder hands them to the exchange. */
struct ForwardRequest : cxxb::net::ClientRequest {
  cxxb::net::RequestBody* body = nullptr;
};
using cxxb::net::IoStatus;
using cxxb::net::PingStatus;
using cxxb::net::RequestBody;
using cxxb::net::ResponseConsumer;
using cxxb::test::FakeTransport;

namespace {

/** Records what the exchange delivers. */
class RecordingConsumer final : public ResponseConsumer {
 public:
  void onHead(cxxb::http::ResponseHead&& h) override {
    ++heads;
    head = std::move(h);
  }
  void onBody(std::string_view data) override { body.append(data); }
  void onComplete() override { ++completes; }
  void flush() override { ++flushes; }
  bool clientFailed() const override { return failClient; }

  int heads = 0;
  cxxb::http::ResponseHead head;
  std::string body;
  int completes = 0;
  int flushes = 0;
  bool failClient = false;
};

/** A client body in scripted pieces; an Error piece stands for a client that went away. */
class ScriptedBody final : public RequestBody {
 public:
  explicit ScriptedBody(std::vector<std::string> pieces, bool errorAtEnd = false)
      : pieces_(pieces.begin(), pieces.end()), errorAtEnd_(errorAtEnd) {}
  Piece next() override {
    ++calls;
    if (pieces_.empty()) {
      return {errorAtEnd_ ? Status::Error : Status::End, {}};
    }
    current_ = std::move(pieces_.front());
    pieces_.pop_front();
    return {Status::Data, current_};
  }
  int calls = 0;

 private:
  std::deque<std::string> pieces_;
  std::string current_;
  bool errorAtEnd_;
};

std::string pattern(size_t n, size_t seed = 0) {
  std::string out(n, '\0');
  for (size_t i = 0; i < n; ++i) {
    out[i] = static_cast<char>('a' + (i + seed) % 26);
  }
  return out;
}

/** Splits the proxy's output into whole 12 34 packets. */
std::vector<std::string> packets(const std::string& written) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos + 4 <= written.size()) {
    REQUIRE(static_cast<uint8_t>(written[pos]) == 0x12);
    REQUIRE(static_cast<uint8_t>(written[pos + 1]) == 0x34);
    size_t len = (size_t{static_cast<uint8_t>(written[pos + 2])} << 8) |
                 static_cast<uint8_t>(written[pos + 3]);
    REQUIRE(pos + 4 + len <= written.size());
    out.push_back(written.substr(pos, 4 + len));
    pos += 4 + len;
  }
  REQUIRE(pos == written.size());
  return out;
}

ParsedForwardRequest parseRequest(const std::string& packet, size_t packetSize = 8192) {
  std::string error;
  auto parsed = cxxb::ajp::test::parseForwardRequest(packet, packetSize, error);
  INFO(error << "\n" << hex(packet));
  REQUIRE(parsed);
  return *parsed;
}

std::string bodyData(const std::string& packet, size_t packetSize = 8192) {
  std::string error;
  auto data = cxxb::ajp::test::parseBodyPacket(packet, packetSize, error);
  INFO(error);
  REQUIRE(data);
  return *data;
}

const std::string kEmptyBodyPacket = bytes("12 34 00 02 00 00");

ForwardRequest basicRequest() {
  ForwardRequest r;
  r.method = "GET";
  r.clientHeaders = {{"Host", "front.example:8080"}, {"User-Agent", "t/1"}};
  r.client.remoteAddr = "192.0.2.10";
  r.client.remotePort = 51000;
  r.client.localAddr = "127.0.0.1";
  r.client.localPort = 8080;
  r.client.serverName = "front.example";
  r.client.serverPort = 8080;
  r.context.clientIp = "192.0.2.10";
  r.context.clientHost = "front.example:8080";
  return r;
}

cxxb::config::MemberConfig ajpMember(uint32_t packetSize = 8192) {
  cxxb::config::MemberConfig m;
  m.url.scheme = cxxb::config::Scheme::Ajp;
  m.url.host = "10.0.0.5";
  m.url.port = 8009;
  m.packetSize = packetSize;
  return m;
}

struct Run {
  ExchangeResult result;
  std::string written;
};

/** Scripts the member's answer as one read per string, runs one exchange. */
Run run(const ForwardRequest& request, const std::vector<std::string>& reads,
        RecordingConsumer& consumer, const cxxb::config::MemberConfig& member = ajpMember(),
        std::string_view target = "/app/echo.jsp?x=1", bool head = false) {
  auto [transport, state] = FakeTransport::make();
  for (const auto& r : reads) {
    if (r == "<timeout>") {
      state->reads.push_back({IoStatus::Timeout, {}, 0});
    } else if (r == "<eof>") {
      state->reads.push_back({IoStatus::Closed, {}, 0});
    } else {
      state->reads.push_back({IoStatus::Ok, r, 0});
    }
  }
  std::vector<char> buffer(64 * 1024);
  ExchangeOptions options;
  options.ioTimeout = Millis(1000);
  options.headRequest = head;
  options.buffer = buffer;
  Run out;
  out.result = cxxb::net::runAjpExchange(*transport, request, request.body, target, member,
                                         consumer, options);
  out.written = state->written;
  return out;
}

std::string okResponse(std::string_view body = "hello", bool reuse = true) {
  return sendHeaders(200, "200",
                     {{0xA001, "", "text/plain"}, {0xA003, "", std::to_string(body.size())}}) +
         sendBodyChunk(body) + endResponse(reuse);
}

}  // namespace

// --- what the member receives ------------------------------------------------------------

TEST_CASE("ajp exchange: FORWARD_REQUEST byte for byte as mod_proxy_ajp (A12 capture)",
          "[net][ajp]") {
  // AJP13.md A12: httpd 2.4.71 + mod_proxy_ajp, `GET /dump/path/a%20b?x=1&y=2` on
  // 127.0.0.1:28090, secret=dump-secret, with X-Forwarded-For and a cookie.
  ForwardRequest r;
  r.method = "GET";
  r.clientHeaders = {{"Host", "127.0.0.1:28090"},
                     {"User-Agent", "curl/7.88.1"},
                     {"Accept", "*/*"},
                     {"X-Forwarded-For", "1.2.3.4"},
                     {"Cookie", "JSESSIONID=ABC.node1"}};
  r.client.remoteAddr = "127.0.0.1";
  r.client.remotePort = 43408;
  r.client.localAddr = "127.0.0.1";
  r.client.localPort = 28090;
  r.client.serverName = "127.0.0.1";
  r.client.serverPort = 28090;
  r.context.clientHost = "127.0.0.1:28090";
  r.context.preserveHost = true;  // mod_proxy_ajp always sends the client's Host
  auto member = ajpMember();
  member.secret = "dump-secret";
  RecordingConsumer consumer;
  Run out = run(r, {okResponse()}, consumer, member, "/path/a%20b?x=1&y=2");
  REQUIRE(out.result.error == ExchangeError::None);
  const std::string expected = bytes(R"(
      12 34 00 ef 02 02 00 08 "HTTP/1.1" 00 00 0b "/path/a%20b" 00 00 09 "127.0.0.1" 00 ff ff
      00 09 "127.0.0.1" 00 6d ba 00 00 05 a0 0b 00 0f "127.0.0.1:28090" 00
      a0 0e 00 0b "curl/7.88.1" 00 a0 01 00 03 "*/*" 00 00 0f "X-Forwarded-For" 00
      00 07 "1.2.3.4" 00 a0 09 00 14 "JSESSIONID=ABC.node1" 00 0c 00 0b "dump-secret" 00
      05 00 07 "x=1&y=2" 00 0a 00 0f "AJP_REMOTE_PORT" 00 00 05 "43408" 00
      0a 00 0e "AJP_LOCAL_ADDR" 00 00 09 "127.0.0.1" 00 ff)");
  CHECK(hex(out.written) == hex(expected));
}

TEST_CASE("ajp exchange: request line, attributes and headers", "[net][ajp]") {
  ForwardRequest r = basicRequest();
  r.clientHeaders = {{"Host", "front.example:8080"},
                     {"Connection", "close, X-Drop"},
                     {"X-Drop", "1"},
                     {"Keep-Alive", "timeout=5"},
                     {"Transfer-Encoding", "chunked"},
                     {"Content-Length", "999"},
                     {"Expect", "100-continue"},
                     {"Proxy-Authorization", "secret"},
                     {"Cookie", "JSESSIONID=X.jvm1"},
                     {"X-Forwarded-For", "1.2.3.4"}};
  r.client.remoteUser = "alice";
  r.client.authType = "Basic";
  auto member = ajpMember();
  member.route = "jvm1";
  member.secret = "s3cr3t";

  SECTION("ProxyPreserveHost On: the client's Host, server name and port") {
    r.context.preserveHost = true;
    RecordingConsumer consumer;
    Run out = run(r, {okResponse()}, consumer, member, "/app/a%20b;jsessionid=1?q=%41&&b");
    REQUIRE(out.result.error == ExchangeError::None);
    auto pk = packets(out.written);
    REQUIRE(pk.size() == 1);
    auto fr = parseRequest(pk[0]);
    CHECK(fr.method == "GET");
    CHECK(fr.protocol == "HTTP/1.1");
    CHECK(fr.uri == "/app/a%20b;jsessionid=1");
    CHECK(fr.remoteAddr == "192.0.2.10");
    CHECK_FALSE(fr.remoteHost);
    CHECK(fr.serverName == "front.example");
    CHECK(fr.serverPort == 8080);
    CHECK(fr.isSsl == 0);
    std::vector<std::string> names;
    for (const auto& h : fr.headers) {
      names.push_back(h.name);
    }
    CHECK(names == std::vector<std::string>{"host", "cookie", "X-Forwarded-For"});
    CHECK(fr.headers[0].value == "front.example:8080");
    REQUIRE(fr.find(0x05));
    CHECK(fr.find(0x05)->value == "q=%41&&b");  // byte for byte
    CHECK(fr.find(0x0C)->value == "s3cr3t");
    CHECK(fr.find(0x06)->value == "jvm1");
    CHECK(fr.find(0x03)->value == "alice");
    CHECK(fr.find(0x04)->value == "Basic");
    CHECK(fr.findReq("AJP_REMOTE_PORT")->value == "51000");
    CHECK(fr.findReq("AJP_LOCAL_ADDR")->value == "127.0.0.1");
    CHECK_FALSE(fr.find(0x07));
    CHECK_FALSE(fr.findReq("AJP_SSL_PROTOCOL"));
  }

  SECTION("ProxyPreserveHost Off: the member's host and port, as mod_proxy_http does") {
    RecordingConsumer consumer;
    Run out = run(r, {okResponse()}, consumer, member, "/app/");
    auto fr = parseRequest(packets(out.written)[0]);
    CHECK(fr.serverName == "10.0.0.5");
    CHECK(fr.serverPort == 8009);
    CHECK(fr.headers[0].name == "host");
    CHECK(fr.headers[0].value == "10.0.0.5:8009");
    CHECK_FALSE(fr.find(0x05));  // no '?': no query attribute
  }
}

TEST_CASE("ajp exchange: TLS details of the client connection", "[net][ajp]") {
  ForwardRequest r = basicRequest();
  r.client.tls = true;
  r.client.tlsProtocol = "TLSv1.3";
  r.client.tlsCipher = "TLS_AES_256_GCM_SHA384";
  r.client.tlsSessionId = "ABCD";
  r.client.tlsClientCert = "-----BEGIN CERTIFICATE-----\nMII\n-----END CERTIFICATE-----\n";
  r.client.tlsKeySize = 256;
  RecordingConsumer consumer;
  Run out = run(r, {okResponse()}, consumer);
  auto fr = parseRequest(packets(out.written)[0]);
  CHECK(fr.isSsl == 1);
  CHECK(fr.find(0x07)->value == r.client.tlsClientCert);
  CHECK(fr.find(0x08)->value == "TLS_AES_256_GCM_SHA384");
  CHECK(fr.find(0x09)->value == "ABCD");
  CHECK(fr.find(0x0B)->number == 256);
  CHECK(fr.findReq("AJP_SSL_PROTOCOL")->value == "TLSv1.3");
}

TEST_CASE("ajp exchange: methods without a code go as stored method", "[net][ajp]") {
  ForwardRequest r = basicRequest();
  r.method = "PATCH";
  RecordingConsumer consumer;
  Run out = run(r, {okResponse()}, consumer);
  auto fr = parseRequest(packets(out.written)[0]);
  CHECK(fr.methodCode == 0xFF);
  CHECK(fr.method == "PATCH");
}

TEST_CASE("ajp exchange: a request that does not fit one packet is refused unsent", "[net][ajp]") {
  ForwardRequest r = basicRequest();
  r.clientHeaders.push_back({"X-Big", std::string(9000, 'b')});
  SECTION("8 KiB packets: ClientFailed (400), nothing written") {
    RecordingConsumer consumer;
    Run out = run(r, {okResponse()}, consumer);
    CHECK(out.result.error == ExchangeError::ClientFailed);
    CHECK(out.written.empty());
    CHECK_THAT(out.result.detail, Catch::Contains("cannot be sent over AJP"));
    CHECK(consumer.heads == 0);
  }
  SECTION("packetsize=65536: it fits") {
    RecordingConsumer consumer;
    Run out = run(r, {okResponse()}, consumer, ajpMember(65536));
    CHECK(out.result.error == ExchangeError::None);
    CHECK(packets(out.written).size() == 1);
  }
}

// --- request bodies ----------------------------------------------------------------------

TEST_CASE("ajp exchange: Content-Length body, first packet unsolicited, rest on request",
          "[net][ajp]") {
  const std::string data = pattern(20000);
  ForwardRequest r = basicRequest();
  r.method = "POST";
  r.context.contentLength = data.size();
  ScriptedBody body({data.substr(0, 5000), data.substr(5000, 12000), data.substr(17000)});
  r.body = &body;
  RecordingConsumer consumer;
  // Tomcat asks for P - 6 each time, and once more after the declared length (A5).
  Run out =
      run(r, {getBodyChunk(8186) + getBodyChunk(8186), getBodyChunk(8186), okResponse("done")},
          consumer);
  REQUIRE(out.result.error == ExchangeError::None);
  CHECK(out.result.reusable);
  CHECK(out.result.bodyConsumed);
  auto pk = packets(out.written);
  REQUIRE(pk.size() == 5);
  auto fr = parseRequest(pk[0]);
  CHECK(fr.method == "POST");
  REQUIRE(fr.headers.back().name == "content-length");
  CHECK(fr.headers.back().value == "20000");
  std::string sent;
  for (size_t i = 1; i < 4; ++i) {
    sent += bodyData(pk[i]);
  }
  CHECK(bodyData(pk[1]).size() == 8186);
  CHECK(sent == data);
  CHECK(pk[4] == kEmptyBodyPacket);
  CHECK(consumer.body == "done");
}

TEST_CASE("ajp exchange: chunked body goes only on GET_BODY_CHUNK, no Content-Length",
          "[net][ajp]") {
  const std::string data = pattern(20000, 3);
  ForwardRequest r = basicRequest();
  r.method = "POST";
  r.context.chunkedBody = true;
  r.clientHeaders.push_back({"Transfer-Encoding", "chunked"});
  ScriptedBody body({data.substr(0, 100), data.substr(100)});
  r.body = &body;
  RecordingConsumer consumer;
  std::string asks;
  for (int i = 0; i < 5; ++i) {
    asks += getBodyChunk(8186);
  }
  Run out = run(r, {asks, okResponse()}, consumer);
  REQUIRE(out.result.error == ExchangeError::None);
  auto pk = packets(out.written);
  REQUIRE(pk.size() == 6);  // no unsolicited packet: one answer per ask
  auto fr = parseRequest(pk[0]);
  for (const auto& h : fr.headers) {
    CHECK(h.name != "content-length");
    CHECK(h.name != "Transfer-Encoding");
  }
  std::string sent;
  for (size_t i = 1; i < 5; ++i) {
    CHECK(bodyData(pk[i]).size() <= 8186);
    sent += bodyData(pk[i]);
  }
  CHECK(sent == data);  // 100, 8186, 8186, 3528
  CHECK(pk[5] == kEmptyBodyPacket);
}

TEST_CASE("ajp exchange: a GET that Tomcat asks a body of gets the empty packet", "[net][ajp]") {
  ForwardRequest r = basicRequest();
  RecordingConsumer consumer;
  Run out = run(r, {getBodyChunk(8186), okResponse()}, consumer);
  REQUIRE(out.result.error == ExchangeError::None);
  auto pk = packets(out.written);
  REQUIRE(pk.size() == 2);
  CHECK(pk[1] == kEmptyBodyPacket);
}

TEST_CASE("ajp exchange: a body that does not match its Content-Length is refused", "[net][ajp]") {
  ForwardRequest r = basicRequest();
  r.method = "POST";
  RecordingConsumer consumer;

  SECTION("small and short: nothing reaches the member") {
    r.context.contentLength = 100;
    ScriptedBody body({pattern(60)});
    r.body = &body;
    Run out = run(r, {okResponse()}, consumer);
    CHECK(out.result.error == ExchangeError::ClientFailed);
    CHECK(out.written.empty());
    CHECK_THAT(out.result.detail, Catch::Contains("shorter than its Content-Length"));
  }
  SECTION("small and long: nothing reaches the member") {
    r.context.contentLength = 100;
    ScriptedBody body({pattern(60), pattern(60)});
    r.body = &body;
    Run out = run(r, {okResponse()}, consumer);
    CHECK(out.result.error == ExchangeError::ClientFailed);
    CHECK(out.written.empty());
    CHECK_THAT(out.result.detail, Catch::Contains("longer than its Content-Length"));
  }
  SECTION("large and short: stops without the end-of-body packet, connection closed") {
    r.context.contentLength = 20000;
    ScriptedBody body({pattern(10000)});
    r.body = &body;
    Run out = run(r, {getBodyChunk(8186) + getBodyChunk(8186), okResponse()}, consumer);
    CHECK(out.result.error == ExchangeError::ClientFailed);
    CHECK_FALSE(out.result.reusable);
    // Request and the first 8186 bytes; the next packet is never sent short, and never an
    // empty packet Tomcat would take as a complete body.
    auto pk = packets(out.written);
    REQUIRE(pk.size() == 2);
    CHECK(bodyData(pk[1]).size() == 8186);
    CHECK(consumer.heads == 0);
  }
  SECTION("large and long: never more than the Content-Length is sent") {
    r.context.contentLength = 9000;
    ScriptedBody body({pattern(9000), "EXTRA"});
    r.body = &body;
    Run out = run(r, {getBodyChunk(8186) + getBodyChunk(8186), okResponse()}, consumer);
    CHECK(out.result.error == ExchangeError::ClientFailed);
    auto pk = packets(out.written);
    REQUIRE(pk.size() == 3);
    CHECK(bodyData(pk[1]).size() + bodyData(pk[2]).size() == 9000);
  }
  SECTION("the client goes away mid-body") {
    r.context.contentLength = 20000;
    ScriptedBody body({pattern(9000)}, /*errorAtEnd=*/true);
    r.body = &body;
    Run out = run(r, {getBodyChunk(8186) + getBodyChunk(8186), okResponse()}, consumer);
    CHECK(out.result.error == ExchangeError::ClientFailed);
    CHECK_FALSE(out.result.reusable);
  }
}

// --- the response ------------------------------------------------------------------------

TEST_CASE("ajp exchange: response relayed, framing headers dropped, reuse honoured", "[net][ajp]") {
  ForwardRequest r = basicRequest();
  RecordingConsumer consumer;
  const std::string headers = sendHeaders(200, "200",
                                          {{0xA001, "", "text/plain"},
                                           {0xA003, "", "11"},
                                           {0, "Transfer-Encoding", "chunked"},
                                           {0xA007, "", "JSESSIONID=A.jvm1; Path=/"},
                                           {0, "X-Custom", "v"}});
  SECTION("reuse=1") {
    Run out =
        run(r, {headers + sendBodyChunk("hello ") + sendBodyChunk("world") + endResponse(true)},
            consumer);
    REQUIRE(out.result.error == ExchangeError::None);
    CHECK(out.result.reusable);
    CHECK(out.result.headDelivered);
    CHECK(consumer.head.status == 200);
    CHECK(consumer.head.reason.empty());  // Tomcat's "200" is not a reason phrase
    std::vector<cxxb::http::Header> expected{{"Content-Type", "text/plain"},
                                             {"Set-Cookie", "JSESSIONID=A.jvm1; Path=/"},
                                             {"X-Custom", "v"}};
    CHECK(consumer.head.headers == expected);
    CHECK(consumer.body == "hello world");
    CHECK(consumer.completes == 1);
    CHECK(out.result.refusal.empty());
  }
  SECTION("reuse=0") {
    Run out = run(r, {headers + sendBodyChunk("x") + endResponse(false)}, consumer);
    REQUIRE(out.result.error == ExchangeError::None);
    CHECK_FALSE(out.result.reusable);
  }
  SECTION("bytes after END_RESPONSE: complete, but never reused (CVE-2022-1319)") {
    Run out = run(r, {headers + endResponse(true) + sendBodyChunk("late")}, consumer);
    REQUIRE(out.result.error == ExchangeError::None);
    CHECK(consumer.completes == 1);
    CHECK_FALSE(out.result.reusable);
  }
  SECTION("split across reads at every byte") {
    const std::string all = headers + sendBodyChunk("hello world") + endResponse(true);
    std::vector<std::string> reads;
    for (char c : all) {
      reads.emplace_back(1, c);
    }
    Run out = run(r, reads, consumer);
    REQUIRE(out.result.error == ExchangeError::None);
    CHECK(consumer.body == "hello world");
    CHECK(out.result.reusable);
  }
}

TEST_CASE("ajp exchange: flushes on flush packets and when the member pauses", "[net][ajp]") {
  ForwardRequest r = basicRequest();
  RecordingConsumer consumer;
  SECTION("zero-length SEND_BODY_CHUNK is a flush") {
    Run out = run(r,
                  {sendHeaders(200, "200", {}) + sendBodyChunk("first") + sendBodyChunk("") +
                   sendBodyChunk("second") + endResponse(true)},
                  consumer);
    REQUIRE(out.result.error == ExchangeError::None);
    CHECK(consumer.flushes == 1);
    CHECK(consumer.body == "firstsecond");
  }
  SECTION("a pause after body bytes flushes them") {
    Run out = run(r,
                  {sendHeaders(200, "200", {}) + sendBodyChunk("first"), "<timeout>",
                   sendBodyChunk("second") + endResponse(true)},
                  consumer);
    REQUIRE(out.result.error == ExchangeError::None);
    CHECK(consumer.flushes == 1);
  }
}

TEST_CASE("ajp exchange: HEAD delivers no body", "[net][ajp]") {
  ForwardRequest r = basicRequest();
  r.method = "HEAD";
  RecordingConsumer consumer;
  Run out = run(r, {okResponse("ignored")}, consumer, ajpMember(), "/", /*head=*/true);
  REQUIRE(out.result.error == ExchangeError::None);
  CHECK(consumer.body.empty());
  CHECK(parseRequest(packets(out.written)[0]).methodCode == 3);
}

TEST_CASE("ajp exchange: 403 with close is reported as a secret refusal", "[net][ajp]") {
  ForwardRequest r = basicRequest();
  auto member = ajpMember();
  member.secret = "wrong";
  RecordingConsumer consumer;
  SECTION("403 and reuse=0: Tomcat refused the secret") {
    Run out = run(r,
                  {sendHeaders(403, "403", {{0xA001, "", "text/html"}}) +
                   sendBodyChunk("<html>403</html>") + endResponse(false)},
                  consumer, member);
    REQUIRE(out.result.error == ExchangeError::None);
    CHECK(consumer.head.status == 403);
    CHECK_FALSE(out.result.reusable);
    CHECK_THAT(out.result.refusal, Catch::Contains("refused the request for its secret"));
  }
  SECTION("an application's 403 keeps the connection: not a refusal") {
    Run out = run(r, {sendHeaders(403, "403", {}) + endResponse(true)}, consumer, member);
    CHECK(out.result.refusal.empty());
  }
}

// --- robustness --------------------------------------------------------------------------

TEST_CASE("ajp exchange: malformed, oversized, out-of-sequence packets are 502", "[net][ajp]") {
  ForwardRequest r = basicRequest();
  RecordingConsumer consumer;
  auto expectBad = [&](const std::vector<std::string>& reads, bool headDelivered) {
    Run out = run(r, reads, consumer);
    CHECK(out.result.error == ExchangeError::BadResponse);
    CHECK_FALSE(out.result.reusable);
    CHECK(out.result.headDelivered == headDelivered);
    CHECK(consumer.completes == 0);
    CHECK_FALSE(out.result.detail.empty());
  };
  SECTION("an HTTP answer on the AJP port") { expectBad({"HTTP/1.1 200 OK\r\n\r\n"}, false); }
  SECTION("payload longer than P - 4 (CVE-2026-28780)") {
    expectBad({bytes("41 42 1f fd 04 00 c8")}, false);
  }
  SECTION("body before headers") { expectBad({sendBodyChunk("x")}, false); }
  SECTION("END_RESPONSE before headers") { expectBad({endResponse(true)}, false); }
  SECTION("headers twice") {
    expectBad({sendHeaders(200, "200", {}) + sendHeaders(200, "200", {})}, true);
  }
  SECTION("string without its terminator") {
    expectBad({containerPacket(bytes(R"(04 00 c8 00 02 "OK" 01 00 00)"))}, false);
  }
  SECTION("unknown packet type") { expectBad({containerPacket(bytes("07"))}, false); }
  SECTION("a header value with CR LF") {
    expectBad({sendHeaders(200, "200", {{0, "X-Evil", "a\r\nInjected: 1"}})}, false);
  }
  SECTION("a header name that is not a token") {
    expectBad({sendHeaders(200, "200", {{0, "Bad Name", "v"}})}, false);
  }
  SECTION("a 1xx as the final status") { expectBad({sendHeaders(101, "101", {})}, false); }
  SECTION("member closes after asking for the body, before headers") {
    expectBad({getBodyChunk(8186), "<eof>"}, false);
  }
}

TEST_CASE("ajp exchange: closed connections and timeouts", "[net][ajp]") {
  ForwardRequest r = basicRequest();
  RecordingConsumer consumer;
  SECTION("closed before any byte: NoResponse (the forwarder may retry or fail over)") {
    Run out = run(r, {"<eof>"}, consumer);
    CHECK(out.result.error == ExchangeError::NoResponse);
    CHECK_FALSE(out.result.responseStarted);
    CHECK_FALSE(out.result.bodyConsumed);
  }
  SECTION("closed mid-body: Truncated, never completed") {
    Run out = run(r, {sendHeaders(200, "200", {}) + sendBodyChunk("part"), "<eof>"}, consumer);
    CHECK(out.result.error == ExchangeError::Truncated);
    CHECK(out.result.headDelivered);
    CHECK(consumer.completes == 0);
    CHECK_FALSE(out.result.reusable);
  }
  SECTION("no answer: Timeout") {
    Run out = run(r, {}, consumer);
    CHECK(out.result.error == ExchangeError::Timeout);
  }
  SECTION("the write fails: SendFailed, nothing consumed") {
    auto [transport, state] = FakeTransport::make();
    state->writeFailure = IoStatus::Closed;
    std::vector<char> buffer(8192);
    ExchangeOptions options;
    options.buffer = buffer;
    auto result =
        cxxb::net::runAjpExchange(*transport, r, r.body, "/", ajpMember(), consumer, options);
    CHECK(result.error == ExchangeError::SendFailed);
    CHECK_FALSE(result.bodyConsumed);
  }
  SECTION("the client goes away while the response streams") {
    consumer.failClient = true;
    Run out = run(r, {okResponse()}, consumer);
    CHECK(out.result.error == ExchangeError::ClientFailed);
    CHECK_FALSE(out.result.reusable);
  }
}

// --- CPING / CPONG -----------------------------------------------------------------------

TEST_CASE("ajp ping: CPING/CPONG", "[net][ajp]") {
  auto [transport, state] = FakeTransport::make();
  std::vector<char> buffer(8192);
  auto ping = [&] { return cxxb::net::runAjpPing(*transport, Millis(100), 8192, buffer); };
  SECTION("answered") {
    state->reads.push_back({IoStatus::Ok, bytes("41 42 00 01 09"), 0});
    CHECK(ping().status == PingStatus::Ok);
    CHECK(hex(state->written) == "12 34 00 01 0a");
  }
  SECTION("answered in pieces") {
    state->reads.push_back({IoStatus::Ok, bytes("41 42"), 0});
    state->reads.push_back({IoStatus::Ok, bytes("00 01 09"), 0});
    CHECK(ping().status == PingStatus::Ok);
  }
  SECTION("no answer: Timeout (a hung member)") { CHECK(ping().status == PingStatus::Timeout); }
  SECTION("closed: a stale pooled connection") {
    state->reads.push_back({IoStatus::Closed, {}, 0});
    CHECK(ping().status == PingStatus::Closed);
  }
  SECTION("something else than CPONG") {
    state->reads.push_back({IoStatus::Ok, sendHeaders(200, "200", {}), 0});
    CHECK(ping().status == PingStatus::BadAnswer);
  }
  SECTION("bytes after the CPONG") {
    state->reads.push_back({IoStatus::Ok, bytes("41 42 00 01 09 41"), 0});
    CHECK(ping().status == PingStatus::BadAnswer);
  }
  SECTION("the write fails") {
    state->writeFailure = IoStatus::Reset;
    CHECK(ping().status == PingStatus::Closed);
  }
}
