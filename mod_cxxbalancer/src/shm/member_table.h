#pragma once
// MemberTable: the typed view of a SlotStore laid out as slot_layout.h describes. The parent
// computes the size from the configuration, creates the store and initialize()s it (from
// the previous generation's table after a graceful restart); every child then reads and
// updates the records it inherited. Records are found by index, never by pointer.
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "config/balancer_config.h"
#include "core/result.h"
#include "shm/slot_layout.h"
#include "shm/slot_store.h"

namespace cxxb::shm {

/** Where each part of a segment starts, for a given configuration. */
struct Layout {
  uint32_t balancerCount = 0;
  uint32_t memberCapacity = 0;  ///< configured members + growth, over all balancers
  size_t balancerOffset = 0;
  size_t memberOffset = 0;
  size_t totalSize = 0;  ///< bytes the store must provide
};

/** How initialize() carried the previous generation over (for the log). */
struct InitReport {
  uint32_t generation = 1;  ///< of the new segment
  uint32_t kept = 0;        ///< members matched: counters and run-time state kept
  uint32_t added = 0;       ///< members only in the new file
  uint32_t dropped = 0;     ///< members of the previous segment not in the new file
};

class MemberTable {
 public:
  /** The layout for `configs`: each balancer gets its members plus its `growth`. */
  static Layout layoutFor(const std::vector<config::BalancerConfig>& configs);

  /**
   * Checks that every balancer name and member identity fits its record (the names are
   * limited by the configuration parser; a member URL's path is not). Pure: usable at
   * `apachectl -t` time. @return an error naming the balancer or member that does not fit
   */
  static Result<void> checkFits(const std::vector<config::BalancerConfig>& configs);

  /** A view of `store`; neither valid() nor usable before initialize() or attach(). */
  explicit MemberTable(SlotStore& store) noexcept : store_(&store) {}

  /**
   * Lays the segment out for `configs` and fills every record. Call once, in the process
   * that created the store, before any other process uses it.
   *
   * With `previous` (the table of the last generation, still mapped after a graceful
   * restart), each member is matched by balancer name (case-insensitive) and identity
   * (MemberUrl::text(); the n-th occurrence of a URL in a balancer matches the n-th).
   * For a matched member:
   * - counters (requests, failures, bytes, latency) and health fields are kept; `busy` is
   *   not: requests in flight belong to the old generation, which keeps counting them in
   *   the old segment until its children exit;
   * - each status bit keeps its previous value if it was set at run time (failures, health,
   *   manager) and the file's value for it did not change; otherwise it follows the file.
   *   While E is kept, so are the retry time and the error-since time;
   * - loadfactor, lbset, route and redirect follow the file when the file changed them,
   *   and keep a run-time value otherwise.
   * Members only in the file start fresh; members no longer in the file are dropped.
   *
   * @param wallNowNs system_clock now (ns since the Unix epoch), stored in the header
   * @return the report, or an error (store too small, a name that does not fit, an
   *         invalid `previous`)
   */
  Result<InitReport> initialize(const std::vector<config::BalancerConfig>& configs,
                                const MemberTable* previous, int64_t wallNowNs = 0);

  /**
   * Validates a segment another process initialized: magic, layout version, record sizes,
   * offsets and counts within the store. @return an error that says what does not match
   */
  Result<void> attach();

  bool valid() const noexcept { return valid_; }
  SlotStore& store() const noexcept { return *store_; }

  /** Only when valid(). */
  const SegmentHeader& header() const noexcept;
  uint32_t balancerCount() const noexcept { return balancerCount_; }
  BalancerRecord& balancer(uint32_t index) const noexcept;
  /** @return the index of the balancer called `name` (case-insensitive) */
  std::optional<uint32_t> findBalancer(std::string_view name) const noexcept;
  /** The records in use of `balancer` (memberCount read with acquire, clamped). */
  std::span<MemberRecord> members(const BalancerRecord& balancer) const noexcept;
  /** A member record by its index in the segment (< header().memberCapacity). */
  MemberRecord& member(uint32_t index) const noexcept;
  /**
   * Appends a member to `balancer` in its next spare (`growth`) record, then raises
   * memberCount and the structural epoch (release), so every child binds it before its next
   * pick. The caller holds the structural lock (SlotStore::lock()).
   * @return the new record, or an error when no spare record is left or the member's
   *   identity does not fit
   */
  Result<MemberRecord*> addMember(BalancerRecord& balancer, const config::MemberConfig& member);
  /** @return the first member of `balancer` with identity `url`, or nullptr */
  MemberRecord* findMember(std::string_view balancer, std::string_view url) const noexcept;

 private:
  SlotStore* store_;
  bool valid_ = false;
  std::byte* base_ = nullptr;
  uint32_t balancerCount_ = 0;
  uint32_t memberCapacity_ = 0;
  size_t balancerOffset_ = 0;
  size_t memberOffset_ = 0;
};

// --- record helpers (pure; safe on records written by other processes) -------------------

/** The NUL-terminated text of a fixed array; never reads past it. */
template <size_t N>
std::string_view textOf(const std::array<char, N>& field) noexcept {
  size_t n = 0;
  while (n < N && field[n] != '\0') {
    ++n;
  }
  return {field.data(), n};
}

/** Copies `text` into `field` with a NUL. @return false (field untouched) if it does not fit */
template <size_t N>
bool setText(std::array<char, N>& field, std::string_view text) noexcept {
  if (text.size() >= N) {
    return false;
  }
  for (size_t i = 0; i < N; ++i) {
    field[i] = i < text.size() ? text[i] : '\0';
  }
  return true;
}

/** Sets and clears status bits at run time, and marks them as run-time state. */
void changeStatusAtRuntime(MemberRecord& member, uint32_t set, uint32_t clear) noexcept;

/**
 * Folds one successful request's latency into the member's moving average: 1/8 of the new
 * sample, 7/8 of the old average: updateLatencyEwma() (core/moving_average.h). Lock-free.
 */
void recordLatency(MemberRecord& member, uint64_t micros) noexcept;

}  // namespace cxxb::shm
