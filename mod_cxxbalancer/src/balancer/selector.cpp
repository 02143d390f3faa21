#include "balancer/selector.h"

#include <algorithm>
#include <optional>

#include "balancer/member_state.h"
#include "config/balancer_config.h"

namespace cxxb::balancer {
namespace {

bool wasTried(std::span<const size_t> tried, size_t index) {
  return std::find(tried.begin(), tried.end(), index) != tried.end();
}

/**
 * Usable for a new request: usableNow() (member_state.h), and not draining (draining members
 * still serve their sticky sessions: memberForRoute() decides those, before the selector).
 * @param ignoreError treat in-error members as usable (forced recovery)
 */
bool isUsable(const MemberStatusView& member, TimePoint now, bool ignoreError) {
  if ((member.status & config::kStatusDraining) != 0) {
    return false;
  }
  return usableNow(member.status, ignoreError ? TimePoint::min() : member.retryAt, now);
}

bool isStandby(const MemberStatusView& member) {
  return (member.status & config::kStatusHotStandby) != 0;
}

/** One round of the tier rules. @return false when no member qualifies. */
bool collect(std::span<const MemberStatusView> members, TimePoint now,
             std::span<const size_t> tried, bool ignoreError, std::vector<size_t>& out) {
  // Visiting tiers in increasing order and stopping at the first that has a usable active
  // or, failing that, a usable standby member, is the same as taking the lowest lbset of
  // all usable members: a tier with nothing usable is passed over either way.
  std::optional<uint32_t> tier;
  bool tierHasActive = false;
  for (size_t i = 0; i < members.size(); ++i) {
    const MemberStatusView& member = members[i];
    if (!isUsable(member, now, ignoreError) || wasTried(tried, i)) {
      continue;
    }
    if (!tier.has_value() || member.lbset < *tier) {
      tier = member.lbset;
      tierHasActive = false;
    }
    if (member.lbset == *tier && !isStandby(member)) {
      tierHasActive = true;
    }
  }
  if (!tier.has_value()) {
    return false;
  }
  const bool useStandby = !tierHasActive;
  for (size_t i = 0; i < members.size(); ++i) {
    const MemberStatusView& member = members[i];
    if (member.lbset == *tier && isStandby(member) == useStandby &&
        isUsable(member, now, ignoreError) && !wasTried(tried, i)) {
      out.push_back(i);
    }
  }
  return true;
}

/** Usable for the member's own sticky sessions: draining members are. */
bool servesOwnSessions(const MemberStatusView& member, TimePoint now) {
  return usableNow(member.status, member.retryAt, now);
}

std::string_view at(std::span<const std::string_view> values, size_t index) {
  return index < values.size() ? values[index] : std::string_view();
}

std::optional<size_t> findRouteMember(std::span<const MemberStatusView> members,
                                      std::span<const std::string_view> routes,
                                      std::span<const std::string_view> redirects,
                                      std::string_view route, TimePoint now) {
  // httpd recurses into the redirect of each unusable match; routes are unique within a
  // balancer (configuration refuses duplicates), so following the first redirect found is
  // the same walk, and stays linear even if shared memory held duplicates.
  for (size_t hops = 0; !route.empty() && hops <= members.size(); ++hops) {
    std::string_view redirect;
    // Members that are not hot standby first, then hot standbys, as httpd.
    for (const bool standby : {false, true}) {
      for (size_t i = 0; i < members.size(); ++i) {
        if (isStandby(members[i]) != standby || at(routes, i) != route) {
          continue;
        }
        if (servesOwnSessions(members[i], now)) {
          return i;
        }
        if (redirect.empty()) {
          redirect = at(redirects, i);
        }
      }
    }
    route = redirect;
  }
  return std::nullopt;
}

}  // namespace

void eligibleMembers(std::span<const MemberStatusView> members, TimePoint now,
                     std::span<const size_t> tried, SelectOptions options,
                     std::vector<size_t>& out) {
  out.clear();
  if (collect(members, now, tried, /*ignoreError=*/false, out)) {
    return;
  }
  if (options.forceRecovery) {
    collect(members, now, tried, /*ignoreError=*/true, out);
  }
}

std::vector<size_t> eligibleMembers(std::span<const MemberStatusView> members, TimePoint now,
                                    std::span<const size_t> tried, SelectOptions options) {
  std::vector<size_t> out;
  eligibleMembers(members, now, tried, options, out);
  return out;
}

std::optional<size_t> memberForRoute(std::span<const MemberStatusView> members,
                                     std::span<const std::string_view> routes,
                                     std::string_view route, TimePoint now) {
  return findRouteMember(members, routes, {}, route, now);
}

std::optional<size_t> memberForRoute(std::span<const MemberStatusView> members,
                                     std::span<const std::string_view> routes,
                                     std::span<const std::string_view> redirects,
                                     std::string_view route, TimePoint now) {
  return findRouteMember(members, routes, redirects, route, now);
}

}  // namespace cxxb::balancer
