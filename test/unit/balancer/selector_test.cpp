#include "balancer/selector.h"

#include <catch2/catch.hpp>
#include <vector>

#include "config/balancer_config.h"
#include "support/fake_clock.h"

using cxxb::Millis;
using cxxb::Seconds;
using cxxb::balancer::eligibleMembers;
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

TEST_CASE("selector: an active member of any lbset wins over hot standbys", "[balancer]") {
  FakeClock clock;
  std::vector<MemberStatusView> members{member(0), member(0, kStatusHotStandby), member(1)};
  members[0].status = kStatusDisabled;
  CHECK(eligible(members, clock) == Indices{2});
}

TEST_CASE("selector: the standbys of the lowest lbset that has any", "[balancer]") {
  FakeClock clock;
  std::vector<MemberStatusView> members{
      member(0, kStatusDisabled),   member(2, kStatusHotStandby), member(1, kStatusHotStandby),
      member(1, kStatusHotStandby), member(1, kStatusStopped),
  };
  CHECK(eligible(members, clock) == Indices{2, 3});

  members[2].status |= kStatusInError;
  members[2].retryAt = clock.now() + Seconds(5);
  members[3].status |= kStatusDisabled;
  CHECK(eligible(members, clock) == Indices{1});  // lbset 1 has no usable standby left
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
    CHECK(eligible(members, clock, {1, 4}) == Indices{0});
    CHECK(eligible(members, clock, {0, 1, 4}) == Indices{3});
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
