#include "balancer/by_traffic.h"

#include <cassert>

namespace cxxb::balancer {

size_t ByTraffic::pick(std::span<LbSlot> slots, std::span<const size_t> eligible) {
  assert(!eligible.empty());
  size_t bestIndex = eligible.front();
  uint64_t bestTraffic = 0;
  bool first = true;
  for (const size_t index : eligible) {
    assert(index < slots.size());
    const LbSlot& slot = slots[index];
    // Integer division, as httpd: ratios within one byte of each other tie, and the
    // member seen first wins the tie.
    const uint64_t traffic = slot.transferred / effectiveLoadFactor(slot);
    if (first || traffic < bestTraffic) {
      first = false;
      bestTraffic = traffic;
      bestIndex = index;
    }
  }
  return bestIndex;
}

}  // namespace cxxb::balancer
