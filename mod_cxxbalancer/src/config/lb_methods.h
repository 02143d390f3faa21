#pragma once
// The one list of load-balancing methods. `lbmethod=` accepts these names (settings.cpp),
// the factory of balancer/lb_method.h makes one method per kind, and a switch there without
// a case for a new kind does not compile (-Wswitch -Werror): a method is added here first.
#include <array>
#include <optional>
#include <string_view>

namespace cxxb::config {

enum class LbMethodKind { ByRequests, ByTraffic, ByBusyness, P2c };

struct LbMethodName {
  LbMethodKind kind;
  std::string_view name;  ///< lowercase, as written after lbmethod=
};

/** Every method, in the order messages list them: httpd's three, then the project's own. */
inline constexpr std::array<LbMethodName, 4> kLbMethods{{
    {LbMethodKind::ByRequests, "byrequests"},
    {LbMethodKind::ByTraffic, "bytraffic"},
    {LbMethodKind::ByBusyness, "bybusyness"},
    {LbMethodKind::P2c, "p2c"},
}};

/** @return the kind called exactly `name` (lowercase), nullopt when there is none */
constexpr std::optional<LbMethodKind> lbMethodKind(std::string_view name) noexcept {
  for (const auto& method : kLbMethods) {
    if (method.name == name) {
      return method.kind;
    }
  }
  return std::nullopt;
}

/** @return the name of `kind` */
constexpr std::string_view lbMethodName(LbMethodKind kind) noexcept {
  for (const auto& method : kLbMethods) {
    if (method.kind == kind) {
      return method.name;
    }
  }
  return {};
}

/** The method of a balancer whose BalancerSet names none (httpd's default too). */
inline constexpr std::string_view kDefaultLbMethod = lbMethodName(LbMethodKind::ByRequests);

}  // namespace cxxb::config
