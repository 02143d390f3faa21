#include "balancer/lb_method.h"

#include <catch2/catch.hpp>
#include <string>

#include "config/settings.h"

TEST_CASE("makeLbMethod knows httpd's three methods and p2c by name", "[balancer]") {
  const std::string name = GENERATE("byrequests", "bytraffic", "bybusyness", "p2c");
  const auto method = cxxb::balancer::makeLbMethod(name);
  REQUIRE(method != nullptr);
  CHECK(method->name() == name);
}

TEST_CASE("makeLbMethod refuses other names", "[balancer]") {
  const std::string name =
      GENERATE("", "ByRequests", "byrequests ", "heartbeat", "P2C", "p2c2", "byrequestsx", "byreq");
  CHECK(cxxb::balancer::makeLbMethod(name) == nullptr);
}

TEST_CASE("makeLbMethod returns a fresh method each time", "[balancer]") {
  const auto first = cxxb::balancer::makeLbMethod("byrequests");
  const auto second = cxxb::balancer::makeLbMethod("byrequests");
  CHECK(first.get() != second.get());
}

TEST_CASE("every method configuration accepts can be made", "[balancer]") {
  for (const auto& method : cxxb::config::kLbMethods) {
    INFO(method.name);
    const auto made = cxxb::balancer::makeLbMethod(method.name);
    REQUIRE(made != nullptr);
    CHECK(made->name() == method.name);
  }
  CHECK(cxxb::balancer::makeLbMethod("ByRequests") == nullptr);  // configuration lowercases
  CHECK(cxxb::balancer::makeLbMethod("random") == nullptr);
}
