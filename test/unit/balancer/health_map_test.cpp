#include <catch2/catch.hpp>

#include <vector>

#include "balancer/health_map.h"

using cxxb::balancer::HealthMapEntry;
using cxxb::balancer::healthMapLookup;

namespace {

std::vector<HealthMapEntry> images() {
  return {
      {"images", "s1", "10.0.0.5", 8080, "/img/", false, true},
      {"images", "s2", "10.0.0.6", 8080, "", false, false},
      {"images", "sorry", "::1", 8081, "", true, true},
      {"web", "w1", "10.0.0.7", 80, "", false, false},
      {"web", "spare", "10.0.0.8", 80, "", true, true},
  };
}

}  // namespace

TEST_CASE("a balancer is UP while a member outside hot standby is usable", "[health_map]") {
  auto members = images();
  CHECK(healthMapLookup("images", members) == "UP");
  CHECK(healthMapLookup("IMAGES", members) == "UP");
  CHECK(healthMapLookup("web", members) == "DOWN");  // only its hot standby is up
  CHECK(healthMapLookup("nosuch", members) == "DOWN");
  members[0].usable = false;
  CHECK(healthMapLookup("images", members) == "DOWN");
}

TEST_CASE("a route names one member of a balancer", "[health_map]") {
  auto members = images();
  CHECK(healthMapLookup("images/s1", members) == "UP");
  CHECK(healthMapLookup("images/s2", members) == "DOWN");
  CHECK(healthMapLookup("web/spare", members) == "UP");
  CHECK(healthMapLookup("images/w1", members) == "DOWN");
}

TEST_CASE("an address names the member with that host, port and path", "[health_map]") {
  auto members = images();
  CHECK(healthMapLookup("10.0.0.5:8080", members) == "UP");
  CHECK(healthMapLookup("10.0.0.5:8080:/img", members) == "UP");
  CHECK(healthMapLookup("10.0.0.5:8080:img/", members) == "UP");
  CHECK(healthMapLookup("10.0.0.5:8080:/other", members) == "DOWN");
  CHECK(healthMapLookup("10.0.0.6:8080", members) == "DOWN");
  CHECK(healthMapLookup("[::1]:8081", members) == "UP");
  CHECK(healthMapLookup("10.0.0.5:0", members) == "DOWN");
  CHECK(healthMapLookup("10.0.0.5:99999", members) == "DOWN");
  CHECK(healthMapLookup("", members) == "DOWN");
  CHECK(healthMapLookup("[::1", members) == "DOWN");
}
