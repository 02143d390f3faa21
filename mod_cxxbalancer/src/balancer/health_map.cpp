#include "balancer/health_map.h"

#include "core/address_key.h"
#include "core/string_util.h"

namespace cxxb::balancer {
namespace {

constexpr std::string_view kUp = "UP";
constexpr std::string_view kDown = "DOWN";

/** "/app/" and "app" name the same path. */
bool samePath(std::string_view a, std::string_view b) {
  auto trim = [](std::string_view p) {
    while (!p.empty() && p.front() == '/') {
      p.remove_prefix(1);
    }
    while (!p.empty() && p.back() == '/') {
      p.remove_suffix(1);
    }
    return p;
  };
  return trim(a) == trim(b);
}

}  // namespace

std::string_view healthMapLookup(std::string_view key, std::span<const HealthMapEntry> members) {
  key = trimSpace(key);
  if (const auto address = splitAddressKey(key)) {
    for (const auto& member : members) {
      if (member.usable && member.port == address->port && iequals(member.host, address->host) &&
          (address->path.empty() || samePath(member.path, address->path))) {
        return kUp;
      }
    }
    return kDown;
  }
  size_t slash = key.find('/');
  std::string_view balancer = key.substr(0, slash);
  std::string_view route =
      slash == std::string_view::npos ? std::string_view() : key.substr(slash + 1);
  for (const auto& member : members) {
    if (!member.usable || !iequals(member.balancer, balancer)) {
      continue;
    }
    if (slash == std::string_view::npos ? !member.hotStandby : member.route == route) {
      return kUp;
    }
  }
  return kDown;
}

}  // namespace cxxb::balancer
