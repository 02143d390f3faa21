#include "balancer/by_requests.h"

#include <cassert>

namespace cxxb::balancer {

size_t ByRequests::pick(std::span<LbSlot> slots, std::span<const size_t> eligible) {
  assert(!eligible.empty());
  // Strictly greater: on equal credit the member seen first (member order) keeps the lead.
  return creditRound(slots, eligible, [](const LbSlot& slot, const LbSlot& best) {
    return slot.lbStatus > best.lbStatus;
  });
}

}  // namespace cxxb::balancer
