#pragma once
// p2c: the project's own method, power of two choices weighted by latency and loadFactor.
#include <cstdint>

#include "balancer/lb_method.h"
#include "config/lb_methods.h"
#include "core/moving_average.h"
#include "core/random.h"

namespace cxxb::balancer {

/**
 * Power of two choices: draw two distinct eligible members at random and send the request
 * to the one where it is expected to finish first. The expected cost of member m is
 *
 *     score(m) = (busy + 1) * latencyUs / loadFactor
 *
 * the requests already in flight there plus this one, times how long a request there takes
 * (the moving average the caller keeps in `latencyUs`), shared out by the member's weight.
 * The lower score wins; on a tie the member drawn first (itself random) does.
 *
 * Why it beats byrequests when members differ in speed. byrequests deals requests out in
 * fixed proportions of loadFactor and never looks at the answers: a member ten times slower
 * than the others still gets its full share, its queue grows, and every request dealt to it
 * waits behind that queue. bybusyness looks at requests in flight, so it does react, but
 * only once a queue has formed, and it counts one request in flight at a slow member the
 * same as one at a fast member. p2c prices both: in-flight load (busy) and speed (latency),
 * so a slow member receives about what it can serve, and a member that slows down (a
 * garbage collection, a noisy neighbour) loses traffic within a few responses, with no
 * reconfiguration. It needs no global coordination: no scan of all members, no shared
 * schedule; each decision reads two members' shared counters. Picking the single best of
 * all members instead would make every child, reading the same counters at nearly the same
 * moment, pile onto the same member ("herding"); two random candidates spread concurrent
 * decisions while, as Mitzenmacher showed ("The Power of Two Choices in Randomized Load
 * Balancing", 2001), still cutting the worst queue from O(log n / log log n) for one random
 * choice to O(log log n). Envoy's LEAST_REQUEST and Finagle's P2C balancers rest on the
 * same result. The simulation test (test/unit/balancer/p2c_test.cpp) shows the gain with one
 * member ten times slower than the other.
 *
 * Cost: two random numbers and two scores, O(1) whatever the number of members; pick()
 * allocates nothing and neither reads nor writes `lbStatus` or `transferred`.
 *
 * Unknown latency (latencyUs == 0, e.g. a member that has not answered yet) counts as the
 * fleet's mean, estimated without a scan: every pick feeds the known latencies of its two
 * random candidates into a moving average, which therefore follows the mean over eligible
 * members. Until any latency is known, it counts as 1 for everyone, and busy alone decides.
 * A new member is thus neither flooded (as if it were infinitely fast) nor starved.
 * A member priced as slow is measured again whenever the others get busy enough to lose
 * to it; at low load it may stay idle, which costs nothing since the others then serve
 * without queueing.
 *
 * Randomness: a SeededRandom (core/random.h, xorshift64*), seeded in the constructor; tests
 * pass a fixed seed. Methods are built before httpd forks, so the adapter calls reseed() in
 * each child. The generator is state of this object: like every method, pick() runs under
 * the caller's lock.
 */
class P2c final : public LbMethod {
 public:
  static constexpr std::string_view kName = config::lbMethodName(config::LbMethodKind::P2c);
  static constexpr uint64_t kDefaultSeed = 0x9e3779b97f4a7c15ULL;

  explicit P2c(uint64_t seed = kDefaultSeed) noexcept : random_(seed) {}

  std::string_view name() const noexcept override { return kName; }
  /** @copydoc LbMethod::pick */
  size_t pick(std::span<LbSlot> slots, std::span<const size_t> eligible) override;
  /** Refreshes only the two members drawn: O(1) whatever the number of members. */
  size_t pickLive(std::span<LbSlot> slots, std::span<const size_t> eligible,
                  SlotSource& source) override;
  void reseed(uint64_t seed) noexcept override;

  /** The current estimate of the fleet's mean latency in microseconds (0 = none yet). */
  uint64_t fleetLatencyUs() const noexcept { return fleetLatencyUs_; }

 private:
  /** Two distinct members of `eligible` (n >= 2), drawn uniformly. */
  std::pair<size_t, size_t> draw(std::span<const size_t> eligible) noexcept;
  /** The better of a and b by the score in the class comment. */
  size_t better(const LbSlot& slotA, size_t a, const LbSlot& slotB, size_t b) noexcept;

  SeededRandom random_;
  uint64_t fleetLatencyUs_ = 0;
};

}  // namespace cxxb::balancer
