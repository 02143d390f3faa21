// Nanoseconds per pick of each balancing method at 2, 100 and 1000 members, and the cost of
// the selector that computes the eligible members before every pick.
//
// byrequests, bybusyness and bytraffic are O(n) by design: mod_proxy's semantics credit
// (or compare) every eligible member on every pick. p2c looks at two random members: O(1).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

#include "balancer/lb_method.h"
#include "balancer/selector.h"

namespace {

using cxxb::balancer::LbSlot;

/** Members with mixed weights, loads, traffic and latencies, as a busy balancer has. */
std::vector<LbSlot> makeSlots(size_t n) {
  std::mt19937_64 rng(42);
  std::vector<LbSlot> slots(n);
  for (auto& slot : slots) {
    slot.loadFactor = static_cast<uint32_t>(1 + rng() % 10);
    slot.busy = rng() % 20;
    slot.transferred = rng() % 1'000'000'000;
    slot.latencyUs = 500 + rng() % 50'000;
  }
  return slots;
}

void pick(benchmark::State& state, const char* name) {
  const auto n = static_cast<size_t>(state.range(0));
  auto method = cxxb::balancer::makeLbMethod(name);
  auto slots = makeSlots(n);
  std::vector<size_t> eligible(n);
  for (size_t i = 0; i < n; ++i) {
    eligible[i] = i;
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(method->pick(slots, eligible));
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

/** The selector's cost per request: status flags, retry timers and tiers of every member. */
void eligibleMembers(benchmark::State& state) {
  const auto n = static_cast<size_t>(state.range(0));
  std::vector<cxxb::balancer::MemberStatusView> members(n);
  for (size_t i = 0; i < n; ++i) {
    members[i].lbset = static_cast<uint32_t>(i % 2);
  }
  std::vector<size_t> out;
  out.reserve(n);
  const cxxb::TimePoint now{cxxb::Seconds(1000)};
  for (auto _ : state) {
    cxxb::balancer::eligibleMembers(members, now, {}, {}, out);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
}

}  // namespace

BENCHMARK_CAPTURE(pick, byrequests, "byrequests")->Arg(2)->Arg(100)->Arg(1000);
BENCHMARK_CAPTURE(pick, bybusyness, "bybusyness")->Arg(2)->Arg(100)->Arg(1000);
BENCHMARK_CAPTURE(pick, bytraffic, "bytraffic")->Arg(2)->Arg(100)->Arg(1000);
BENCHMARK_CAPTURE(pick, p2c, "p2c")->Arg(2)->Arg(100)->Arg(1000);
BENCHMARK(eligibleMembers)->Arg(2)->Arg(100)->Arg(1000);

BENCHMARK_MAIN();
