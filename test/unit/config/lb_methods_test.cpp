#include "config/lb_methods.h"

#include <catch2/catch.hpp>

using cxxb::config::kDefaultLbMethod;
using cxxb::config::kLbMethods;
using cxxb::config::LbMethodKind;
using cxxb::config::lbMethodKind;
using cxxb::config::lbMethodName;

static_assert(lbMethodKind("p2c") == LbMethodKind::P2c, "usable in constant expressions");

TEST_CASE("lb method table: names and kinds map both ways, byrequests first", "[config]") {
  CHECK(kDefaultLbMethod == "byrequests");
  CHECK(kLbMethods.front().name == kDefaultLbMethod);
  for (const auto& method : kLbMethods) {
    INFO(method.name);
    CHECK(lbMethodKind(method.name) == method.kind);
    CHECK(lbMethodName(method.kind) == method.name);
  }
  CHECK(lbMethodName(LbMethodKind::ByTraffic) == "bytraffic");
  CHECK(lbMethodName(LbMethodKind::ByBusyness) == "bybusyness");
  CHECK_FALSE(lbMethodKind("ByRequests"));  // exact: settings.cpp compares without case
  CHECK_FALSE(lbMethodKind(""));
  CHECK_FALSE(lbMethodKind("byrequests "));
}
