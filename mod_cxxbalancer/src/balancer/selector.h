#pragma once
// Which members may take a new request right now: status flags, the retry timer, lbset
// tiers and hot standby, as mod_proxy_balancer decides them.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
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
 * Indices of members eligible for a new request, in member order, by httpd 2.4's rules
 * (ap_proxy_balancer_get_best_worker):
 * - a member is usable unless it is disabled (D), stopped (S), draining (N), in error (E)
 *   before retryAt, or in `tried` (already failed for this request);
 * - tiers (lbset) are visited in increasing order; lbset numbers need not be contiguous;
 * - in a tier, its usable members that are not hot standby are eligible; if it has none,
 *   its usable hot-standby (H) members are; only if it has neither, the next tier is tried.
 *   So a tier's hot standby takes over before any member of a higher tier;
 * - if no tier has a usable member and forceRecovery is set, the same rules again with
 *   members in error counted as usable, whatever their retry time.
 * An empty result means no member can serve.
 *
 * Example: a (lbset 0), b (lbset 0, H), c (lbset 1). Normally {a}; a down: {b}; a and b
 * down: {c}.
 *
 * Where this differs from httpd 2.4: httpd forces recovery only when every member,
 * disabled ones included, is in error; here it happens whenever nothing else is eligible.
 * httpd's spare members (R) do not exist here. The I flag is not consulted: the caller
 * never puts such a member in error.
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

/**
 * The member that serves the sticky session with `route`, as httpd's find_route_worker()
 * finds it: the first member whose route is `route` and that is usable for its sessions,
 * looking at members that are not hot standby first, then at hot standbys.
 *
 * Usable for its own sessions: not disabled (D), not stopped (S), not in error (E) before
 * retryAt. Draining (N) members do take their own sticky sessions (that is what draining
 * means: no new sessions, existing ones finish), and so do hot standbys (H) and members of
 * any lbset. forceRecovery does not apply here: when the session's member cannot serve,
 * the caller balances the request (or answers 503 with stickyforce).
 *
 * @param routes the route of each member, parallel to `members` ("" for none; missing
 *   entries count as none)
 * @return index into `members`, or nullopt when `route` is empty, no member has it, or the
 *   members that have it are not usable
 */
std::optional<size_t> memberForRoute(std::span<const MemberStatusView> members,
                                     std::span<const std::string_view> routes,
                                     std::string_view route, TimePoint now);

/**
 * The same, following `redirect=` the way httpd's find_route_worker() does: when the member
 * with `route` exists but is not usable and has a redirect route, the session goes to the
 * member with that route (if usable), following further redirects at most members.size()
 * times, so a cycle of redirects ends. The caller notices the change of member by comparing
 * routes (BALANCER_ROUTE_CHANGED).
 * @param redirects each member's redirect route, parallel to `members` ("" for none)
 */
std::optional<size_t> memberForRoute(std::span<const MemberStatusView> members,
                                     std::span<const std::string_view> routes,
                                     std::span<const std::string_view> redirects,
                                     std::string_view route, TimePoint now);

}  // namespace cxxb::balancer
