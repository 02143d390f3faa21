#include "balancer/p2c.h"

#include <cassert>

namespace cxxb::balancer {
namespace {

/** splitmix64: turns any seed, 0 included, into a well-mixed non-zero xorshift state. */
uint64_t mixSeed(uint64_t seed) noexcept {
  uint64_t z = seed + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return z == 0 ? 1 : z;
}

}  // namespace

void P2c::reseed(uint64_t seed) noexcept { state_ = mixSeed(seed); }

uint64_t P2c::next() noexcept {
  state_ ^= state_ >> 12;
  state_ ^= state_ << 25;
  state_ ^= state_ >> 27;
  return state_ * 0x2545f4914f6cdd1dULL;
}

size_t P2c::below(size_t n) noexcept {
  // Lemire's multiply-shift on the high 32 bits: no division, and the bias for any member
  // count a balancer can have is far below one in a million.
  const uint64_t high = next() >> 32;
  return static_cast<size_t>((high * static_cast<uint64_t>(n)) >> 32);
}

std::pair<size_t, size_t> P2c::draw(std::span<const size_t> eligible) noexcept {
  const size_t n = eligible.size();
  // Two distinct positions: the second is drawn among the n - 1 others.
  const size_t first = below(n);
  size_t second = below(n - 1);
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
