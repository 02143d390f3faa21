#include "balancer/lb_method.h"

#include "balancer/by_busyness.h"
#include "balancer/by_requests.h"
#include "balancer/by_traffic.h"
#include "balancer/p2c.h"
#include "config/lb_methods.h"

namespace cxxb::balancer {

LbMethodPtr makeLbMethod(std::string_view name) {
  const auto kind = config::lbMethodKind(name);
  if (!kind) {
    return nullptr;
  }
  switch (*kind) {  // no default: a kind added to config/lb_methods.h must be made here
    case config::LbMethodKind::ByRequests:
      return std::make_unique<ByRequests>();
    case config::LbMethodKind::ByTraffic:
      return std::make_unique<ByTraffic>();
    case config::LbMethodKind::ByBusyness:
      return std::make_unique<ByBusyness>();
    case config::LbMethodKind::P2c:
      return std::make_unique<P2c>();
  }
  return nullptr;
}

}  // namespace cxxb::balancer
