#include "balancer/lb_method.h"

#include <catch2/catch.hpp>
#include <string>

TEST_CASE("makeLbMethod knows httpd's three methods by name", "[balancer]") {
  const std::string name = GENERATE("byrequests", "bytraffic", "bybusyness");
  const auto method = cxxb::balancer::makeLbMethod(name);
  REQUIRE(method != nullptr);
  CHECK(method->name() == name);
}

TEST_CASE("makeLbMethod refuses other names", "[balancer]") {
  const std::string name =
      GENERATE("", "ByRequests", "byrequests ", "heartbeat", "p2c", "byrequestsx", "byreq");
  CHECK(cxxb::balancer::makeLbMethod(name) == nullptr);
}

TEST_CASE("makeLbMethod returns a fresh method each time", "[balancer]") {
  const auto first = cxxb::balancer::makeLbMethod("byrequests");
  const auto second = cxxb::balancer::makeLbMethod("byrequests");
  CHECK(first.get() != second.get());
}
