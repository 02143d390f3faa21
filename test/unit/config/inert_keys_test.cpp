#include <catch2/catch.hpp>

#include "config/inert_keys.h"
#include "config/settings.h"

using namespace cxxb::config;

namespace {

BalancerConfig balancerWith(const std::vector<std::vector<std::string>>& memberLines,
                            const std::vector<std::string>& setLine = {}) {
  BalancerConfig balancer;
  balancer.name = "web";
  balancer.where = {"/etc/apache2/app.conf", 3};
  int line = 4;
  for (const auto& args : memberLines) {
    auto member = parseMemberLine(args);
    REQUIRE(member);
    member->where = {"/etc/apache2/app.conf", line++};
    balancer.members.push_back(std::move(*member));
  }
  if (!setLine.empty()) {
    REQUIRE(parseBalancerSetLine(balancer, setLine));
  }
  return balancer;
}

}  // namespace

TEST_CASE("a configuration of keys that act has nothing to warn about", "[config][inert]") {
  auto balancer = balancerWith({{"http://a:8080", "loadfactor=5", "flushpackets=off"},
                                {"ajp://b:8009", "ping=2", "secret=s"}},
                               {"lbmethod=p2c", "stickysession=JSESSIONID"});
  CHECK(keysNotActingYet(balancer).empty());
}

TEST_CASE("keys without behaviour yet are named with their line", "[config][inert]") {
  auto balancer = balancerWith({{"http://a:8080", "upgrade=websocket"},
                                {"http://b:8080", "flushpackets=on", "ping=1", "hcuri=/h"}},
                               {"hcmethod=GET", "hcinterval=5"});
  auto found = keysNotActingYet(balancer);
  REQUIRE(found.size() == 5);
  CHECK(found[0].subject == "balancer web");
  CHECK(found[0].where.line == 3);
  CHECK(found[1].key == "upgrade=websocket");
  CHECK(found[1].where.line == 4);
  CHECK(describe(found[1]) ==
        "/etc/apache2/app.conf:4: BalancerMember http://a:8080: upgrade=websocket: accepted, but "
        "does not act yet: Upgrade requests are not tunnelled yet (the Upgrade header is "
        "removed)");
  CHECK(found[2].key == "hc* keys");
  CHECK(found[2].where.line == 5);
  CHECK(found[3].key == "flushpackets=on");
  CHECK(found[4].key == "ping");
}
