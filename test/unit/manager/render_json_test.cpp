#include "manager/render_json.h"

#include <catch2/catch.hpp>
#include <string>

#include "config/balancer_config.h"

using namespace cxxb;
using namespace cxxb::manager;

namespace {

std::string quoted(std::string_view text) {
  std::string out;
  appendJsonString(out, text);
  return out;
}

}  // namespace

TEST_CASE("json: strings are quoted and escaped", "[manager]") {
  CHECK(quoted("") == R"("")");
  CHECK(quoted("plain text") == R"("plain text")");
  CHECK(quoted("a\"b\\c") == R"("a\"b\\c")");
  CHECK(quoted("\n\r\t") == R"("\n\r\t")");
  CHECK(quoted(std::string_view("\0\x01\x1f\x7f", 4)) == R"("\u0000\u0001\u001f\u007f")");
  CHECK(quoted("</script><b>&amp;") == R"("\u003c/script\u003e\u003cb\u003e\u0026amp;")");
}

TEST_CASE("json: valid UTF-8 passes, invalid bytes become U+FFFD", "[manager]") {
  CHECK(quoted("h\xc3\xa9") == "\"h\xc3\xa9\"");                     // é
  CHECK(quoted("\xe2\x82\xac") == "\"\xe2\x82\xac\"");               // €
  CHECK(quoted("\xf0\x9f\x98\x80") == "\"\xf0\x9f\x98\x80\"");       // emoji
  CHECK(quoted("\xe2\x80\xa8\xe2\x80\xa9") == R"("\u2028\u2029")");  // JS line ends
  CHECK(quoted("a\xff"
               "b") == R"("a\ufffdb")");
  CHECK(quoted("\xc3") == R"("\ufffd")");                                // truncated
  CHECK(quoted("\xc0\xaf") == R"("\ufffd\ufffd")");                      // overlong '/'
  CHECK(quoted("\xed\xa0\x80") == R"("\ufffd\ufffd\ufffd")");            // surrogate
  CHECK(quoted("\xf4\x90\x80\x80") == R"("\ufffd\ufffd\ufffd\ufffd")");  // > U+10FFFF
}

TEST_CASE("json: statusLetters in D S H N I E order", "[manager]") {
  CHECK(statusLetters(0).empty());
  CHECK(statusLetters(config::kStatusInError | config::kStatusDisabled) == "DE");
  CHECK(statusLetters(0x3F) == "DSHNIE");
  CHECK(statusLetters(1u << 20) == "");  // unknown bits are not shown
}

TEST_CASE("json: a whole snapshot", "[manager]") {
  Snapshot s;
  s.version = "0.1.0";
  s.generation = 2;
  s.nowMs = 1700000000123;
  s.startedMs = 1700000000000;
  BalancerSnapshot b;
  b.name = "web";
  b.lbMethod = "byrequests";
  b.capacity = 3;
  MemberSnapshot m;
  m.name = "http://a:8080/x\"y";
  m.route = "r1";
  m.lbset = 1;
  m.loadFactor = 5;
  m.status = config::kStatusInError | config::kStatusHotStandby;
  m.runtimeStatus = config::kStatusInError;
  m.inError = true;
  m.errorSinceMs = 1700000000001;
  m.retryInMs = 59000;
  m.health.status = "down";
  m.health.lastCheckMs = 5;
  m.health.lastCheckStatus = -1;
  m.health.passes = 0;
  m.health.fails = 3;
  m.requests = 10;
  m.failures = 1;
  m.bytesSent = 200;
  m.bytesReceived = 3000;
  m.busy = 2;
  m.latencyUs = 850;
  b.members.push_back(m);
  s.balancers.push_back(b);
  s.balancers.push_back(
      BalancerSnapshot{.name = "empty", .lbMethod = "", .capacity = 0, .members = {}});
  CHECK(renderJson(s) ==
        R"({"version":"0.1.0","generation":2,"now":1700000000123,"started":1700000000000,)"
        R"("balancers":[{"name":"web","lbmethod":"byrequests","capacity":3,"members":[)"
        R"({"name":"http://a:8080/x\"y","route":"r1","redirect":"","lbset":1,"loadfactor":5,)"
        R"("status":"HE","runtimeStatus":"E","inError":true,"errorSince":1700000000001,)"
        R"("retryIn":59000,"health":{"status":"down","lastCheck":5,"lastStatus":-1,"passes":0,)"
        R"("fails":3},"requests":10,"failures":1,"bytesSent":200,"bytesReceived":3000,"busy":2,)"
        R"("latencyUs":850}]},{"name":"empty","lbmethod":"","capacity":0,"members":[]}]})");
}

TEST_CASE("json: no balancers", "[manager]") {
  Snapshot s;
  CHECK(renderJson(s) == R"({"version":"","generation":0,"now":0,"started":0,"balancers":[]})");
}
