#include "balancer/lb_method.h"

#include "balancer/by_busyness.h"
#include "balancer/by_requests.h"
#include "balancer/by_traffic.h"
#include "balancer/p2c.h"

namespace cxxb::balancer {

// The one list of methods. Configuration validation and the manager ask this factory
// whether a name exists, so a new method is added here and nowhere else.
LbMethodPtr makeLbMethod(std::string_view name) {
  if (name == ByRequests::kName) {
    return std::make_unique<ByRequests>();
  }
  if (name == ByTraffic::kName) {
    return std::make_unique<ByTraffic>();
  }
  if (name == ByBusyness::kName) {
    return std::make_unique<ByBusyness>();
  }
  if (name == P2c::kName) {
    return std::make_unique<P2c>();
  }
  return nullptr;
}

}  // namespace cxxb::balancer
