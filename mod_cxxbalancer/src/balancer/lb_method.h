#pragma once
// The interface every balancing method implements. Methods see only LbSlot values, so the
// same code runs on a std::vector in unit tests and on shared memory in production.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

namespace cxxb::balancer {

/**
 * What a method reads and keeps per member. Standard layout, no pointers: it can live in
 * shared memory. `lbStatus` is the method's own running credit; the caller guards it.
 */
struct LbSlot {
  uint32_t loadFactor = 1;   ///< 1..100
  int64_t lbStatus = 0;      ///< method-private credit (byrequests, bybusyness)
  uint64_t busy = 0;         ///< requests in flight
  uint64_t transferred = 0;  ///< bytes in + out, for bytraffic
  /// Moving average of the member's response time in microseconds, for p2c; 0 = not known
  /// yet. The caller maintains it, e.g. with updateLatencyEwma() (core/moving_average.h).
  uint64_t latencyUs = 0;
};

/** Where the live counters of a member come from (shared memory, in production). */
class SlotSource {
 public:
  virtual ~SlotSource() = default;
  /** Brings `slot` (member `index`) up to date: loadFactor, busy, transferred, latencyUs. */
  virtual void refresh(size_t index, LbSlot& slot) noexcept = 0;
};

class LbMethod {
 public:
  virtual ~LbMethod() = default;
  virtual std::string_view name() const noexcept = 0;
  /**
   * Picks one member for a new request.
   * @param slots every member of the balancer; the method may update their lbStatus
   * @param eligible indices into `slots` that may take the request; never empty
   * @return an element of `eligible`
   * Locking: the caller holds whatever guards `slots` (a per-process mutex, or the
   * balancer's global mutex in shared memory) for the duration of the call.
   */
  virtual size_t pick(std::span<LbSlot> slots, std::span<const size_t> eligible) = 0;

  /**
   * pick() on live counters: refreshes the slots the method reads from `source` first. By
   * default every eligible slot (the mod_proxy methods compare them all); a method that
   * looks at only a few members overrides this to refresh just those, and stays O(1).
   */
  virtual size_t pickLive(std::span<LbSlot> slots, std::span<const size_t> eligible,
                          SlotSource& source) {
    for (size_t index : eligible) {
      source.refresh(index, slots[index]);
    }
    return pick(slots, eligible);
  }
  /**
   * Gives a method that draws random numbers a new seed. Methods are made before httpd
   * forks, so every child would otherwise start with the same sequence; call this once per
   * child (child_init) with something that differs between processes. Others ignore it.
   */
  virtual void reseed(uint64_t /*seed*/) noexcept {}
};

using LbMethodPtr = std::unique_ptr<LbMethod>;

/**
 * The weight a method uses for `slot`: its loadFactor, or 1 when that is 0. Configuration
 * never yields 0, but slots may live in shared memory, which methods do not trust.
 */
constexpr uint32_t effectiveLoadFactor(const LbSlot& slot) noexcept {
  return slot.loadFactor == 0 ? 1u : slot.loadFactor;
}

/**
 * mod_proxy's weighted credit round, shared by byrequests and bybusyness: every eligible
 * member earns its load factor in credit (lbStatus), the one `better` prefers wins (the
 * first in member order among equals) and pays back the credit handed out in this round,
 * so the credits always sum to zero. @param better (candidate, best so far) -> bool
 */
template <class Better>
size_t creditRound(std::span<LbSlot> slots, std::span<const size_t> eligible, Better better) {
  int64_t total = 0;
  LbSlot* best = nullptr;
  size_t bestIndex = eligible.front();
  for (const size_t index : eligible) {
    LbSlot& slot = slots[index];
    const int64_t weight = effectiveLoadFactor(slot);
    slot.lbStatus += weight;
    total += weight;
    if (best == nullptr || better(slot, *best)) {
      best = &slot;
      bestIndex = index;
    }
  }
  best->lbStatus -= total;
  return bestIndex;
}

/**
 * @return the method called `name` (lowercase), or nullptr when there is none. The names
 * are those of config/lb_methods.h. Methods that draw random numbers get a fixed seed: call
 * reseed().
 */
LbMethodPtr makeLbMethod(std::string_view name);

}  // namespace cxxb::balancer
