#include "ajp/ajp13_encoder.h"

#include <array>
#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "ajp/support/ajp13_request_parser.h"
#include "ajp/support/ajp13_test_bytes.h"

namespace cxxb::ajp {
namespace {

using test::bytes;
using test::hex;

std::string encode(const Ajp13Encoder& enc, const ForwardRequest& req) {
  std::string out;
  EncodeResult res = enc.appendForwardRequest(req, out);
  INFO(describe(res.error()) << " in " << res.field());
  REQUIRE(res.ok());
  REQUIRE(res.size() == out.size());
  return out;
}

/** AJP13.md A4, "Worked example": accepted by Tomcat 10.1.60. */
TEST_CASE("encoder reproduces the worked example of AJP13.md A4 byte for byte", "[ajp]") {
  const std::vector<http::Header> headers = {
      {"Host", "www.example.test"},
      {"Cookie", "JSESSIONID=9F3C.node2"},
      {"X-Req-Id", "42"},
  };
  ForwardRequest req;
  req.method = "GET";
  req.uri = "/app/echo.jsp";
  req.remoteAddr = "192.0.2.10";
  req.serverName = "www.example.test";
  req.serverPort = 443;
  req.isSsl = true;
  req.headers = headers;
  req.secret = "s3cr3t";
  req.queryString = "x=1";
  req.route = "node2";
  req.remotePort = 51000;

  const std::string expected = bytes(R"(
12 34 00 b9 02 02 00 08 48 54 54 50 2f 31 2e 31 00 00 0d 2f 61 70 70 2f 65 63 68 6f 2e 6a 73 70
00 00 0a 31 39 32 2e 30 2e 32 2e 31 30 00 ff ff 00 10 77 77 77 2e 65 78 61 6d 70 6c 65 2e 74 65
73 74 00 01 bb 01 00 03 a0 0b 00 10 77 77 77 2e 65 78 61 6d 70 6c 65 2e 74 65 73 74 00 a0 09 00
15 4a 53 45 53 53 49 4f 4e 49 44 3d 39 46 33 43 2e 6e 6f 64 65 32 00 00 08 58 2d 52 65 71 2d 49
64 00 00 02 34 32 00 0c 00 06 73 33 63 72 33 74 00 05 00 03 78 3d 31 00 06 00 05 6e 6f 64 65 32
00 0a 00 0f 41 4a 50 5f 52 45 4d 4f 54 45 5f 50 4f 52 54 00 00 05 35 31 30 30 30 00 ff)");
  REQUIRE(expected.size() == 4 + 0xb9);

  Ajp13Encoder enc;
  const std::string got = encode(enc, req);
  CHECK(hex(got) == hex(expected));

  SECTION("the span form writes the same bytes and reports the size") {
    std::array<char, 8192> buf{};
    EncodeResult res = enc.encodeForwardRequest(req, buf);
    REQUIRE(res.ok());
    CHECK(std::string(buf.data(), res.size()) == expected);
    CHECK(enc.measureForwardRequest(req).size() == expected.size());
  }
  SECTION("the same request encodes identically with 64 KiB packets") {
    Ajp13Encoder big(Ajp13Limits{.packetSize = 65536});
    CHECK(encode(big, req) == expected);
  }
}

/** AJP13.md A12: httpd 2.4.71 mod_proxy_ajp's capture of GET /dump/path/a%20b?x=1&y=2. */
TEST_CASE("encoder matches httpd's captured FORWARD_REQUEST", "[ajp]") {
  const std::vector<http::Header> headers = {
      {"Host", "127.0.0.1:28090"},    {"User-Agent", "curl/7.88.1"},      {"Accept", "*/*"},
      {"X-Forwarded-For", "1.2.3.4"}, {"Cookie", "JSESSIONID=ABC.node1"},
  };
  ForwardRequest req;
  req.method = "GET";
  req.uri = "/path/a%20b";
  req.remoteAddr = "127.0.0.1";
  req.serverName = "127.0.0.1";
  req.serverPort = 28090;
  req.headers = headers;
  req.secret = "dump-secret";
  req.queryString = "x=1&y=2";
  req.remotePort = 43408;
  req.localAddr = "127.0.0.1";

  const std::string expected = bytes(R"(
12 34 00 ef 02 02 00 08 "HTTP/1.1" 00 00 0b "/path/a%20b" 00 00 09 "127.0.0.1" 00 ff ff 00 09 "127.0.0.1" 00
6d ba 00 00 05 a0 0b 00 0f "127.0.0.1:28090" 00 a0 0e 00 0b "curl/7.88.1" 00 a0 01 00 03 "*/*" 00
00 0f "X-Forwarded-For" 00 00 07 "1.2.3.4" 00 a0 09 00 14 "JSESSIONID=ABC.node1" 00
0c 00 0b "dump-secret" 00 05 00 07 "x=1&y=2" 00 0a 00 0f "AJP_REMOTE_PORT" 00 00 05 "43408" 00
0a 00 0e "AJP_LOCAL_ADDR" 00 00 09 "127.0.0.1" 00 ff)");
  REQUIRE(expected.size() == 4 + 0xef);
  CHECK(hex(encode(Ajp13Encoder{}, req)) == hex(expected));
}

TEST_CASE("encoder: methods without a code go as 0xFF plus attribute 0x0D", "[ajp]") {
  Ajp13Encoder enc;
  auto method = GENERATE(as<std::string>{}, "PATCH", "get", "CONNECT", "X-CUSTOM");
  ForwardRequest req;
  req.method = method;
  req.uri = "/x";
  req.remoteAddr = "10.0.0.1";
  req.serverName = "h";
  req.serverPort = 80;
  req.remotePort = 1;
  const std::string packet = encode(enc, req);
  CHECK(static_cast<uint8_t>(packet[5]) == 0xFF);
  std::string error;
  auto parsed = test::parseForwardRequest(packet, 8192, error);
  INFO(error);
  REQUIRE(parsed);
  CHECK(parsed->method == method);
  REQUIRE(parsed->attributes.size() == 2);
  // Stored method before the AJP_* req_attributes, as httpd orders them.
  CHECK(parsed->attributes[0].code == 0x0D);
  CHECK(parsed->attributes[1].name == "AJP_REMOTE_PORT");

  const std::string tail = bytes(R"(0a 00 0f "AJP_REMOTE_PORT" 00 00 01 "1" 00 ff)");
  const std::string stored = "\x0d" + std::string(1, '\0') +
                             std::string(1, static_cast<char>(method.size())) + method +
                             std::string(1, '\0');
  CHECK(hex(packet.substr(packet.size() - tail.size() - stored.size())) == hex(stored + tail));
}

TEST_CASE("encoder: HEAD and the other coded methods use their code", "[ajp]") {
  Ajp13Encoder enc;
  for (uint8_t code = 1; code <= 27; ++code) {
    ForwardRequest req;
    req.method = *methodName(code);
    req.uri = "/";
    std::string packet = encode(enc, req);
    CHECK(static_cast<uint8_t>(packet[5]) == code);
    std::string error;
    auto parsed = test::parseForwardRequest(packet, 8192, error);
    REQUIRE(parsed);
    CHECK(parsed->method == req.method);
    CHECK(parsed->attributes.empty());  // no stored method for coded methods
  }
}

TEST_CASE("encoder: every attribute in httpd's order, TLS included", "[ajp]") {
  const std::vector<http::Header> headers = {{"content-length", "10"}, {"X-A", ""}};
  const std::vector<RequestAttribute> extra = {{"X-Test-One", "1"}, {"X-Test-Two", ""}};
  ForwardRequest req;
  req.method = "PATCH";
  req.uri = "/p";
  req.remoteAddr = "192.0.2.1";
  req.remoteHost = "client.example";
  req.serverName = "srv";
  req.serverPort = 8443;
  req.isSsl = true;
  req.headers = headers;
  req.secret = "s";
  req.remoteUser = "alice";
  req.authType = "Basic";
  req.queryString = "";
  req.route = "n1";
  req.sslCert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  req.sslCipher = "TLS_AES_128_GCM_SHA256";
  req.sslSession = "abcd";
  req.sslKeySize = 128;
  req.sslProtocol = "TLSv1.3";
  req.remotePort = 65535;
  req.localAddr = "192.0.2.2";
  req.extraAttributes = extra;

  const std::string packet = encode(Ajp13Encoder{}, req);
  std::string error;
  auto parsed = test::parseForwardRequest(packet, 8192, error);
  INFO(error);
  REQUIRE(parsed);
  CHECK(parsed->isSsl == 1);
  CHECK(parsed->remoteHost == "client.example");
  REQUIRE(parsed->headers.size() == 2);
  CHECK(parsed->headers[0].code == 0xA008);
  CHECK(parsed->headers[1].code == 0);
  CHECK(parsed->headers[1].name == "X-A");
  CHECK(parsed->headers[1].value.empty());

  std::vector<std::string> order;
  for (const auto& a : parsed->attributes) {
    order.push_back(a.code == 0x0A ? a.name : std::to_string(a.code));
  }
  const std::vector<std::string> expected = {"12",
                                             "3",
                                             "4",
                                             "5",
                                             "6",
                                             "7",
                                             "8",
                                             "9",
                                             "11",
                                             "13",
                                             "AJP_SSL_PROTOCOL",
                                             "AJP_REMOTE_PORT",
                                             "AJP_LOCAL_ADDR",
                                             "X-Test-One",
                                             "X-Test-Two"};
  CHECK(order == expected);
  CHECK(parsed->find(0x05)->value.empty());  // an engaged empty query is sent as 00 00 00
  CHECK(parsed->find(0x07)->value == *req.sslCert);
  CHECK(parsed->find(0x0B)->number == 128);
  CHECK(parsed->findReq("AJP_REMOTE_PORT")->value == "65535");
  // ssl_key_size is an integer, not a string: 0b 00 80.
  CHECK(packet.find(bytes("0b 00 80 0d 00 05")) != std::string::npos);
}

TEST_CASE("encoder: request body packets, empty packet and CPING", "[ajp]") {
  Ajp13Encoder enc;
  std::string out;

  SECTION("what httpd sends for a 10-byte POST body") {
    REQUIRE(enc.appendBodyPacket("hello-body", out).ok());
    CHECK(hex(out) == hex(bytes(R"(12 34 00 0c 00 0a "hello-body")")));
  }
  SECTION("end of body") {
    enc.appendEmptyBodyPacket(out);
    CHECK(hex(out) == "12 34 00 02 00 00");
    std::string viaData;
    REQUIRE(enc.appendBodyPacket("", viaData).ok());
    CHECK(viaData == out);
  }
  SECTION("largest chunk with 8 KiB packets: 8186 bytes") {
    const std::string data(8186, 'x');
    EncodeResult res = enc.appendBodyPacket(data, out);
    REQUIRE(res.ok());
    CHECK(res.size() == 8192);
    CHECK(hex(out.substr(0, 6)) == "12 34 1f fc 1f fa");
    CHECK(out.substr(6) == data);
    std::string more;
    EncodeResult tooBig = enc.appendBodyPacket(std::string(8187, 'x'), more);
    CHECK(tooBig.error() == EncodeError::BodyChunkTooLarge);
    CHECK(more.empty());
  }
  SECTION("the 3628-byte tail of a 20000-byte body") {
    REQUIRE(enc.appendBodyPacket(std::string(3628, 'y'), out).ok());
    CHECK(hex(out.substr(0, 6)) == "12 34 0e 2e 0e 2c");
  }
  SECTION("64 KiB packets carry 65530 bytes") {
    Ajp13Encoder big(Ajp13Limits{.packetSize = 65536});
    CHECK(big.maxBodyChunk() == 65530);
    EncodeResult res = big.appendBodyPacket(std::string(65530, 'z'), out);
    REQUIRE(res.ok());
    CHECK(res.size() == 65536);
    CHECK(hex(out.substr(0, 6)) == "12 34 ff fc ff fa");
    std::string more;
    CHECK(big.appendBodyPacket(std::string(65531, 'z'), more).error() ==
          EncodeError::BodyChunkTooLarge);
  }
  SECTION("header only, for writev") {
    std::array<char, 6> head{};
    EncodeResult res = enc.encodeBodyPacketHeader(10, head);
    REQUIRE(res.ok());
    CHECK(res.size() == 16);
    CHECK(hex(std::string_view(head.data(), 6)) == "12 34 00 0c 00 0a");
    CHECK(enc.encodeBodyPacketHeader(8187, head).error() == EncodeError::BodyChunkTooLarge);
  }
  SECTION("span too small for the body packet") {
    std::array<char, 10> small{};
    CHECK(enc.encodeBodyPacket("hello", small).error() == EncodeError::OutputTooSmall);
  }
  SECTION("CPING") {
    enc.appendCping(out);
    CHECK(hex(out) == "12 34 00 01 0a");
    CHECK(Ajp13Encoder::cpingPacket() == out);
  }
  SECTION("parsed back by the container-side parser") {
    REQUIRE(enc.appendBodyPacket("abc", out).ok());
    std::string error;
    CHECK(test::parseBodyPacket(out, 8192, error) == "abc");
  }
}

TEST_CASE("encoder: body chunk size answers GET_BODY_CHUNK", "[ajp]") {
  Ajp13Encoder enc;
  CHECK(enc.bodyChunkSize(8186, 20000) == 8186);
  CHECK(enc.bodyChunkSize(65530, 20000) == 8186);  // never more than P - 6
  CHECK(enc.bodyChunkSize(8186, 3628) == 3628);
  CHECK(enc.bodyChunkSize(0, 100) == 0);
  CHECK(enc.bodyChunkSize(100, 0) == 0);
}

ForwardRequest minimalRequest() {
  ForwardRequest req;
  req.method = "GET";
  req.uri = "/";
  req.remoteAddr = "127.0.0.1";
  req.serverName = "localhost";
  req.serverPort = 80;
  return req;
}

TEST_CASE("encoder: a request that does not fit one packet is TooLarge (400)", "[ajp]") {
  // Two 7000-byte headers, each under httpd's 8190 limit: httpd answers 400 (A4, [LAB]).
  const std::vector<http::Header> headers = {{"X-One", std::string(7000, 'a')},
                                             {"X-Two", std::string(7000, 'b')}};
  ForwardRequest req = minimalRequest();
  req.headers = headers;
  std::string out = "keep";
  EncodeResult res = Ajp13Encoder{}.appendForwardRequest(req, out);
  CHECK(res.error() == EncodeError::TooLarge);
  CHECK(res.httpStatus() == 400);
  CHECK(out == "keep");  // unchanged on error
  CHECK(Ajp13Encoder{}.measureForwardRequest(req).error() == EncodeError::TooLarge);

  // Raising the packet size on both ends is the documented cure.
  CHECK(Ajp13Encoder(Ajp13Limits{.packetSize = 65536}).appendForwardRequest(req, out).ok());
}

TEST_CASE("encoder: the packet may be exactly P bytes, never P + 1", "[ajp]") {
  for (size_t packetSize : {size_t{8192}, size_t{65536}}) {
    Ajp13Encoder enc(Ajp13Limits{.packetSize = packetSize});
    std::vector<http::Header> headers = {{"X-Pad", ""}};
    ForwardRequest req = minimalRequest();
    req.headers = headers;
    const size_t base = enc.measureForwardRequest(req).size();
    headers[0].value.assign(packetSize - base, 'p');
    req.headers = headers;

    std::vector<char> buf(packetSize + 16, '\x5a');
    EncodeResult res = enc.encodeForwardRequest(req, std::span<char>(buf.data(), packetSize));
    REQUIRE(res.ok());
    CHECK(res.size() == packetSize);
    CHECK(static_cast<uint8_t>(buf[2]) == ((packetSize - 4) >> 8));
    CHECK(static_cast<uint8_t>(buf[3]) == ((packetSize - 4) & 0xFF));
    for (size_t i = packetSize; i < buf.size(); ++i) {
      REQUIRE(buf[i] == '\x5a');
    }
    std::string error;
    CHECK(test::parseForwardRequest(std::string_view(buf.data(), res.size()), packetSize, error));

    headers[0].value.push_back('p');
    req.headers = headers;
    std::fill(buf.begin(), buf.end(), '\x5a');
    CHECK(enc.encodeForwardRequest(req, buf).error() == EncodeError::TooLarge);
  }
}

TEST_CASE("encoder: refuses what Tomcat would misread", "[ajp]") {
  Ajp13Encoder enc;
  Ajp13Encoder big(Ajp13Limits{.packetSize = 65536});
  std::vector<http::Header> headers;
  std::vector<RequestAttribute> extra;
  ForwardRequest req = minimalRequest();
  std::string out;
  auto check = [&](const Ajp13Encoder& e, EncodeError expected, int status) {
    req.headers = headers;
    req.extraAttributes = extra;
    EncodeResult res = e.appendForwardRequest(req, out);
    CHECK(res.error() == expected);
    CHECK(res.httpStatus() == status);
    CHECK(out.empty());
    CHECK_FALSE(res.field().empty());
  };

  SECTION("a header name of 0xA000 bytes would read as a code") {
    headers = {{std::string(0xA000, 'n'), "v"}};
    check(big, EncodeError::HeaderNameTooLong, 431);
    headers = {{std::string(0x9FFF, 'n'), "v"}};
    req.headers = headers;
    CHECK(big.appendForwardRequest(req, out).ok());
  }
  SECTION("more than 100 headers (Tomcat's maxHeaderCount)") {
    for (int i = 0; i < 101; ++i) {
      headers.push_back({"X-H" + std::to_string(i), "v"});
    }
    check(enc, EncodeError::TooManyHeaders, 431);
    headers.pop_back();
    req.headers = headers;
    CHECK(enc.appendForwardRequest(req, out).ok());
  }
  SECTION("NUL, CR or LF in a header name or value") {
    for (const char* bad : {"a\rb", "a\nb", "a\r\nInjected: 1"}) {
      headers = {{"X-A", bad}};
      check(enc, EncodeError::ForbiddenByte, 400);
      headers = {{bad, "v"}};
      check(enc, EncodeError::ForbiddenByte, 400);
    }
    headers = {{"X-A", std::string("a\0b", 3)}};
    check(enc, EncodeError::ForbiddenByte, 400);
    headers = {{std::string("X\0A", 3), "v"}};
    check(enc, EncodeError::ForbiddenByte, 400);
    headers = {{"X-Tab", "a\tb"}};  // HTAB is legal in a field value
    req.headers = headers;
    CHECK(enc.appendForwardRequest(req, out).ok());
  }
  SECTION("empty header name") {
    headers = {{"", "v"}};
    check(enc, EncodeError::EmptyField, 400);
  }
  SECTION("NUL, CR, LF or space in the URI") {
    for (std::string uri : {std::string("/a\0b", 4), std::string("/a\rb"), std::string("/a\nb"),
                            std::string("/a b")}) {
      req.uri = uri;
      check(enc, EncodeError::ForbiddenByte, 400);
    }
  }
  SECTION("absolute-form, query or fragment in the URI") {
    for (const char* uri : {"http://evil.test/echo.jsp", "", "echo.jsp", "/a?x=1", "/a#f"}) {
      req.uri = uri;
      check(enc, EncodeError::BadUri, 400);
    }
    req.uri = "*";
    req.method = "OPTIONS";
    CHECK(enc.appendForwardRequest(req, out).ok());
  }
  SECTION("method and protocol are tokens") {
    req.method = "";
    check(enc, EncodeError::EmptyField, 400);
    req.method = "GE T";
    check(enc, EncodeError::ForbiddenByte, 400);
    req.method = "GET";
    req.protocol = "HTTP/1.1\r\n";
    check(enc, EncodeError::ForbiddenByte, 400);
  }
  SECTION("attributes: CR/LF refused except in the PEM certificate, NUL everywhere") {
    req.queryString = "a=1\r\nX: y";
    check(enc, EncodeError::ForbiddenByte, 400);
    req.queryString.reset();
    req.sslCert = "-----BEGIN\r\n";
    req.headers = headers;
    CHECK(enc.appendForwardRequest(req, out).ok());
    out.clear();
    req.sslCert = std::string_view("pem\0", 4);
    check(enc, EncodeError::ForbiddenByte, 400);
    req.sslCert.reset();
    req.remoteHost = "h\n";
    check(enc, EncodeError::ForbiddenByte, 400);
    req.remoteHost.reset();
    extra = {{"X-Test-A", "v\r"}};
    check(enc, EncodeError::ForbiddenByte, 400);
    extra = {{"", "v"}};
    check(enc, EncodeError::EmptyField, 400);
  }
  SECTION("the caller's span is smaller than the packet") {
    std::array<char, 40> small{};
    small.fill('\x5a');
    EncodeResult res = enc.encodeForwardRequest(req, std::span<char>(small.data(), 20));
    CHECK(res.error() == EncodeError::OutputTooSmall);
    CHECK(res.httpStatus() == 500);
    for (size_t i = 20; i < small.size(); ++i) {
      CHECK(small[i] == '\x5a');
    }
  }
}

TEST_CASE("encoder: appending keeps what the buffer held", "[ajp]") {
  Ajp13Encoder enc;
  std::string out;
  enc.appendCping(out);
  ForwardRequest req = minimalRequest();
  REQUIRE(enc.appendForwardRequest(req, out).ok());
  REQUIRE(enc.appendBodyPacket("x", out).ok());
  CHECK(out.substr(0, 5) == Ajp13Encoder::cpingPacket());
  std::string error;
  const size_t frSize = enc.measureForwardRequest(req).size();
  CHECK(test::parseForwardRequest(std::string_view(out).substr(5, frSize), 8192, error));
  CHECK(test::parseBodyPacket(std::string_view(out).substr(5 + frSize), 8192, error) == "x");
}

TEST_CASE("encoder: packet size is checked at construction", "[ajp]") {
  CHECK_THROWS_AS(Ajp13Encoder(Ajp13Limits{.packetSize = 8191}), std::invalid_argument);
  CHECK_THROWS_AS(Ajp13Encoder(Ajp13Limits{.packetSize = 65537}), std::invalid_argument);
  CHECK_NOTHROW(Ajp13Encoder(Ajp13Limits{.packetSize = 12345}));
  CHECK(describe(EncodeError::TooLarge).size() > 0);
}

}  // namespace
}  // namespace cxxb::ajp
