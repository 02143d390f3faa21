#include "core/string_util.h"

#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <string_view>

using cxxb::CaseInsensitiveLess;
using cxxb::escapeForLog;
using cxxb::kHexDigits;

TEST_CASE("kHexDigits: lower-case digits indexed by value", "[core]") {
  REQUIRE(kHexDigits.size() == 16);
  CHECK(kHexDigits[0] == '0');
  CHECK(kHexDigits[9] == '9');
  CHECK(kHexDigits[0xa] == 'a');
  CHECK(kHexDigits[0xf] == 'f');
}

TEST_CASE("escapeForLog: one line, unambiguous, bounded", "[core]") {
  CHECK(escapeForLog("plain text", 64) == "plain text");
  CHECK(escapeForLog("a\r\nb", 64) == "a\\x0d\\x0ab");
  CHECK(escapeForLog("back\\slash", 64) == "back\\x5cslash");  // a literal "\x0d" is told apart
  CHECK(escapeForLog(std::string("nul\0", 4), 64) == "nul\\x00");
  CHECK(escapeForLog("caf\xc3\xa9\x7f", 64) == "caf\\xc3\\xa9\\x7f");
  CHECK(escapeForLog("abcdef", 6) == "abcdef");
  CHECK(escapeForLog("abcdefg", 6) == "abcdef...");
  CHECK(escapeForLog("\n\n\n", 2) == "\\x0a\\x0a...");  // counts input characters
  CHECK(escapeForLog("", 0).empty());
  CHECK(escapeForLog("x", 0) == "...");
}

TEST_CASE("CaseInsensitiveLess: orders as the lower-case forms would", "[core]") {
  constexpr CaseInsensitiveLess less;
  static_assert(less("ABC", "abd") && !less("abd", "ABC"));
  CHECK_FALSE(less("Web", "wEB"));
  CHECK_FALSE(less("wEB", "Web"));
  CHECK(less("web", "web2"));
  CHECK_FALSE(less("web2", "WEB"));
  CHECK(less("", "a"));
  CHECK_FALSE(less("", ""));
  CHECK(less("Z", "a") == (std::string("z") < std::string("a")));  // not ASCII order: 'Z' < 'a'
  CHECK(less("_", "a") == ('_' < 'a'));
  CHECK(less("[", "a") == ('[' < 'a'));    // '[' sits between 'Z' and 'a': compared as itself
  CHECK(less("a\x80", "a\x7f") == false);  // bytes compare unsigned
}

TEST_CASE("CaseInsensitiveLess: a map found with a string_view, whatever its case", "[core]") {
  std::map<std::string, int, CaseInsensitiveLess> byName;
  byName.emplace("web", 1);
  byName.emplace("Api", 2);
  CHECK_FALSE(byName.emplace("WEB", 3).second);  // the same key
  CHECK(byName.size() == 2);
  const std::string_view wanted = "WeB";
  auto it = byName.find(wanted);  // heterogeneous: no std::string is made
  REQUIRE(it != byName.end());
  CHECK(it->second == 1);
  CHECK(byName.find(std::string_view("api"))->second == 2);
  CHECK(byName.find(std::string_view("ap")) == byName.end());
  CHECK(byName.count(std::string_view("API")) == 1);
}
