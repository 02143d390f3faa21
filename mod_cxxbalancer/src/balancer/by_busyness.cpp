#include "balancer/by_busyness.h"

#include <cassert>

namespace cxxb::balancer {

size_t ByBusyness::pick(std::span<LbSlot> slots, std::span<const size_t> eligible) {
  assert(!eligible.empty());
  int64_t total = 0;
  LbSlot* best = nullptr;
  size_t bestIndex = eligible.front();
  for (const size_t index : eligible) {
    assert(index < slots.size());
    LbSlot& slot = slots[index];
    const int64_t weight = effectiveLoadFactor(slot);
    // Every eligible member earns credit, chosen or not, so the tie-breaker keeps the
    // byrequests proportions over time.
    slot.lbStatus += weight;
    total += weight;
    if (best == nullptr || slot.busy < best->busy ||
        (slot.busy == best->busy && slot.lbStatus > best->lbStatus)) {
      best = &slot;
      bestIndex = index;
    }
  }
  best->lbStatus -= total;
  return bestIndex;
}

}  // namespace cxxb::balancer
