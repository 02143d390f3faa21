#pragma once
// Balancer configurations for the shared-memory tests, written tersely:
//   balancerOf("web", {"http://a:80", "http://b:80"}, /*growth=*/2)
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/balancer_config.h"
#include "config/settings.h"

namespace cxxb::test {

inline config::MemberConfig memberOf(const std::string& url, uint32_t loadFactor = 1,
                                     uint32_t status = 0, const std::string& route = "") {
  auto parsed = config::parseMemberUrl(url);
  if (!parsed) {
    throw std::invalid_argument(parsed.error());
  }
  config::MemberConfig member;
  member.url = *parsed;
  member.loadFactor = loadFactor;
  member.status = status;
  member.route = route;
  return member;
}

inline config::BalancerConfig balancerOf(const std::string& name,
                                         std::initializer_list<std::string> urls,
                                         uint32_t growth = 0) {
  config::BalancerConfig balancer;
  balancer.name = name;
  balancer.growth = growth;
  for (const auto& url : urls) {
    balancer.members.push_back(memberOf(url));
  }
  return balancer;
}

}  // namespace cxxb::test
