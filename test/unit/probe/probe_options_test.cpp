#include "probe/probe_options.h"

#include <catch2/catch.hpp>
#include <string_view>
#include <vector>

using cxxb::Millis;
using cxxb::Seconds;
using cxxb::config::StatusRange;
using cxxb::probe::parseProbeArgs;

namespace {

auto parse(std::vector<std::string_view> args) { return parseProbeArgs(args); }

}  // namespace

TEST_CASE("without options the probe uses its documented defaults", "[probe]") {
  auto parsed = parse({});
  REQUIRE(parsed);
  CHECK(parsed->options.cache == Seconds(5));
  CHECK(parsed->options.connectTimeout == Millis(2000));
  CHECK(parsed->options.readTimeout == Millis(2000));
  CHECK(parsed->options.method == "HEAD");
  CHECK(parsed->options.expect == std::vector<StatusRange>{{200, 399}});
  CHECK_FALSE(parsed->help);
}

TEST_CASE("options take their value after a space or an equals sign", "[probe]") {
  auto parsed = parse({"--cache", "0", "--connect-timeout=150", "--read-timeout", "300",
                       "--method=get", "--expect", "200,204,300-302"});
  REQUIRE(parsed);
  CHECK(parsed->options.cache == Seconds(0));
  CHECK(parsed->options.connectTimeout == Millis(150));
  CHECK(parsed->options.readTimeout == Millis(300));
  CHECK(parsed->options.method == "GET");
  CHECK(parsed->options.expect == std::vector<StatusRange>{{200, 200}, {204, 204}, {300, 302}});
  CHECK(parse({"--help"})->help);
  CHECK(parse({"--version"})->version);
}

TEST_CASE("a bad option is refused with a message naming it", "[probe]") {
  struct Case {
    std::vector<std::string_view> args;
    std::string_view mentions;
  };
  const std::vector<Case> cases{
      {{"--cache", "-1"}, "--cache -1"},
      {{"--cache", "86401"}, "--cache 86401"},
      {{"--cache", "5s"}, "--cache 5s"},
      {{"--connect-timeout", "0"}, "--connect-timeout 0"},
      {{"--read-timeout=600001"}, "--read-timeout 600001"},
      {{"--method", "POST"}, "--method POST"},
      {{"--method", "CPING"}, "HEAD, GET or OPTIONS"},
      {{"--expect", "abc"}, "--expect abc: not a status list; allowed: status codes"},
      {{"--expect", "399-200"}, "--expect 399-200: range runs backwards"},
      {{"--expect", "200,,300"}, "--expect"},
      {{"--cache"}, "--cache: needs a value"},
      {{"--timeout", "5"}, "--timeout: unknown option"},
      {{"extra"}, "extra: unknown option"},
  };
  for (const auto& c : cases) {
    auto parsed = parse(c.args);
    INFO(c.mentions);
    REQUIRE_FALSE(parsed);
    CHECK_THAT(parsed.error(), Catch::Contains(std::string(c.mentions)));
  }
}
