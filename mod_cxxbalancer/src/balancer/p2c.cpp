#include "balancer/p2c.h"

#include <cassert>

namespace cxxb::balancer {
void P2c::reseed(uint64_t seed) noexcept { random_.reseed(seed); }

std::pair<size_t, size_t> P2c::draw(std::span<const size_t> eligible) noexcept {
  const size_t n = eligible.size();
  // Two distinct positions: the second is drawn among the n - 1 others.
  const size_t first = random_.below(n);
  size_t second = random_.below(n - 1);
  if (second >= first) {
    ++second;
  }
  return {eligible[first], eligible[second]};
}

size_t P2c::better(const LbSlot& slotA, size_t a, const LbSlot& slotB, size_t b) noexcept {
  for (const uint64_t known : {slotA.latencyUs, slotB.latencyUs}) {
    if (known != 0) {
      fleetLatencyUs_ = updateLatencyEwma(fleetLatencyUs_, known);
    }
  }
  const uint64_t unknown = fleetLatencyUs_ == 0 ? 1 : fleetLatencyUs_;
  const auto latency = [unknown](const LbSlot& slot) {
    return static_cast<double>(slot.latencyUs == 0 ? unknown : slot.latencyUs);
  };
  // score(a) < score(b) without dividing: (busyA + 1) * latA * lfB < (busyB + 1) * latB * lfA.
  // Doubles: counters from shared memory are not trusted to stay small, and an overflowing
  // integer product would invert the comparison.
  const double costA = (static_cast<double>(slotA.busy) + 1.0) * latency(slotA) *
                       static_cast<double>(effectiveLoadFactor(slotB));
  const double costB = (static_cast<double>(slotB.busy) + 1.0) * latency(slotB) *
                       static_cast<double>(effectiveLoadFactor(slotA));
  return costB < costA ? b : a;
}

size_t P2c::pick(std::span<LbSlot> slots, std::span<const size_t> eligible) {
  assert(!eligible.empty());
  if (eligible.size() == 1) {
    return eligible.front();
  }
  const auto [a, b] = draw(eligible);
  assert(a < slots.size() && b < slots.size());
  return better(slots[a], a, slots[b], b);
}

size_t P2c::pickLive(std::span<LbSlot> slots, std::span<const size_t> eligible,
                     SlotSource& source) {
  assert(!eligible.empty());
  if (eligible.size() == 1) {
    return eligible.front();
  }
  const auto [a, b] = draw(eligible);
  source.refresh(a, slots[a]);
  source.refresh(b, slots[b]);
  return better(slots[a], a, slots[b], b);
}

}  // namespace cxxb::balancer
