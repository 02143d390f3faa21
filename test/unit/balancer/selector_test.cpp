#include "balancer/selector.h"

#include <catch2/catch.hpp>
#include <optional>
#include <string_view>
#include <vector>

#include "config/balancer_config.h"
#include "support/fake_clock.h"

using cxxb::Millis;
using cxxb::Seconds;
using cxxb::balancer::eligibleMembers;
using cxxb::balancer::memberForRoute;
using cxxb::balancer::MemberStatusView;
using cxxb::balancer::SelectOptions;
using cxxb::config::kStatusDisabled;
using cxxb::config::kStatusDraining;
using cxxb::config::kStatusHotStandby;
using cxxb::config::kStatusIgnoreErrors;
using cxxb::config::kStatusInError;
using cxxb::config::kStatusStopped;
using cxxb::test::FakeClock;

namespace {

using Indices = std::vector<size_t>;

MemberStatusView member(uint32_t lbset = 0, uint32_t status = 0) {
  return MemberStatusView{.lbset = lbset, .status = status};
}

Indices eligible(const std::vector<MemberStatusView>& members, const FakeClock& clock,
                 const Indices& tried = {}, SelectOptions options = {}) {
  return eligibleMembers(members, clock.now(), tried, options);
}

constexpr SelectOptions kNoForce{.forceRecovery = false};

}  // namespace

TEST_CASE("selector: all usable members of lbset 0, in member order", "[balancer]") {
  FakeClock clock;
  const std::vector<MemberStatusView> members{member(), member(), member()};
  CHECK(eligible(members, clock) == Indices{0, 1, 2});
}

TEST_CASE("selector: no members, no choice", "[balancer]") {
  FakeClock clock;
  CHECK(eligible({}, clock).empty());
}

TEST_CASE("selector: disabled, stopped and draining members are skipped", "[balancer]") {
  FakeClock clock;
  const std::vector<MemberStatusView> members{member(0, kStatusDisabled), member(),
                                              member(0, kStatusStopped), member(0, kStatusDraining),
                                              member(0, kStatusIgnoreErrors)};
  CHECK(eligible(members, clock) == Indices{1, 4});
}

TEST_CASE("selector: a member in error waits for its retry time", "[balancer]") {
  FakeClock clock;
  std::vector<MemberStatusView> members{member(), member(0, kStatusInError)};
  members[1].retryAt = clock.now() + Seconds(60);

  CHECK(eligible(members, clock) == Indices{0});
  clock.advance(Seconds(59));
  CHECK(eligible(members, clock) == Indices{0});
  clock.advance(Millis(999));
  CHECK(eligible(members, clock) == Indices{0});
  clock.advance(Millis(1));  // now == retryAt: it may be tried again
  CHECK(eligible(members, clock) == Indices{0, 1});
  clock.advance(Seconds(3600));
  CHECK(eligible(members, clock) == Indices{0, 1});
}

TEST_CASE("selector: members already tried for this request are skipped", "[balancer]") {
  FakeClock clock;
  const std::vector<MemberStatusView> members{member(), member(), member()};
  CHECK(eligible(members, clock, {1}) == Indices{0, 2});
  CHECK(eligible(members, clock, {2, 0}) == Indices{1});
  CHECK(eligible(members, clock, {0, 1, 2}).empty());
  CHECK(eligible(members, clock, {7, 1}) == Indices{0, 2});  // out of range: ignored
}

TEST_CASE("selector: a higher lbset is used only when the lower has nothing usable", "[balancer]") {
  FakeClock clock;
  std::vector<MemberStatusView> members{member(1), member(0), member(2), member(0), member(1)};
  CHECK(eligible(members, clock) == Indices{1, 3});

  members[1].status = kStatusDisabled;
  CHECK(eligible(members, clock) == Indices{3});

  members[3].status = kStatusInError;
  members[3].retryAt = clock.now() + Seconds(10);
  CHECK(eligible(members, clock) == Indices{0, 4});

  SECTION("failover within a request walks up the tiers") {
    CHECK(eligible(members, clock, {0}) == Indices{4});
    CHECK(eligible(members, clock, {0, 4}) == Indices{2});
  }
  SECTION("the lower tier comes back when its retry time has passed") {
    clock.advance(Seconds(10));
    CHECK(eligible(members, clock) == Indices{3});
  }
}

TEST_CASE("selector: lbset numbers need not start at 0 or be contiguous", "[balancer]") {
  FakeClock clock;
  const std::vector<MemberStatusView> members{member(7), member(3), member(99), member(3)};
  CHECK(eligible(members, clock) == Indices{1, 3});
  CHECK(eligible(members, clock, {1, 3}) == Indices{0});
}

TEST_CASE("selector: hot standby only when no active member is usable", "[balancer]") {
  FakeClock clock;
  std::vector<MemberStatusView> members{member(0), member(0, kStatusHotStandby), member(0)};
  CHECK(eligible(members, clock) == Indices{0, 2});
  CHECK(eligible(members, clock, {0}) == Indices{2});
  CHECK(eligible(members, clock, {0, 2}) == Indices{1});

  members[0].status = kStatusStopped;
  members[2].status = kStatusDraining;
  CHECK(eligible(members, clock) == Indices{1});

  members[1].status |= kStatusDisabled;
  CHECK(eligible(members, clock).empty());
}

TEST_CASE("selector: a tier's hot standby comes before the next tier (httpd 2.4)", "[balancer]") {
  // The example of selector.h: a (lbset 0), b (lbset 0, H), c (lbset 1).
  FakeClock clock;
  std::vector<MemberStatusView> members{member(0), member(0, kStatusHotStandby), member(1)};
  CHECK(eligible(members, clock) == Indices{0});
  members[0].status = kStatusDisabled;
  CHECK(eligible(members, clock) == Indices{1});
  members[1].status |= kStatusStopped;
  CHECK(eligible(members, clock) == Indices{2});
  SECTION("failover within a request: the standby, then the next tier") {
    members[0].status = 0;
    members[1].status = kStatusHotStandby;
    CHECK(eligible(members, clock, {0}) == Indices{1});
    CHECK(eligible(members, clock, {0, 1}) == Indices{2});
  }
}

TEST_CASE("selector: the lowest tier that has any usable member decides", "[balancer]") {
  FakeClock clock;
  std::vector<MemberStatusView> members{
      member(0, kStatusDisabled),   member(2, kStatusHotStandby), member(1, kStatusHotStandby),
      member(1, kStatusHotStandby), member(1, kStatusStopped),    member(3),
  };
  CHECK(eligible(members, clock) == Indices{2, 3});  // lbset 1 has only standbys left

  members[2].status |= kStatusInError;
  members[2].retryAt = clock.now() + Seconds(5);
  members[3].status |= kStatusDisabled;
  CHECK(eligible(members, clock) == Indices{1});  // lbset 2's standby before lbset 3's active

  members[4].status = 0;
  CHECK(eligible(members, clock) == Indices{4});
  clock.advance(Seconds(5));  // lbset 1's standby may be retried, but its active member wins
  CHECK(eligible(members, clock) == Indices{4});
}

TEST_CASE("selector: a tier of draining members only is passed over", "[balancer]") {
  FakeClock clock;
  std::vector<MemberStatusView> members{member(0, kStatusDraining),
                                        member(0, kStatusHotStandby | kStatusDraining),
                                        member(1, kStatusHotStandby), member(1)};
  CHECK(eligible(members, clock) == Indices{3});
  members[3].status = kStatusStopped;
  CHECK(eligible(members, clock) == Indices{2});
}

TEST_CASE("selector: seed 004, a 1:5 pair with a hot standby", "[balancer]") {
  // Two actives (the lbmethod splits 1:5 between them) and a +H member that serves only
  // when both are down, and stops serving as soon as one of them is back.
  FakeClock clock;
  std::vector<MemberStatusView> members{member(), member(), member(0, kStatusHotStandby)};
  CHECK(eligible(members, clock) == Indices{0, 1});
  members[0].status = kStatusInError;
  members[0].retryAt = clock.now() + Seconds(60);
  CHECK(eligible(members, clock) == Indices{1});
  members[1].status = kStatusInError;
  members[1].retryAt = clock.now() + Seconds(30);
  CHECK(eligible(members, clock) == Indices{2});
  clock.advance(Seconds(30));  // b may be retried: it takes over from the standby
  CHECK(eligible(members, clock) == Indices{1});
  members[1].status = 0;
  clock.advance(Seconds(30));
  CHECK(eligible(members, clock) == Indices{0, 1});
}

TEST_CASE("selector: seed 001, hot standby, then nobody (sorry page)", "[balancer]") {
  FakeClock clock;
  std::vector<MemberStatusView> members{member(), member(), member(0, kStatusHotStandby)};
  members[0].status = kStatusStopped;
  members[1].status = kStatusStopped;
  CHECK(eligible(members, clock) == Indices{2});
  members[2].status |= kStatusInError;
  members[2].retryAt = clock.now() + Seconds(60);
  CHECK(eligible(members, clock, {}, kNoForce).empty());
  CHECK(eligible(members, clock) == Indices{2});  // forcerecovery: the standby in error
  members[0].status = 0;
  CHECK(eligible(members, clock) == Indices{0});
}

TEST_CASE("selector: forced recovery tries members in error when nothing else is usable",
          "[balancer]") {
  FakeClock clock;
  const auto later = clock.now() + Seconds(60);
  std::vector<MemberStatusView> members{
      member(1, kStatusInError), member(0, kStatusInError), member(0, kStatusDisabled),
      member(0, kStatusInError | kStatusHotStandby), member(0, kStatusInError)};
  for (auto& m : members) {
    m.retryAt = later;
  }

  SECTION("with forceRecovery: the same tier rules, E counted as usable") {
    CHECK(eligible(members, clock) == Indices{1, 4});
    CHECK(eligible(members, clock, {1, 4}) == Indices{3});
    CHECK(eligible(members, clock, {1, 3, 4}) == Indices{0});
  }
  SECTION("without forceRecovery: nobody") {
    CHECK(eligible(members, clock, {}, kNoForce).empty());
  }
  SECTION("not when a hot standby is usable") {
    members[3].status = kStatusHotStandby;
    CHECK(eligible(members, clock) == Indices{3});
  }
  SECTION("disabled, stopped and draining members stay out") {
    members[0].status |= kStatusStopped;
    members[1].status |= kStatusDraining;
    members[3].status |= kStatusDisabled;
    members[4].status |= kStatusDisabled;
    CHECK(eligible(members, clock).empty());
  }
}

TEST_CASE("selector: without forceRecovery the retry timer still applies", "[balancer]") {
  FakeClock clock;
  std::vector<MemberStatusView> members{member(0, kStatusInError)};
  members[0].retryAt = clock.now() + Seconds(1);
  CHECK(eligible(members, clock, {}, kNoForce).empty());
  clock.advance(Seconds(1));
  CHECK(eligible(members, clock, {}, kNoForce) == Indices{0});
}

TEST_CASE("selector: the buffer overload reuses the caller's vector", "[balancer]") {
  FakeClock clock;
  const std::vector<MemberStatusView> members{member(), member(0, kStatusDisabled), member()};
  std::vector<size_t> out{9, 9, 9, 9, 9, 9, 9, 9};
  const auto* storage = out.data();
  const auto capacity = out.capacity();
  eligibleMembers(members, clock.now(), {}, {}, out);
  CHECK(out == Indices{0, 2});
  CHECK(out.data() == storage);
  CHECK(out.capacity() == capacity);
  eligibleMembers(members, clock.now(), Indices{0, 2}, kNoForce, out);
  CHECK(out.empty());
}

// --- memberForRoute: the member of a sticky session -----------------------------------------

namespace {

using Routes = std::vector<std::string_view>;

std::optional<size_t> routeMember(const std::vector<MemberStatusView>& members,
                                  const Routes& routes, std::string_view route,
                                  const FakeClock& clock) {
  return memberForRoute(members, routes, route, clock.now());
}

}  // namespace

TEST_CASE("memberForRoute: the member with that route", "[balancer][sticky]") {
  FakeClock clock;
  const std::vector<MemberStatusView> members{member(), member(), member()};
  const Routes routes{"jvm1", "jvm2", ""};
  CHECK(routeMember(members, routes, "jvm1", clock) == 0u);
  CHECK(routeMember(members, routes, "jvm2", clock) == 1u);
  CHECK_FALSE(routeMember(members, routes, "jvm3", clock));
  CHECK_FALSE(routeMember(members, routes, "", clock));  // "" is no route, not member c's
  CHECK_FALSE(routeMember(members, routes, "JVM1", clock));
  CHECK_FALSE(routeMember(members, {"jvm1"}, "jvm2", clock));  // missing routes count as none
  CHECK_FALSE(routeMember({}, {}, "jvm1", clock));
}

TEST_CASE("memberForRoute: who takes its own sessions", "[balancer][sticky]") {
  FakeClock clock;
  std::vector<MemberStatusView> members{member(), member(1)};
  const Routes routes{"jvm1", "jvm2"};
  const auto serves = [&](uint32_t status) {
    members[0].status = status;
    return routeMember(members, routes, "jvm1", clock).has_value();
  };
  CHECK(serves(0));
  CHECK(serves(kStatusDraining));  // draining: existing sessions still go there
  CHECK(serves(kStatusHotStandby));
  CHECK(serves(kStatusIgnoreErrors));
  CHECK_FALSE(serves(kStatusDisabled));
  CHECK_FALSE(serves(kStatusStopped));
  CHECK_FALSE(serves(kStatusDraining | kStatusDisabled));
  CHECK(routeMember(members, routes, "jvm2", clock) == 1u);  // any lbset

  SECTION("in error: only once its retry time has come") {
    members[0].status = kStatusInError;
    members[0].retryAt = clock.now() + Seconds(10);
    CHECK_FALSE(routeMember(members, routes, "jvm1", clock));
    clock.advance(Seconds(10));
    CHECK(routeMember(members, routes, "jvm1", clock) == 0u);
  }
}

TEST_CASE("memberForRoute: members that are not hot standby come first", "[balancer][sticky]") {
  // Routes are unique in a valid configuration; httpd's order still decides duplicates.
  FakeClock clock;
  std::vector<MemberStatusView> members{member(0, kStatusHotStandby), member(), member()};
  const Routes routes{"r", "r", "r"};
  CHECK(routeMember(members, routes, "r", clock) == 1u);
  members[1].status = kStatusStopped;
  CHECK(routeMember(members, routes, "r", clock) == 2u);
  members[2].status = kStatusDisabled;
  CHECK(routeMember(members, routes, "r", clock) == 0u);
}

TEST_CASE("memberForRoute: redirect= takes the sessions of an unusable member",
          "[balancer][sticky]") {
  FakeClock clock;
  std::vector<MemberStatusView> members{member(), member(), member()};
  const Routes routes{"jvm1", "jvm2", "jvm3"};
  Routes redirects{"jvm2", "jvm3", ""};
  const auto find = [&](std::string_view route) {
    return memberForRoute(members, routes, redirects, route, clock.now());
  };
  CHECK(find("jvm1") == 0u);  // usable: no redirect
  members[0].status = kStatusDisabled;
  CHECK(find("jvm1") == 1u);
  CHECK_FALSE(memberForRoute(members, routes, "jvm1", clock.now()));  // without redirects
  members[1].status = kStatusStopped;
  CHECK(find("jvm1") == 2u);  // followed twice
  members[2].status = kStatusStopped;
  CHECK_FALSE(find("jvm1"));
  SECTION("a cycle of redirects ends") {
    redirects = {"jvm2", "jvm3", "jvm1"};
    CHECK_FALSE(find("jvm1"));
    members[1].status = kStatusDraining;
    CHECK(find("jvm3") == 1u);
  }
  SECTION("a redirect to an unknown route") {
    redirects = {"nope", "", ""};
    CHECK_FALSE(find("jvm1"));
  }
}
