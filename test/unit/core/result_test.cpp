#include <catch2/catch.hpp>

#include "core/result.h"
#include "core/string_util.h"

using cxxb::Result;

namespace {

Result<int> half(int x) {
  if (x % 2 != 0) {
    return cxxb::unexpected(std::to_string(x) + " is odd");
  }
  return x / 2;
}

}  // namespace

TEST_CASE("Result carries a value or an error message", "[core]") {
  auto good = half(8);
  REQUIRE(good);
  CHECK(*good == 4);
  auto bad = half(7);
  REQUIRE_FALSE(bad);
  CHECK(bad.error() == "7 is odd");
  Result<void> fine;
  CHECK(fine.ok());
  Result<void> failed = cxxb::unexpected("no");
  CHECK(failed.error() == "no");
}

TEST_CASE("parseDecimal accepts only whole unsigned numbers", "[core]") {
  CHECK(cxxb::parseDecimal<uint32_t>("42") == 42u);
  CHECK_FALSE(cxxb::parseDecimal<uint32_t>("").has_value());
  CHECK_FALSE(cxxb::parseDecimal<uint32_t>("-1").has_value());
  CHECK_FALSE(cxxb::parseDecimal<uint32_t>("+1").has_value());
  CHECK_FALSE(cxxb::parseDecimal<uint32_t>("4x").has_value());
  CHECK_FALSE(cxxb::parseDecimal<uint8_t>("256").has_value());
  CHECK(cxxb::iequals("Content-Length", "content-length"));
  CHECK(cxxb::trimSpace("  a b \t") == "a b");
}
