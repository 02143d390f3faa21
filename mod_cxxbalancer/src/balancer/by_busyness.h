#pragma once
// bybusyness: the member with the fewest requests in flight.
#include "balancer/lb_method.h"
#include "config/lb_methods.h"

namespace cxxb::balancer {

/**
 * Chooses the eligible member with the fewest requests in flight (`busy`), as httpd 2.4's
 * mod_lbmethod_bybusyness does. Among members that are equally busy, the byrequests credit
 * decides: every eligible member earns its loadFactor in `lbStatus`, the one with the most
 * credit among the least busy wins, and the winner pays back the round's total (see
 * ByRequests). The credit is kept up to date on every pick, so whenever members are idle
 * alike, the distribution follows their weights exactly as byrequests would; loadFactor
 * does not scale the busy counts themselves (httpd compares them unweighted).
 *
 * Example: a (loadFactor 1, busy 0), b (loadFactor 3, busy 0), c (loadFactor 5, busy 1).
 * c earns the most credit but is busier, so it is not chosen; a and b tie on busy, and b
 * has more credit, so b wins.
 *
 * The caller increments `busy` when the request starts and decrements it when it ends.
 * A loadFactor of 0 counts as 1. pick() allocates nothing.
 */
class ByBusyness final : public LbMethod {
 public:
  static constexpr std::string_view kName = config::lbMethodName(config::LbMethodKind::ByBusyness);

  std::string_view name() const noexcept override { return kName; }
  /** @copydoc LbMethod::pick */
  size_t pick(std::span<LbSlot> slots, std::span<const size_t> eligible) override;
};

}  // namespace cxxb::balancer
