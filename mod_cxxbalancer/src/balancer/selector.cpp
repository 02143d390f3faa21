#include "balancer/selector.h"

#include <algorithm>
#include <optional>

#include "config/balancer_config.h"

namespace cxxb::balancer {
namespace {

// Flags that keep a member out of new requests whatever the timers say. Draining members
// still serve their sticky sessions, but that is decided before the selector is asked.
constexpr uint32_t kNeverEligible =
    config::kStatusDisabled | config::kStatusStopped | config::kStatusDraining;

bool wasTried(std::span<const size_t> tried, size_t index) {
  return std::find(tried.begin(), tried.end(), index) != tried.end();
}

/** @param ignoreError treat in-error members as usable (forced recovery) */
bool isUsable(const MemberStatusView& member, TimePoint now, bool ignoreError) {
  if ((member.status & kNeverEligible) != 0) {
    return false;
  }
  if ((member.status & config::kStatusInError) != 0 && !ignoreError && now < member.retryAt) {
    return false;
  }
  return true;
}

bool isStandby(const MemberStatusView& member) {
  return (member.status & config::kStatusHotStandby) != 0;
}

/** One round of the tier rules. @return false when no member qualifies. */
bool collect(std::span<const MemberStatusView> members, TimePoint now,
             std::span<const size_t> tried, bool ignoreError, std::vector<size_t>& out) {
  // First pass: the lowest lbset holding a usable active member, and the lowest holding a
  // usable standby. Active members of any lbset win over standbys of a lower one.
  std::optional<uint32_t> activeTier;
  std::optional<uint32_t> standbyTier;
  for (size_t i = 0; i < members.size(); ++i) {
    const MemberStatusView& member = members[i];
    if (!isUsable(member, now, ignoreError) || wasTried(tried, i)) {
      continue;
    }
    std::optional<uint32_t>& tier = isStandby(member) ? standbyTier : activeTier;
    tier = std::min(tier.value_or(member.lbset), member.lbset);
  }
  const bool useStandby = !activeTier.has_value();
  const std::optional<uint32_t> chosen = useStandby ? standbyTier : activeTier;
  if (!chosen.has_value()) {
    return false;
  }
  const uint32_t tier = *chosen;
  for (size_t i = 0; i < members.size(); ++i) {
    const MemberStatusView& member = members[i];
    if (member.lbset == tier && isStandby(member) == useStandby &&
        isUsable(member, now, ignoreError) && !wasTried(tried, i)) {
      out.push_back(i);
    }
  }
  return true;
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

}  // namespace cxxb::balancer
