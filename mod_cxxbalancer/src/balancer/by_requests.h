#pragma once
// byrequests: mod_proxy's weighted credit scheme (smooth weighted round robin).
#include "balancer/lb_method.h"
#include "config/lb_methods.h"

namespace cxxb::balancer {

/**
 * Spreads requests so that every member receives a share proportional to its loadFactor,
 * interleaved rather than in bursts, with the same schedule as httpd's
 * mod_lbmethod_byrequests.
 *
 * How it works. `lbStatus` is a member's credit: how far it lags behind its share. On every
 * pick, each eligible member earns credit equal to its loadFactor, and the total earned in
 * this round is remembered. The member with the most credit takes the request (the first in
 * member order when several share the highest credit) and pays back the whole round's
 * total. The sum of all credits therefore stays where it was, and a member that is heavily
 * weighted earns back its payment sooner, so it is chosen more often.
 *
 * Worked example: members a, b, c with loadFactor 3, 2, 1 (total 6), all credits 0.
 *
 *   pick | credit after earning | winner | credit after paying 6
 *   -----+----------------------+--------+---------------------
 *     1  |  a=3  b=2  c=1       |   a    |  a=-3 b=2  c=1
 *     2  |  a=0  b=4  c=2       |   b    |  a=0  b=-2 c=2
 *     3  |  a=3  b=0  c=3       |   a    |  a=-3 b=0  c=3   (a and c tie: a comes first)
 *     4  |  a=0  b=2  c=4       |   c    |  a=0  b=2  c=-2
 *     5  |  a=3  b=4  c=-1      |   b    |  a=3  b=-2 c=-1
 *     6  |  a=6  b=0  c=0       |   a    |  a=0  b=0  c=0
 *
 * The schedule is "abacba" and then repeats: 3, 2 and 1 requests per 6, and the credits are
 * back at zero after each cycle. Only the ratio of the weights matters, so loadFactor 25 on
 * four members schedules exactly like loadFactor 1 on each ("abcdabcd"). A member that is
 * not eligible earns nothing and is skipped without disturbing the others: with b out of
 * four equal members the schedule becomes "acdacd". These examples are golden tests in
 * test/unit/balancer/by_requests_test.cpp.
 *
 * A loadFactor of 0 (not valid in configuration, but shared memory is not trusted) counts
 * as 1. pick() allocates nothing.
 */
class ByRequests final : public LbMethod {
 public:
  static constexpr std::string_view kName = config::lbMethodName(config::LbMethodKind::ByRequests);

  std::string_view name() const noexcept override { return kName; }
  /** @copydoc LbMethod::pick */
  size_t pick(std::span<LbSlot> slots, std::span<const size_t> eligible) override;
};

}  // namespace cxxb::balancer
