#pragma once
// bytraffic: the member that has moved the fewest bytes per unit of weight.
#include "balancer/lb_method.h"
#include "config/lb_methods.h"

namespace cxxb::balancer {

/**
 * Chooses the eligible member with the lowest `transferred / loadFactor`, as httpd's
 * mod_lbmethod_bytraffic does: traffic (bytes in and out) is normalised by weight, so with
 * weights 1, 1 and 3 the third member is allowed three times the bytes of each of the
 * others. When one member served a large response, the others are preferred until the
 * normalised counts even out.
 *
 * Exactly as in httpd the division is integer division (members whose ratios differ by
 * less than one byte tie) and a tie goes to the first eligible member in member order.
 * httpd divides its byte counters for each direction separately and adds the quotients;
 * LbSlot keeps one sum, so the quotient here may exceed httpd's by at most one.
 *
 * `lbStatus` is neither read nor written; the caller adds to `transferred` after each
 * exchange. A loadFactor of 0 counts as 1. pick() allocates nothing.
 */
class ByTraffic final : public LbMethod {
 public:
  static constexpr std::string_view kName = config::lbMethodName(config::LbMethodKind::ByTraffic);

  std::string_view name() const noexcept override { return kName; }
  /** @copydoc LbMethod::pick */
  size_t pick(std::span<LbSlot> slots, std::span<const size_t> eligible) override;
};

}  // namespace cxxb::balancer
