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
  uint32_t status = 0;  ///< config::StatusFlag bits
  TimePoint retryAt{};  ///< when in error: the time it may be tried again
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
 *
 * Where this differs from httpd 2.4 (on purpose, per this contract): httpd walks lbsets in
 * order and uses a set's hot standbys before an active member of a higher set; here hot
 * standby is the last resort of the whole balancer. httpd forces recovery only when every
 * member, disabled ones included, is in error; here it happens whenever nothing else is
 * eligible. The I flag is not consulted: the caller never puts such a member in error.
 */
std::vector<size_t> eligibleMembers(std::span<const MemberStatusView> members, TimePoint now,
                                    std::span<const size_t> tried, SelectOptions options = {});

/**
 * The same as eligibleMembers() above, written into `out` (cleared first) so a caller that
 * keeps the vector between requests allocates nothing once its capacity suffices.
 * Indices in `tried` that are out of range are ignored. The selector only reads: clearing
 * the E flag of a member that then serves successfully is the caller's business.
 */
void eligibleMembers(std::span<const MemberStatusView> members, TimePoint now,
                     std::span<const size_t> tried, SelectOptions options,
                     std::vector<size_t>& out);

}  // namespace cxxb::balancer
