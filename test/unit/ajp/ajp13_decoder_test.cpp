#include "ajp/ajp13_decoder.h"

#include <catch2/catch.hpp>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "ajp/support/ajp13_decode_driver.h"
#include "ajp/support/ajp13_test_bytes.h"

namespace cxxb::ajp {
namespace {

using test::bytes;
using test::decodeByteByByte;
using test::decodeInPieces;
using test::DecodeRun;
using test::decodeWhole;
using test::Expect;
using test::hex;
using Kind = test::RecordedEvent::Kind;

// The SEND_HEADERS Tomcat 10.1.60 sent over AJP (AJP13.md A6); the cookie's session id,
// elided there, is the 32-hex-digit one of A11 so that the lengths (0x4b, 0x80) hold.
const std::string kCapturedHeaders = bytes(R"(
41 42 00 80 04 00 c8 00 03 32 30 30 00 00 03
a0 07 00 4b "JSESSIONID=69D27E2EA2F8A2B65E16EC6BDCAB43C9.node1; Path=/; Secure; HttpOnly" 00
a0 01 00 18 "text/plain;charset=UTF-8" 00 a0 03 00 03 "456" 00)");

const std::string kGetBodyChunk8k = bytes("41 42 00 03 06 1f fa");
const std::string kEndReuse = bytes("41 42 00 02 05 01");
const std::string kEndClose = bytes("41 42 00 02 05 00");
const std::string kFlush = bytes("41 42 00 04 03 00 00 00");
const std::string kCpong = bytes("41 42 00 01 09");

const std::string& headers200() {
  static const std::string h = test::sendHeaders(200, "200", {{0xA001, "", "text/plain"}});
  return h;
}

TEST_CASE("decoder: Tomcat's captured SEND_HEADERS", "[ajp]") {
  REQUIRE(kCapturedHeaders.size() == 4 + 0x80);
  DecodeRun run = decodeWhole(kCapturedHeaders, Expect::Response);
  REQUIRE(run.error == DecodeError::None);
  REQUIRE(run.events.size() == 1);
  REQUIRE(run.events[0].kind == Kind::SendHeaders);
  const SendHeaders& h = run.events[0].headers;
  CHECK(h.status == 200);
  CHECK(h.message == "200");  // Tomcat's "reason phrase" is the code (bug 45026)
  REQUIRE(h.headers.size() == 3);
  CHECK(h.headers[0] == http::Header{"Set-Cookie",
                                     "JSESSIONID=69D27E2EA2F8A2B65E16EC6BDCAB43C9.node1; Path=/; "
                                     "Secure; HttpOnly"});
  CHECK(h.headers[1] == http::Header{"Content-Type", "text/plain;charset=UTF-8"});
  CHECK(h.headers[2] == http::Header{"Content-Length", "456"});
  CHECK(run.state == Ajp13Decoder::State::InBody);
}

TEST_CASE("decoder: every coded response header and string names", "[ajp]") {
  std::vector<test::TestHeader> in;
  for (uint16_t code = 0xA001; code <= 0xA00B; ++code) {
    in.push_back({code, "", "v" + std::to_string(code)});
  }
  in.push_back({0, "X-Custom", ""});
  DecodeRun run = decodeWhole(test::sendHeaders(404, "", in), Expect::Response);
  REQUIRE(run.error == DecodeError::None);
  const auto& got = run.events.at(0).headers.headers;
  REQUIRE(got.size() == 12);
  for (size_t i = 0; i < 11; ++i) {
    CHECK(got[i].name == kResponseHeaderNames[i]);
    CHECK(got[i].value == "v" + std::to_string(0xA001 + i));
  }
  CHECK(got[11] == http::Header{"X-Custom", ""});
  CHECK(run.events[0].headers.status == 404);
}

TEST_CASE("decoder: GET_BODY_CHUNK as Tomcat sends it", "[ajp]") {
  SECTION("8 KiB packets ask for 8186") {
    DecodeRun run = decodeWhole(kGetBodyChunk8k, Expect::Response);
    REQUIRE(run.events.size() == 1);
    CHECK(run.events[0].kind == Kind::GetBodyChunk);
    CHECK(run.events[0].requested == 0x1FFA);
    CHECK(run.state == Ajp13Decoder::State::AwaitHeaders);
  }
  SECTION("64 KiB packets ask for 65530") {
    DecodeRun run = decodeWhole(bytes("41 42 00 03 06 ff fa"), Expect::Response, 65536);
    REQUIRE(run.events.size() == 1);
    CHECK(run.events[0].requested == 65530);
  }
}

TEST_CASE("decoder: a 20000-byte file in 8184 + 8184 + 3632 byte chunks", "[ajp]") {
  std::string body(20000, '\0');
  for (size_t i = 0; i < body.size(); ++i) {
    body[i] = static_cast<char>('a' + i % 26);
  }
  const std::string first = test::sendBodyChunk(body.substr(0, 8184));
  CHECK(hex(first.substr(0, 7)) == "41 42 1f fc 03 1f f8");
  CHECK(first.size() == 8192);
  const std::string stream = headers200() + first + test::sendBodyChunk(body.substr(8184, 8184)) +
                             test::sendBodyChunk(body.substr(16368)) + kEndReuse;
  DecodeRun run = decodeWhole(stream, Expect::Response);
  REQUIRE(run.error == DecodeError::None);
  REQUIRE(run.events.size() == 5);
  CHECK(run.events[1].data.size() == 8184);
  CHECK(run.events[2].data.size() == 8184);
  CHECK(run.events[3].data.size() == 3632);
  CHECK(run.events[1].data + run.events[2].data + run.events[3].data == body);
  CHECK(run.events[4].kind == Kind::EndResponse);
  CHECK(run.events[4].reuse);
  CHECK(run.state == Ajp13Decoder::State::Idle);
}

TEST_CASE("decoder: END_RESPONSE, flush and CPONG packets", "[ajp]") {
  SECTION("reuse=1, reuse=0, and any other byte means close") {
    CHECK(decodeWhole(headers200() + kEndReuse, Expect::Response).events.back().reuse);
    CHECK_FALSE(decodeWhole(headers200() + kEndClose, Expect::Response).events.back().reuse);
    DecodeRun odd = decodeWhole(headers200() + bytes("41 42 00 02 05 02"), Expect::Response);
    REQUIRE(odd.error == DecodeError::None);
    CHECK_FALSE(odd.events.back().reuse);
  }
  SECTION("a zero-length SEND_BODY_CHUNK is a flush") {
    DecodeRun run = decodeWhole(headers200() + kFlush + kEndReuse, Expect::Response);
    REQUIRE(run.events.size() == 3);
    CHECK(run.events[1].kind == Kind::BodyChunk);
    CHECK(run.events[1].data.empty());
  }
  SECTION("a flush before SEND_HEADERS is dropped, as httpd does") {
    DecodeRun run = decodeWhole(kFlush + headers200() + kEndReuse, Expect::Response);
    REQUIRE(run.error == DecodeError::None);
    REQUIRE(run.events.size() == 2);
    CHECK(run.events[0].kind == Kind::SendHeaders);
  }
  SECTION("CPONG after CPING") {
    DecodeRun run = decodeWhole(kCpong, Expect::Cpong);
    REQUIRE(run.events.size() == 1);
    CHECK(run.events[0].kind == Kind::CPong);
    CHECK(run.state == Ajp13Decoder::State::Idle);
  }
}

TEST_CASE("decoder: the exchanges observed from Tomcat (A6)", "[ajp]") {
  SECTION("GET static file") {
    DecodeRun run = decodeWhole(headers200() + test::sendBodyChunk("static file\n") + kEndReuse,
                                Expect::Response);
    REQUIRE(run.events.size() == 3);
    CHECK(run.events[1].data == "static file\n");
  }
  SECTION("GET of a JSP that reads the body: GET_BODY_CHUNK first") {
    DecodeRun run = decodeWhole(
        kGetBodyChunk8k + headers200() + test::sendBodyChunk("x") + kGetBodyChunk8k + kEndReuse,
        Expect::Response);
    REQUIRE(run.error == DecodeError::None);
    REQUIRE(run.events.size() == 5);
    CHECK(run.events[0].kind == Kind::GetBodyChunk);
    CHECK(run.events[3].kind == Kind::GetBodyChunk);  // still legal after the headers
  }
  SECTION("wrong secret: 403 and close") {
    DecodeRun run = decodeWhole(test::sendHeaders(403, "403", {}) +
                                    test::sendBodyChunk("<html>forbidden</html>") + kEndClose,
                                Expect::Response);
    REQUIRE(run.events.size() == 3);
    CHECK(run.events[0].headers.status == 403);
    CHECK_FALSE(run.events[2].reuse);
  }
}

TEST_CASE("decoder: strings may be null (FFFF) only where that is harmless", "[ajp]") {
  SECTION("null status message reads as empty") {
    DecodeRun run = decodeWhole(bytes("41 42 00 07 04 00 c8 ff ff 00 00"), Expect::Response);
    REQUIRE(run.error == DecodeError::None);
    CHECK(run.events[0].headers.message.empty());
  }
  SECTION("null header value reads as empty") {
    DecodeRun run =
        decodeWhole(bytes("41 42 00 0c 04 00 c8 00 00 00 00 01 a0 01 ff ff"), Expect::Response);
    REQUIRE(run.error == DecodeError::None);
    CHECK(run.events[0].headers.headers[0] == http::Header{"Content-Type", ""});
  }
  SECTION("null header name fails (httpd would read 65535 bytes)") {
    DecodeRun run = decodeWhole(bytes(R"(41 42 00 0e 04 00 c8 00 00 00 00 01 ff ff 00 01 "v" 00)"),
                                Expect::Response);
    CHECK(run.error == DecodeError::NullString);
    CHECK(run.events.empty());
  }
}

/** The payload of kCapturedHeaders with its length field rewritten to `len`. */
std::string withLength(std::string packet, size_t len) {
  packet[2] = static_cast<char>(len >> 8);
  packet[3] = static_cast<char>(len & 0xFF);
  return packet;
}

TEST_CASE("decoder: malformed framing", "[ajp]") {
  SECTION("bad magic fails on the first wrong byte") {
    CHECK(decodeWhole("G", Expect::Response).error == DecodeError::BadMagic);
    CHECK(decodeWhole("GET / HTTP/1.1\r\n", Expect::Response).error == DecodeError::BadMagic);
    CHECK(decodeWhole("AC", Expect::Response).error == DecodeError::BadMagic);
    // The proxy's own magic coming back is not the container's.
    CHECK(decodeWhole(bytes("12 34 00 01 09"), Expect::Cpong).error == DecodeError::BadMagic);
    CHECK(decodeWhole(bytes("42 41 00 01 09"), Expect::Cpong).error == DecodeError::BadMagic);
  }
  SECTION("payload length 0") {
    CHECK(decodeWhole(bytes("41 42 00 00"), Expect::Response).error == DecodeError::BadLength);
  }
  SECTION("payload length above P - 4 (CVE-2026-28780)") {
    // 8189 = P - 3 and 8192 = P for 8 KiB packets; the latter is httpd's 4-byte overflow.
    for (const char* head : {"41 42 1f fd", "41 42 20 00", "41 42 ff ff"}) {
      CHECK(decodeWhole(bytes(head), Expect::Response).error == DecodeError::BadLength);
    }
    CHECK(decodeWhole(bytes("41 42 ff fd"), Expect::Response, 65536).error ==
          DecodeError::BadLength);
    CHECK(decodeWhole(bytes("41 42 ff fc"), Expect::Response, 65536).error == DecodeError::None);
  }
  SECTION("a full-size SEND_BODY_CHUNK is exactly P bytes, and fits only its packet size") {
    for (size_t packetSize : {size_t{8192}, size_t{65536}}) {
      const std::string chunk = test::sendBodyChunk(std::string(packetSize - 8, 'q'));
      REQUIRE(chunk.size() == packetSize);
      DecodeRun run = decodeWhole(headers200() + chunk + kEndReuse, Expect::Response, packetSize);
      REQUIRE(run.error == DecodeError::None);
      CHECK(run.events[1].data.size() == packetSize - 8);
      const std::string tooBig = test::sendBodyChunk(std::string(packetSize - 7, 'q'));
      CHECK(decodeWhole(headers200() + tooBig, Expect::Response, packetSize).error ==
            DecodeError::BadLength);
    }
    const std::string big = test::sendBodyChunk(std::string(65528, 'q'));
    CHECK(decodeWhole(headers200() + big, Expect::Response, 8192).error == DecodeError::BadLength);
  }
  SECTION("an incomplete packet is kept, not an error") {
    DecodeRun run = decodeWhole(kCapturedHeaders.substr(0, 50), Expect::Response);
    CHECK(run.error == DecodeError::None);
    CHECK(run.events.empty());
    CHECK(run.consumed == 50);
  }
}

TEST_CASE("decoder: malformed SEND_HEADERS", "[ajp]") {
  SECTION("every shortened length fails, never reads past the payload") {
    // Each prefix of the payload, framed as a complete packet: the fields run out.
    for (size_t len = 1; len < 0x80; ++len) {
      const std::string packet = withLength(kCapturedHeaders.substr(0, 4 + len), len);
      DecodeRun run = decodeWhole(packet, Expect::Response);
      INFO("payload length " << len);
      CHECK((run.error == DecodeError::Truncated || run.error == DecodeError::MissingTerminator));
      CHECK(run.events.empty());
    }
  }
  SECTION("a string running into the next packet (CVE-2026-34032)") {
    // The message claims 40 bytes; the payload ends after 5, the rest is another packet.
    const std::string packet = bytes(R"(41 42 00 0a 04 00 c8 00 28 "200" 00 00)");
    DecodeRun run = decodeWhole(packet + headers200() + kEndReuse, Expect::Response);
    CHECK(run.error == DecodeError::Truncated);
    CHECK(run.events.empty());
  }
  SECTION("missing terminator") {
    DecodeRun run =
        decodeWhole(bytes(R"(41 42 00 0b 04 00 c8 00 03 "200" 58 00 00)"), Expect::Response);
    CHECK(run.error == DecodeError::MissingTerminator);
    run = decodeWhole(bytes(R"(41 42 00 0f 04 00 c8 00 00 00 00 01 a0 01 00 02 "ab" 01)"),
                      Expect::Response);
    CHECK(run.error == DecodeError::MissingTerminator);
  }
  SECTION("coded header outside 0xA001..0xA00B") {
    for (const char* code : {"a0 00", "a0 0c", "a0 0e", "a0 ff"}) {
      const std::string packet =
          bytes(std::string("41 42 00 0d 04 00 c8 00 00 00 00 01 ") + code + " 00 00 00");
      CHECK(decodeWhole(packet, Expect::Response).error == DecodeError::BadHeaderCode);
    }
  }
  SECTION("empty header name") {
    DecodeRun run = decodeWhole(bytes("41 42 00 0e 04 00 c8 00 00 00 00 01 00 00 00 00 00 00"),
                                Expect::Response);
    CHECK(run.error == DecodeError::BadHeaderName);
  }
  SECTION("status outside 100..999") {
    CHECK(decodeWhole(bytes("41 42 00 08 04 00 63 00 00 00 00 00"), Expect::Response).error ==
          DecodeError::BadStatus);
    CHECK(decodeWhole(bytes("41 42 00 08 04 03 e8 00 00 00 00 00"), Expect::Response).error ==
          DecodeError::BadStatus);
    CHECK(decodeWhole(bytes("41 42 00 08 04 03 e7 00 00 00 00 00"), Expect::Response).error ==
          DecodeError::None);
  }
  SECTION("bytes left after the last header") {
    CHECK(decodeWhole(bytes("41 42 00 09 04 00 c8 00 00 00 00 00 00"), Expect::Response).error ==
          DecodeError::BadLayout);
  }
  SECTION("more headers announced than present") {
    CHECK(decodeWhole(bytes("41 42 00 08 04 00 c8 00 00 00 ff ff"), Expect::Response).error ==
          DecodeError::Truncated);
    CHECK(decodeWhole(bytes("41 42 00 0d 04 00 c8 00 00 00 00 02 a0 01 00 00 00"), Expect::Response)
              .error == DecodeError::Truncated);
  }
}

TEST_CASE("decoder: malformed small packets", "[ajp]") {
  auto after = [](const std::string& packet) {
    return decodeWhole(headers200() + packet, Expect::Response).error;
  };
  SECTION("SEND_BODY_CHUNK length must be payload - 4 with its 00") {
    CHECK(after(bytes(R"(41 42 00 06 03 00 03 "ab" 00)")) == DecodeError::Truncated);
    CHECK(after(bytes(R"(41 42 00 06 03 00 01 "ab" 00)")) == DecodeError::BadLayout);
    CHECK(after(bytes(R"(41 42 00 06 03 00 02 "ab" 01)")) == DecodeError::MissingTerminator);
    CHECK(after(bytes("41 42 00 03 03 00 00")) == DecodeError::Truncated);
    CHECK(after(bytes("41 42 00 01 03")) == DecodeError::Truncated);
    CHECK(after(bytes("41 42 00 03 03 ff ff")) == DecodeError::Truncated);
    CHECK(after(bytes(R"(41 42 00 06 03 00 02 "ab" 00)")) == DecodeError::None);
  }
  SECTION("GET_BODY_CHUNK, END_RESPONSE and CPONG have fixed sizes") {
    CHECK(after(bytes("41 42 00 02 06 1f")) == DecodeError::Truncated);
    CHECK(after(bytes("41 42 00 04 06 1f fa 00")) == DecodeError::BadLayout);
    CHECK(after(bytes("41 42 00 01 05")) == DecodeError::Truncated);
    CHECK(after(bytes("41 42 00 03 05 01 00")) == DecodeError::BadLayout);
    CHECK(decodeWhole(bytes("41 42 00 02 09 00"), Expect::Cpong).error == DecodeError::BadLayout);
  }
  SECTION("types the container never sends") {
    for (int type : {0x00, 0x01, 0x02, 0x07, 0x08, 0x0a, 0x0b, 0x7f, 0xff}) {
      const std::string packet = test::containerPacket(std::string(1, static_cast<char>(type)));
      INFO("type " << type);
      CHECK(decodeWhole(packet, Expect::Response).error == DecodeError::UnknownType);
    }
  }
}

TEST_CASE("decoder: sequence rules", "[ajp]") {
  SECTION("SEND_HEADERS twice") {
    CHECK(decodeWhole(headers200() + headers200(), Expect::Response).error ==
          DecodeError::OutOfSequence);
  }
  SECTION("body data before SEND_HEADERS") {
    CHECK(decodeWhole(test::sendBodyChunk("x") + headers200(), Expect::Response).error ==
          DecodeError::OutOfSequence);
  }
  SECTION("END_RESPONSE before SEND_HEADERS") {
    CHECK(decodeWhole(kEndReuse, Expect::Response).error == DecodeError::OutOfSequence);
  }
  SECTION("anything after END_RESPONSE (CVE-2022-1319), in the same read or later") {
    DecodeRun run = decodeWhole(headers200() + kEndReuse + kCpong, Expect::Response);
    CHECK(run.error == DecodeError::Unsolicited);
    REQUIRE(run.events.size() == 2);  // the valid events before the fault are still reported
    CHECK(run.events[1].kind == Kind::EndResponse);
    const std::string stream = headers200() + kEndReuse + test::sendBodyChunk("late");
    CHECK(
        decodeInPieces(stream, {headers200().size() + kEndReuse.size()}, Expect::Response).error ==
        DecodeError::Unsolicited);
  }
  SECTION("CPONG only when a CPING is outstanding") {
    CHECK(decodeWhole(kCpong, Expect::Nothing).error == DecodeError::Unsolicited);
    CHECK(decodeWhole(kCpong, Expect::Response).error == DecodeError::OutOfSequence);
    CHECK(decodeWhole(headers200() + kCpong, Expect::Response).error == DecodeError::OutOfSequence);
    CHECK(decodeWhole(kCpong + kCpong, Expect::Cpong).error == DecodeError::Unsolicited);
  }
  SECTION("only CPONG answers a CPING") {
    CHECK(decodeWhole(headers200(), Expect::Cpong).error == DecodeError::OutOfSequence);
    CHECK(decodeWhole(kGetBodyChunk8k, Expect::Cpong).error == DecodeError::OutOfSequence);
    CHECK(decodeWhole(kEndReuse, Expect::Cpong).error == DecodeError::OutOfSequence);
  }
  SECTION("any byte while nothing is expected") {
    CHECK(decodeWhole("A", Expect::Nothing).error == DecodeError::Unsolicited);
  }
}

TEST_CASE("decoder: one connection, CPING then two requests", "[ajp]") {
  Ajp13Decoder d;
  CHECK(d.idle());
  REQUIRE(d.expectCpong());
  CHECK_FALSE(d.expectResponse());  // one thing at a time
  CHECK(d.feed(kCpong) == kCpong.size());
  auto ev = d.next();
  REQUIRE(ev);
  CHECK(std::holds_alternative<CPong>(*ev));
  CHECK(d.idle());

  for (int round = 0; round < 2; ++round) {
    REQUIRE(d.expectResponse());
    CHECK_FALSE(d.expectCpong());
    const std::string stream = headers200() + test::sendBodyChunk("hi") + kEndReuse;
    CHECK(d.feed(stream) == stream.size());
    CHECK(d.pendingEvents() == 3);
    CHECK(std::holds_alternative<SendHeaders>(*d.next()));
    CHECK(std::get<BodyChunk>(*d.next()).data == "hi");
    CHECK(std::get<EndResponse>(*d.next()).reuse);
    CHECK_FALSE(d.next());
    CHECK(d.idle());
  }
}

TEST_CASE("decoder: feed() waits while events are queued", "[ajp]") {
  Ajp13Decoder d;
  REQUIRE(d.expectResponse());
  const std::string stream = headers200() + test::sendBodyChunk("abc") + kEndReuse;
  CHECK(d.feed(std::string_view(stream).substr(0, headers200().size())) == headers200().size());
  CHECK(d.headersReceived());
  CHECK(d.feed(std::string_view(stream).substr(headers200().size())) == 0);
  REQUIRE(d.next());
  CHECK(d.feed(std::string_view(stream).substr(headers200().size())) ==
        stream.size() - headers200().size());
}

TEST_CASE("decoder: body chunks are views into the fed buffer when whole", "[ajp]") {
  Ajp13Decoder d;
  REQUIRE(d.expectResponse());
  const std::string stream = headers200() + test::sendBodyChunk("payload-bytes");
  REQUIRE(d.feed(stream) == stream.size());
  REQUIRE(std::holds_alternative<SendHeaders>(*d.next()));
  const BodyChunk chunk = std::get<BodyChunk>(*d.next());
  CHECK(chunk.data == "payload-bytes");
  CHECK(chunk.data.data() >= stream.data());
  CHECK(chunk.data.data() + chunk.data.size() <= stream.data() + stream.size());

  SECTION("a chunk split across feeds is assembled inside the decoder") {
    const std::string packet = test::sendBodyChunk("split-chunk");
    REQUIRE(d.feed(std::string_view(packet).substr(0, 5)) == 5);
    std::string rest(packet.substr(5));
    REQUIRE(d.feed(rest) == rest.size());
    const BodyChunk assembled = std::get<BodyChunk>(*d.next());
    CHECK(assembled.data == "split-chunk");
    const bool inRest =
        assembled.data.data() >= rest.data() && assembled.data.data() < rest.data() + rest.size();
    CHECK_FALSE(inRest);
  }
  SECTION("the assembled chunk stays valid while later packets of the same feed are read") {
    const std::string a = test::sendBodyChunk("first-split");
    const std::string b = test::sendBodyChunk("second-whole");
    const std::string c = test::sendBodyChunk("third-partial");
    REQUIRE(d.feed(std::string_view(a).substr(0, 3)) == 3);
    const std::string second = a.substr(3) + b + c.substr(0, 6);  // starts another partial
    REQUIRE(d.feed(second) == second.size());
    CHECK(std::get<BodyChunk>(*d.next()).data == "first-split");
    CHECK(std::get<BodyChunk>(*d.next()).data == "second-whole");
    CHECK_FALSE(d.next());
    CHECK(d.bufferedBytes() == 6);
    const std::string third = c.substr(6);
    REQUIRE(d.feed(third) == third.size());
    CHECK(std::get<BodyChunk>(*d.next()).data == "third-partial");
  }
}

TEST_CASE("decoder: failure is sticky, reset() starts over", "[ajp]") {
  Ajp13Decoder d;
  REQUIRE(d.expectResponse());
  CHECK(d.feed("XYZ") == 0);
  CHECK(d.failed());
  CHECK(d.errorCode() == DecodeError::BadMagic);
  CHECK_FALSE(d.error().empty());
  CHECK(d.feed(headers200()) == 0);
  CHECK_FALSE(d.expectResponse());
  CHECK_FALSE(d.expectCpong());
  d.reset();
  CHECK_FALSE(d.failed());
  CHECK(d.error().empty());
  CHECK(d.idle());
  REQUIRE(d.expectCpong());
  const std::span<const std::byte> asBytes(reinterpret_cast<const std::byte*>(kCpong.data()),
                                           kCpong.size());
  CHECK(d.feed(asBytes) == kCpong.size());
  CHECK(std::holds_alternative<CPong>(*d.next()));
}

TEST_CASE("decoder: packet size is checked at construction", "[ajp]") {
  CHECK_THROWS_AS(Ajp13Decoder(Ajp13Limits{.packetSize = 4096}), std::invalid_argument);
  CHECK_THROWS_AS(Ajp13Decoder(Ajp13Limits{.packetSize = 65537}), std::invalid_argument);
  for (int e = 0; e <= static_cast<int>(DecodeError::Unsolicited); ++e) {
    CHECK((e == 0) == describe(static_cast<DecodeError>(e)).empty());
  }
}

/** Streams used for the split-invariance checks below, valid and broken alike. */
std::vector<std::pair<std::string, Expect>> splitCases() {
  std::string big(20000, 'z');
  return {
      {kCapturedHeaders + test::sendBodyChunk("456 bytes") + kFlush + kEndReuse, Expect::Response},
      {kGetBodyChunk8k + headers200() + test::sendBodyChunk(big.substr(0, 8184)) +
           test::sendBodyChunk(big.substr(0, 8184)) + test::sendBodyChunk(big.substr(0, 3632)) +
           kEndClose,
       Expect::Response},
      {kCpong, Expect::Cpong},
      {kCpong + kCpong, Expect::Cpong},
      {headers200() + kEndReuse + "trailing", Expect::Response},
      {headers200() + bytes("41 42 00 06 03 00 09 61 62 00"), Expect::Response},
      {kCapturedHeaders.substr(0, 70), Expect::Response},
      {headers200() + bytes("41 42 20 00"), Expect::Response},
      {"GET / HTTP/1.1\r\n\r\n", Expect::Response},
      {headers200() + headers200(), Expect::Response},
  };
}

TEST_CASE("decoder: one byte at a time gives the same events as one read", "[ajp]") {
  for (const auto& [stream, expect] : splitCases()) {
    const DecodeRun whole = decodeWhole(stream, expect);
    const DecodeRun bytewise = decodeByteByByte(stream, expect);
    INFO(hex(stream.substr(0, 32)));
    CHECK(bytewise == whole);
    CHECK(decodeWhole(stream, expect, 65536).events.size() >= whole.events.size());
  }
}

TEST_CASE("decoder: random cuts give the same events as one read", "[ajp]") {
  std::mt19937 rng(1234);  // fixed seed: deterministic
  for (const auto& [stream, expect] : splitCases()) {
    const DecodeRun whole = decodeWhole(stream, expect);
    for (int trial = 0; trial < 50; ++trial) {
      std::vector<size_t> pieces;
      for (size_t total = 0; total < stream.size();) {
        const size_t n = std::uniform_int_distribution<size_t>(0, 9000)(rng) % (stream.size() + 1);
        pieces.push_back(n);
        total += n;
      }
      CHECK(decodeInPieces(stream, pieces, expect) == whole);
    }
  }
}

}  // namespace
}  // namespace cxxb::ajp
