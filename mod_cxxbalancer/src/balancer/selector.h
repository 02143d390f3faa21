#pragma once
// Which members may take a new request right now: status flags, the retry timer, lbset
// tiers and hot standby, as mod_proxy_balancer decides them.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/clock.h"

namespace cxxb::balancer {

/** What the selector needs to know of one member. */
struct MemberStatusView {
  uint32_t lbset = 0;
  uint32_t status = 0;      ///< config::StatusFlag bits
  TimePoint retryAt{};      ///< when in error: the time it may be tried again
};

struct SelectOptions {
  bool forceRecovery = true;  ///< all usable members in error: try them anyway
};

/**
 * Indices of members eligible for a new request, in member order:
 * - skipped: disabled (D), stopped (S), draining (N), in error (E) before retryAt, and
 *   those in `tried` (already failed for this request);
 * - of the rest, the members of the lowest lbset that has any member that is not hot standby;
 * - if no such member exists, the hot-standby (H) members of the lowest lbset that has any;
 * - if still none and forceRecovery, the same rules again treating E members as usable.
 * An empty result means no member can serve.
 */
std::vector<size_t> eligibleMembers(std::span<const MemberStatusView> members, TimePoint now,
                                    std::span<const size_t> tried, SelectOptions options = {});

}  // namespace cxxb::balancer
