// Distribution checks over many picks: shares against loadFactor (Envoy-style simulation
// tests). Deterministic: the only randomness is a seeded std::mt19937, whose output the
// standard fixes.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <vector>

#include "balancer/by_busyness.h"
#include "balancer/by_requests.h"
#include "balancer/lb_method.h"
#include "balancer/lb_test_support.h"
#include "balancer/selector.h"
#include "config/balancer_config.h"

using cxxb::balancer::LbMethod;
using cxxb::balancer::LbSlot;
using cxxb::test::allIndices;
using cxxb::test::makeSlots;

TEST_CASE("simulation: byrequests 1:5 over 6000 picks is exact", "[balancer][simulation]") {
  const auto method = cxxb::balancer::makeLbMethod("byrequests");
  auto slots = makeSlots({1, 5});
  const auto all = allIndices(slots);
  std::vector<int> count(2);
  for (int i = 0; i < 6000; ++i) {
    ++count[method->pick(slots, all)];
  }
  CHECK(count == std::vector<int>{1000, 5000});
  CHECK(slots[0].lbStatus == 0);
  CHECK(slots[1].lbStatus == 0);
}

namespace {

/**
 * Picks `picks` times while members randomly leave and rejoin the eligible set. Returns the
 * worst gap, as a fraction of all picks, between a member's picks and its fair share: the
 * sum, over the picks it was eligible for, of its weight over the eligible weight.
 */
double worstShareError(LbMethod& method, std::vector<LbSlot> slots, int picks, double toggleChance,
                       uint32_t seed) {
  std::mt19937 rng(seed);
  const size_t n = slots.size();
  std::vector<bool> in(n, true);
  std::vector<double> expected(n);
  std::vector<int> actual(n);
  std::vector<size_t> eligible;
  for (int i = 0; i < picks; ++i) {
    if (static_cast<double>(rng()) / static_cast<double>(std::mt19937::max()) < toggleChance) {
      const size_t which = rng() % n;
      in[which] = !in[which];
    }
    eligible.clear();
    uint64_t total = 0;
    for (size_t m = 0; m < n; ++m) {
      if (in[m]) {
        eligible.push_back(m);
        total += slots[m].loadFactor;
      }
    }
    if (eligible.empty()) {
      continue;
    }
    ++actual[method.pick(slots, eligible)];
    for (const size_t m : eligible) {
      expected[m] += static_cast<double>(slots[m].loadFactor) / static_cast<double>(total);
    }
  }
  double worst = 0;
  for (size_t m = 0; m < n; ++m) {
    worst = std::max(worst, std::abs(actual[m] - expected[m]) / picks);
  }
  return worst;
}

}  // namespace

TEST_CASE("simulation: shares follow the weights under eligibility churn",
          "[balancer][simulation]") {
  const std::string name = GENERATE("byrequests", "bybusyness");
  const double toggleChance = GENERATE(0.01, 0.1, 0.3);
  const uint32_t seed = GENERATE(1u, 2u, 3u, 4u, 5u);
  const auto method = cxxb::balancer::makeLbMethod(name);
  INFO(name << " toggle " << toggleChance << " seed " << seed);
  CHECK(worstShareError(*method, makeSlots({1, 2, 3, 4, 10}), 20'000, toggleChance, seed) < 0.02);
}

TEST_CASE("simulation: selector and byrequests together over failing members",
          "[balancer][simulation]") {
  // Members fall into error for a retry period and come back; the picks always land on an
  // eligible member and the active tier keeps taking its weighted share.
  using cxxb::balancer::MemberStatusView;
  cxxb::balancer::ByRequests method;
  auto slots = makeSlots({1, 2, 3, 1});
  std::vector<MemberStatusView> members(4);
  members[3].status = cxxb::config::kStatusHotStandby;
  std::mt19937 rng(42);
  cxxb::TimePoint now{cxxb::Seconds(1000)};
  std::vector<size_t> eligible;
  std::vector<int> count(4);
  for (int i = 0; i < 10'000; ++i) {
    now += cxxb::Millis(100);
    cxxb::balancer::eligibleMembers(members, now, {}, {}, eligible);
    REQUIRE(!eligible.empty());
    const size_t winner = method.pick(slots, eligible);
    REQUIRE(std::find(eligible.begin(), eligible.end(), winner) != eligible.end());
    ++count[winner];
    if (winner != 3 && rng() % 100 == 0) {  // 1% of requests fail and put the member in error
      members[winner].status |= cxxb::config::kStatusInError;
      members[winner].retryAt = now + cxxb::Seconds(5);
    } else {
      members[winner].status &= ~uint32_t{cxxb::config::kStatusInError};
    }
  }
  INFO("a=" << count[0] << " b=" << count[1] << " c=" << count[2] << " d=" << count[3]);
  CHECK(count[0] < count[1]);
  CHECK(count[1] < count[2]);
  CHECK(count[0] + count[1] + count[2] > count[3]);
}
