#include "probe/probe_line.h"

#include <catch2/catch.hpp>
#include <functional>
#include <string>
#include <vector>

using cxxb::probe::InputLine;
using cxxb::probe::kMaxLineBytes;
using cxxb::probe::LineSplitter;
using cxxb::probe::parseProbeLine;
using cxxb::probe::ProbeTarget;

TEST_CASE("seed 000's keys parse into a target", "[probe]") {
  auto seed = parseProbeLine("192.168.1.3:80:/");
  REQUIRE(seed);
  CHECK(*seed == ProbeTarget{"192.168.1.3", 80, "/"});

  auto health = parseProbeLine("static-b.example.org:8080:/health?full=1");
  REQUIRE(health);
  CHECK(*health == ProbeTarget{"static-b.example.org", 8080, "/health?full=1"});

  auto tcpOnly = parseProbeLine("db_1.internal:5432");
  REQUIRE(tcpOnly);
  CHECK(tcpOnly->path.empty());
  auto emptyPath = parseProbeLine("db_1.internal:5432:");
  REQUIRE(emptyPath);
  CHECK(emptyPath->path.empty());
}

TEST_CASE("a trailing CR and surrounding blanks are not part of the key", "[probe]") {
  auto crlf = parseProbeLine("127.0.0.1:8080:/health\r");
  REQUIRE(crlf);
  CHECK(crlf->path == "/health");
  auto padded = parseProbeLine(" \t127.0.0.1:8080 ");
  REQUIRE(padded);
  CHECK(padded->port == 8080);
}

TEST_CASE("IPv6 literals come in brackets", "[probe]") {
  auto loopback = parseProbeLine("[::1]:8080:/health");
  REQUIRE(loopback);
  CHECK(*loopback == ProbeTarget{"::1", 8080, "/health"});
  CHECK(loopback->authority() == "[::1]:8080");
  CHECK(loopback->key() == "[::1]:8080:/health");

  auto scoped = parseProbeLine("[fe80::1%eth0]:80");
  REQUIRE(scoped);
  CHECK(scoped->host == "fe80::1%eth0");
  auto mapped = parseProbeLine("[::ffff:127.0.0.1]:80:/");
  REQUIRE(mapped);
  CHECK(mapped->host == "::ffff:127.0.0.1");
}

TEST_CASE("the cache key ignores the host's case but not the path's", "[probe]") {
  CHECK(parseProbeLine("Static.Example:80:/A")->key() == "static.example:80:/A");
  CHECK(parseProbeLine("static.example:80:/a")->key() != "static.example:80:/A");
  CHECK(parseProbeLine("h:80")->key() == "h:80");
}

TEST_CASE("malformed lines are refused with a reason", "[probe]") {
  const std::vector<std::string> bad{
      "",
      "   ",
      "\r",
      "images",                          // a balancer name: the int: map's key, not ours
      "host",                            // no port
      "host:",                           // empty port
      "host:http:/",                     // port not numeric
      "host:0:/",                        // port 0
      "host:65536:/",                    // port too big
      "host:-1:/",                       // negative
      ":80:/",                           // no host
      "host:80:health",                  // path without '/'
      "host:80:/a b",                    // space in the path
      "host:80:/a\tb",                   // tab in the path
      std::string("host:80:/a\0b", 12),  // NUL in the path
      "host:80:/\x7f",                   // DEL
      "ho st:80:/",                      // space in the host
      "host/x:80:/",                     // '/' in a host
      "h\xc3\xa9:80:/",                  // non-ASCII host
      "::1:80:/",                        // IPv6 without brackets
      "[::1:80:/",                       // unclosed bracket
      "[::1]80:/",                       // no ':' after the bracket
      "[]:80:/",                         // empty literal
      "[example.com]:80:/",              // a name in brackets
      "[::1%]:80:/",                     // empty zone
      "[::1%e/0]:80:/",                  // bad zone
      std::string(254, 'a') + ":80:/",   // host over 253 bytes
  };
  for (const auto& line : bad) {
    INFO(line);
    auto parsed = parseProbeLine(line);
    CHECK_FALSE(parsed);
    if (!parsed) {
      CHECK_FALSE(parsed.error().empty());
    }
  }
}

namespace {

struct Collected {
  std::vector<std::string> lines;
  std::vector<bool> tooLong;
  void operator()(const InputLine& line) {
    lines.emplace_back(line.text);
    tooLong.push_back(line.tooLong);
  }
};

}  // namespace

TEST_CASE("lines are the same however reads cut the input", "[probe]") {
  const std::string input = "a:1:/\nb:2\n\nc:3:/x\n";
  for (size_t cut = 0; cut <= input.size(); ++cut) {
    LineSplitter splitter;
    Collected got;
    splitter.feed(std::string_view(input).substr(0, cut), std::ref(got));
    splitter.feed(std::string_view(input).substr(cut), std::ref(got));
    splitter.finish(std::ref(got));
    INFO("cut at " << cut);
    CHECK(got.lines == std::vector<std::string>{"a:1:/", "b:2", "", "c:3:/x"});
    CHECK(got.tooLong == std::vector<bool>(4, false));
  }
}

TEST_CASE("a last line without a newline is still answered", "[probe]") {
  LineSplitter splitter;
  Collected got;
  splitter.feed("a:1\nb:2", std::ref(got));
  CHECK(got.lines == std::vector<std::string>{"a:1"});
  splitter.finish(std::ref(got));
  CHECK(got.lines == std::vector<std::string>{"a:1", "b:2"});
  splitter.finish(std::ref(got));  // nothing pending: nothing more
  CHECK(got.lines.size() == 2);
}

TEST_CASE("an over-long line is reported once and reading resyncs at its newline", "[probe]") {
  LineSplitter splitter(16);
  Collected got;
  const std::string exact(16, 'x');
  splitter.feed(exact + "\n", std::ref(got));
  // 17 bytes in three reads, then a good line in the same read as the newline.
  splitter.feed("aaaaaaaa", std::ref(got));
  splitter.feed("aaaaaaaa", std::ref(got));
  splitter.feed("a", std::ref(got));
  splitter.feed("aaaa\nh:80\n", std::ref(got));
  CHECK(got.lines == std::vector<std::string>{exact, "", "h:80"});
  CHECK(got.tooLong == std::vector<bool>{false, true, false});
}

TEST_CASE("a flood without newlines keeps no more than the limit", "[probe]") {
  LineSplitter splitter;
  Collected got;
  const std::string chunk(4096, 'z');
  for (int i = 0; i < 1000; ++i) {  // 4 MB of one line
    splitter.feed(chunk, std::ref(got));
  }
  CHECK(got.lines.empty());
  splitter.feed("\n127.0.0.1:80\n", std::ref(got));
  CHECK(got.tooLong == std::vector<bool>{true, false});
  CHECK(got.lines.back() == "127.0.0.1:80");
  // An over-long last line at end of input is reported too.
  splitter.feed(chunk + chunk, std::ref(got));
  splitter.finish(std::ref(got));
  CHECK(got.tooLong.back());
}

TEST_CASE("a line at the parser's limit parses; the splitter's default matches it", "[probe]") {
  const std::string prefix = "h:80:/";
  std::string atLimit = prefix + std::string(kMaxLineBytes - prefix.size(), 'p');
  CHECK(parseProbeLine(atLimit));
  CHECK_FALSE(parseProbeLine(atLimit + "p"));
  LineSplitter splitter;
  Collected got;
  splitter.feed(atLimit + "\n" + atLimit + "p\n", std::ref(got));
  CHECK(got.tooLong == std::vector<bool>{false, true});
}
