#include "balancer/by_requests.h"

#include <cassert>

namespace cxxb::balancer {

size_t ByRequests::pick(std::span<LbSlot> slots, std::span<const size_t> eligible) {
  assert(!eligible.empty());
  int64_t total = 0;
  LbSlot* best = nullptr;
  size_t bestIndex = eligible.front();
  for (const size_t index : eligible) {
    assert(index < slots.size());
    LbSlot& slot = slots[index];
    const int64_t weight = effectiveLoadFactor(slot);
    slot.lbStatus += weight;
    total += weight;
    // Strictly greater: on equal credit the member seen first (member order) keeps the lead.
    if (best == nullptr || slot.lbStatus > best->lbStatus) {
      best = &slot;
      bestIndex = index;
    }
  }
  best->lbStatus -= total;
  return bestIndex;
}

}  // namespace cxxb::balancer
