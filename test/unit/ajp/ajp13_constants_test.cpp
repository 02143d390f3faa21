#include "ajp/ajp13_constants.h"

#include <catch2/catch.hpp>

namespace cxxb::ajp {
namespace {

TEST_CASE("method codes follow the AJP13 table, case-sensitively", "[ajp]") {
  CHECK(methodCode("OPTIONS") == 1);
  CHECK(methodCode("GET") == 2);
  CHECK(methodCode("HEAD") == 3);
  CHECK(methodCode("POST") == 4);
  CHECK(methodCode("PUT") == 5);
  CHECK(methodCode("DELETE") == 6);
  CHECK(methodCode("TRACE") == 7);
  CHECK(methodCode("PROPFIND") == 8);
  CHECK(methodCode("VERSION-CONTROL") == 17);
  CHECK(methodCode("BASELINE-CONTROL") == 26);
  CHECK(methodCode("MKACTIVITY") == 27);
  // httpd matches case-sensitively: these go as stored method 0xFF + attribute 0x0D.
  CHECK_FALSE(methodCode("get"));
  CHECK_FALSE(methodCode("Get"));
  CHECK_FALSE(methodCode("PATCH"));
  CHECK_FALSE(methodCode("CONNECT"));
  CHECK_FALSE(methodCode(""));
  for (uint8_t code = 1; code <= 27; ++code) {
    REQUIRE(methodName(code));
    CHECK(methodCode(*methodName(code)) == code);
  }
  CHECK_FALSE(methodName(0));
  CHECK_FALSE(methodName(28));
  CHECK_FALSE(methodName(kStoredMethodCode));
}

TEST_CASE("request header codes match names case-insensitively", "[ajp]") {
  CHECK(requestHeaderCode("accept") == 0xA001);
  CHECK(requestHeaderCode("Accept-Charset") == 0xA002);
  CHECK(requestHeaderCode("ACCEPT-ENCODING") == 0xA003);
  CHECK(requestHeaderCode("Accept-Language") == 0xA004);
  CHECK(requestHeaderCode("Authorization") == 0xA005);
  CHECK(requestHeaderCode("Connection") == 0xA006);
  CHECK(requestHeaderCode("Content-Type") == 0xA007);
  CHECK(requestHeaderCode("Content-Length") == 0xA008);
  CHECK(requestHeaderCode("Cookie") == 0xA009);
  CHECK(requestHeaderCode("Cookie2") == 0xA00A);
  CHECK(requestHeaderCode("HOST") == 0xA00B);
  CHECK(requestHeaderCode("Pragma") == 0xA00C);
  CHECK(requestHeaderCode("Referer") == 0xA00D);
  CHECK(requestHeaderCode("User-Agent") == 0xA00E);
  CHECK_FALSE(requestHeaderCode("X-Forwarded-For"));
  CHECK_FALSE(requestHeaderCode("Transfer-Encoding"));
  CHECK_FALSE(requestHeaderCode("Hostx"));
  CHECK(requestHeaderName(0xA00B) == "host");
  CHECK_FALSE(requestHeaderName(0xA000));
  CHECK_FALSE(requestHeaderName(0xA00F));
}

TEST_CASE("response header codes are Tomcat's SC_RESP table", "[ajp]") {
  CHECK(responseHeaderName(0xA001) == "Content-Type");
  CHECK(responseHeaderName(0xA002) == "Content-Language");
  CHECK(responseHeaderName(0xA003) == "Content-Length");
  CHECK(responseHeaderName(0xA004) == "Date");
  CHECK(responseHeaderName(0xA005) == "Last-Modified");
  CHECK(responseHeaderName(0xA006) == "Location");
  CHECK(responseHeaderName(0xA007) == "Set-Cookie");
  CHECK(responseHeaderName(0xA008) == "Set-Cookie2");
  CHECK(responseHeaderName(0xA009) == "Servlet-Engine");
  CHECK(responseHeaderName(0xA00A) == "Status");
  CHECK(responseHeaderName(0xA00B) == "WWW-Authenticate");
  CHECK_FALSE(responseHeaderName(0xA000));
  CHECK_FALSE(responseHeaderName(0xA00C));
  CHECK_FALSE(responseHeaderName(0x0001));
  CHECK(responseHeaderCode("set-cookie") == 0xA007);
}

TEST_CASE("derived sizes for both packet-size extremes", "[ajp]") {
  CHECK(isValidPacketSize(8192));
  CHECK(isValidPacketSize(65536));
  CHECK_FALSE(isValidPacketSize(8191));
  CHECK_FALSE(isValidPacketSize(65537));
  CHECK(maxPayload(8192) == 8188);
  CHECK(maxRequestBodyChunk(8192) == 0x1FFA);
  CHECK(maxResponseBodyChunk(8192) == 0x1FF8);
  CHECK(maxPayload(65536) == 65532);
  CHECK(maxRequestBodyChunk(65536) == 0xFFFA);
  CHECK(maxResponseBodyChunk(65536) == 65528);
}

}  // namespace
}  // namespace cxxb::ajp
