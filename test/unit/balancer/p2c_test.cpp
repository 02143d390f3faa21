// p2c: golden cases for the score, the random draw, and a queueing simulation against
// byrequests and bybusyness with members of different speeds.
#include "balancer/p2c.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <deque>
#include <random>
#include <string>
#include <vector>

#include "balancer/lb_test_support.h"

using cxxb::updateLatencyEwma;
using cxxb::balancer::LbMethod;
using cxxb::balancer::LbSlot;
using cxxb::balancer::makeLbMethod;
using cxxb::balancer::P2c;
using cxxb::test::allIndices;
using cxxb::test::makeSlots;
using cxxb::test::pickSequence;

namespace {

LbSlot slot(uint64_t busy, uint64_t latencyUs, uint32_t loadFactor = 1) {
  return LbSlot{.loadFactor = loadFactor, .busy = busy, .latencyUs = latencyUs};
}

}  // namespace

TEST_CASE("p2c: with two members both are candidates, the lower score wins", "[balancer][p2c]") {
  P2c method(7);
  SECTION("faster at equal load") {
    std::vector<LbSlot> slots{slot(0, 1000), slot(0, 100)};
    CHECK(pickSequence(method, slots, 8) == "bbbbbbbb");
  }
  SECTION("in-flight requests count: (9 + 1) * 100 > (0 + 1) * 500") {
    std::vector<LbSlot> slots{slot(9, 100), slot(0, 500)};
    CHECK(pickSequence(method, slots, 4) == "bbbb");
    slots[0].busy = 3;  // 400 < 500
    CHECK(pickSequence(method, slots, 4) == "aaaa");
  }
  SECTION("loadFactor divides the score: 2 * 100 / 1 > 6 * 100 / 4") {
    std::vector<LbSlot> slots{slot(1, 100, 1), slot(5, 100, 4)};
    CHECK(pickSequence(method, slots, 4) == "bbbb");
    slots[0].loadFactor = 0;  // counts as 1, as everywhere
    CHECK(pickSequence(method, slots, 4) == "bbbb");
  }
  SECTION("nothing known yet: busy decides") {
    std::vector<LbSlot> slots{slot(3, 0), slot(0, 0)};
    CHECK(pickSequence(method, slots, 4) == "bbbb");
    CHECK(method.fleetLatencyUs() == 0);
  }
  SECTION("an unknown latency counts as the fleet's, not as zero") {
    std::vector<LbSlot> slots{slot(2, 0), slot(0, 100)};  // 3 * 100 > 1 * 100
    CHECK(pickSequence(method, slots, 4) == "bbbb");
    CHECK(method.fleetLatencyUs() == 100);
    slots[0].busy = 0;  // a tie: the member drawn first, so both get requests
    const std::string picks = pickSequence(method, slots, 200);
    CHECK(std::count(picks.begin(), picks.end(), 'a') > 60);
    CHECK(std::count(picks.begin(), picks.end(), 'b') > 60);
  }
  SECTION("huge counters from shared memory do not overflow the comparison") {
    std::vector<LbSlot> slots{slot(UINT64_MAX, UINT64_MAX), slot(UINT64_MAX / 2, UINT64_MAX)};
    CHECK(pickSequence(method, slots, 4) == "bbbb");
  }
}

TEST_CASE("p2c: one eligible member, a subset, and what pick() leaves alone", "[balancer][p2c]") {
  P2c method;
  auto slots = makeSlots({1, 1, 1, 1, 1, 1});
  for (auto& s : slots) {
    s.lbStatus = 42;
    s.transferred = 7;
  }
  const std::vector<size_t> one{4};
  CHECK(method.pick(slots, one) == 4);
  const std::vector<size_t> subset{1, 3, 5};
  std::vector<int> count(6);
  for (int i = 0; i < 3000; ++i) {
    ++count[method.pick(slots, subset)];
  }
  CHECK(count[0] + count[2] + count[4] == 0);
  CHECK(count[1] > 800);
  CHECK(count[3] > 800);
  CHECK(count[5] > 800);
  for (const auto& s : slots) {
    CHECK(s.lbStatus == 42);
    CHECK(s.transferred == 7);
    CHECK(s.busy == 0);
  }
}

TEST_CASE("p2c: the draw is uniform over the eligible members", "[balancer][p2c][simulation]") {
  // All scores equal: the first candidate wins, so each member should get 1/n.
  const size_t n = GENERATE(2u, 3u, 7u, 100u);
  P2c method(12345);
  std::vector<LbSlot> slots(n, slot(0, 100));
  const auto all = allIndices(slots);
  std::vector<int> count(n);
  const int picks = static_cast<int>(n) * 2000;
  for (int i = 0; i < picks; ++i) {
    ++count[method.pick(slots, all)];
  }
  const auto [low, high] = std::minmax_element(count.begin(), count.end());
  INFO("n=" << n << " min=" << *low << " max=" << *high);
  CHECK(*low > 2000 * 0.85);
  CHECK(*high < 2000 * 1.15);
}

TEST_CASE("p2c: the seed fixes the sequence; reseed changes it", "[balancer][p2c]") {
  std::vector<LbSlot> slots(10, slot(0, 100));
  P2c a(1);
  P2c b(1);
  P2c c(2);
  const std::string seqA = pickSequence(a, slots, 40);
  CHECK(pickSequence(b, slots, 40) == seqA);
  CHECK(pickSequence(c, slots, 40) != seqA);
  a.reseed(1);
  CHECK(pickSequence(a, slots, 40) == seqA);
  P2c zero(0);  // seed 0 is fine (xorshift's forbidden state is never reached)
  CHECK(pickSequence(zero, slots, 40).size() == 40);
  CHECK(makeLbMethod("p2c")->name() == "p2c");
}

// --- Simulation --------------------------------------------------------------------------

namespace {

/**
 * Discrete-time queueing model. Every member serves one request at a time, first come first
 * served, taking `serviceTicks` ticks per request (a backend with one worker, or a saturated
 * one). Requests arrive as a Poisson process of `arrivalsPerTick` (seeded std::mt19937,
 * whose output the standard fixes; the Poisson draw is written out so it does not depend on
 * the library's distributions). The balancer sees what the adapter will give it: busy
 * (requests at the member, queued or in service) and latencyUs (updateLatencyEwma() over
 * each finished request's response time, counted in ticks).
 * @return the mean response time (queueing + service) of the requests that finished
 */
struct SimResult {
  double meanLatency = 0;
  std::vector<uint64_t> served;
};

SimResult simulate(LbMethod& method, const std::vector<int>& serviceTicks, double arrivalsPerTick,
                   int ticks, uint32_t seed) {
  std::mt19937 rng(seed);
  const auto uniform = [&rng] { return (static_cast<double>(rng()) + 0.5) / 4294967296.0; };
  const double arrivalThreshold = std::exp(-arrivalsPerTick);

  const size_t n = serviceTicks.size();
  std::vector<LbSlot> slots(n);
  std::vector<std::deque<int>> queues(n);  // arrival tick of each request at the member
  std::vector<int> progress(n);            // ticks the head request has been served
  const auto all = allIndices(slots);
  SimResult result;
  result.served.resize(n);
  double totalLatency = 0;
  uint64_t finished = 0;

  for (int now = 0; now < ticks; ++now) {
    int arrivals = 0;  // Knuth's Poisson draw
    for (double p = uniform(); p > arrivalThreshold; p *= uniform()) {
      ++arrivals;
    }
    for (int a = 0; a < arrivals; ++a) {
      const size_t m = method.pick(slots, all);
      queues[m].push_back(now);
      ++slots[m].busy;
    }
    for (size_t m = 0; m < n; ++m) {
      if (queues[m].empty() || ++progress[m] < serviceTicks[m]) {
        continue;
      }
      const int latency = now + 1 - queues[m].front();
      queues[m].pop_front();
      progress[m] = 0;
      --slots[m].busy;
      slots[m].latencyUs = updateLatencyEwma(slots[m].latencyUs, static_cast<uint64_t>(latency));
      totalLatency += latency;
      ++finished;
      ++result.served[m];
    }
  }
  result.meanLatency = finished == 0 ? 0 : totalLatency / static_cast<double>(finished);
  return result;
}

struct Comparison {
  double byRequests = 0;
  double byBusyness = 0;
  double p2c = 0;
};

Comparison compare(const char* scenario, const std::vector<int>& serviceTicks,
                   double arrivalsPerTick, uint32_t seed) {
  constexpr int kTicks = 200'000;
  Comparison out;
  auto byRequests = makeLbMethod("byrequests");
  auto byBusyness = makeLbMethod("bybusyness");
  P2c p2c(seed);
  const auto rr = simulate(*byRequests, serviceTicks, arrivalsPerTick, kTicks, seed);
  const auto bb = simulate(*byBusyness, serviceTicks, arrivalsPerTick, kTicks, seed);
  const auto pc = simulate(p2c, serviceTicks, arrivalsPerTick, kTicks, seed);
  out = {rr.meanLatency, bb.meanLatency, pc.meanLatency};
  const auto slowShare = [&](const SimResult& r) {
    uint64_t slow = 0;
    uint64_t all = 0;
    for (size_t m = 0; m < serviceTicks.size(); ++m) {
      all += r.served[m];
      slow += serviceTicks[m] > 1 ? r.served[m] : 0;
    }
    return all == 0 ? 0.0 : 100.0 * static_cast<double>(slow) / static_cast<double>(all);
  };
  std::printf(
      "p2c simulation [%s, seed %u]: mean latency (ticks) byrequests %.2f, bybusyness %.2f, "
      "p2c %.2f; share served by slow members %.1f%% / %.1f%% / %.1f%%\n",
      scenario, seed, out.byRequests, out.byBusyness, out.p2c, slowShare(rr), slowShare(bb),
      slowShare(pc));
  return out;
}

}  // namespace

TEST_CASE("simulation: p2c beats byrequests and bybusyness when one member is 10x slower",
          "[balancer][p2c][simulation]") {
  // Capacity 1.1 requests per tick, offered 0.15: byrequests still gives the slow member
  // half, which loads it to 75%; bybusyness sends it whatever arrives while the fast one
  // is busy or when its credit is ahead; p2c sends it nothing until the fast member has ten
  // requests in flight, which at this load does not happen.
  const uint32_t seed = GENERATE(1u, 2u, 3u);
  const auto result = compare("one fast, one 10x slower", {1, 10}, 0.15, seed);
  CHECK(result.p2c < result.byRequests * 0.25);
  CHECK(result.p2c < result.byBusyness * 0.8);
}

TEST_CASE("simulation: p2c with five fast and five 10x slower members",
          "[balancer][p2c][simulation]") {
  // Capacity 5.5 per tick, offered 0.7: byrequests loads each slow member to 70%, though
  // its strict rotation makes arrivals at each member so regular that little queue forms.
  // The gain is smaller than with two members: p2c draws two slow members in 2 picks of 9
  // (C(5,2) / C(10,2)) and must then use one of them, so about 22% still go to slow ones.
  const uint32_t seed = GENERATE(1u, 2u, 3u);
  const auto result = compare("5 fast, 5 slow", {1, 10, 1, 10, 1, 10, 1, 10, 1, 10}, 0.7, seed);
  CHECK(result.p2c < result.byRequests * 0.7);
  CHECK(result.p2c < result.byBusyness);
}
