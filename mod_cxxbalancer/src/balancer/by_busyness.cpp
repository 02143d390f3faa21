#include "balancer/by_busyness.h"

#include <cassert>

namespace cxxb::balancer {

size_t ByBusyness::pick(std::span<LbSlot> slots, std::span<const size_t> eligible) {
  assert(!eligible.empty());
  // Fewest in flight wins; every eligible member earns credit, chosen or not, so the
  // tie-breaker keeps the byrequests proportions over time.
  return creditRound(slots, eligible, [](const LbSlot& slot, const LbSlot& best) {
    return slot.busy < best.busy || (slot.busy == best.busy && slot.lbStatus > best.lbStatus);
  });
}

}  // namespace cxxb::balancer
