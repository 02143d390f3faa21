#include "balancer/health_map.h"

#include "core/string_util.h"

namespace cxxb::balancer {
namespace {

constexpr std::string_view kUp = "UP";
constexpr std::string_view kDown = "DOWN";

/** Splits "host:port[:path]" with "[v6]:port[:path]"; false when it is not that shape. */
bool splitAddress(std::string_view key, std::string_view& host, uint16_t& port,
                  std::string_view& path) {
  std::string_view rest;
  if (!key.empty() && key.front() == '[') {
    size_t close = key.find(']');
    if (close == std::string_view::npos || close + 1 >= key.size() || key[close + 1] != ':') {
      return false;
    }
    host = key.substr(1, close - 1);
    rest = key.substr(close + 2);
  } else {
    size_t colon = key.find(':');
    if (colon == std::string_view::npos) {
      return false;
    }
    host = key.substr(0, colon);
    rest = key.substr(colon + 1);
  }
  size_t colon = rest.find(':');
  std::string_view portText = rest.substr(0, colon);
  path = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
  auto parsed = parseDecimal<uint16_t>(portText);
  if (!parsed || *parsed == 0 || host.empty()) {
    return false;
  }
  port = *parsed;
  return true;
}

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
  std::string_view host;
  uint16_t port = 0;
  std::string_view path;
  if (splitAddress(key, host, port, path)) {
    for (const auto& member : members) {
      if (member.usable && member.port == port && iequals(member.host, host) &&
          (path.empty() || samePath(member.path, path))) {
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
