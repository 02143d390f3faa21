#pragma once
// Waiting comes in through an interface, like time (clock.h): the prober's schedule and the
// connection queue wait on a Timer, so tests move a fake clock instead of sleeping
// (test/unit/support/fake_timer.h).
#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "core/clock.h"

namespace cxxb {

/**
 * Blocks a thread until a deadline of its clock, or until another thread wakes it.
 *
 * Waking is counted, so a wake that comes between checking a condition and starting to wait
 * is not lost: read generation() first, check, then waitUntil(deadline, thatGeneration).
 *
 *     uint64_t seen = timer.generation();
 *     while (!queue.hasFreeConnection()) {
 *       if (!timer.waitUntil(deadline, seen)) { return timedOut(); }
 *       seen = timer.generation();
 *     }
 *
 * All methods are thread-safe.
 */
class Timer {
 public:
  virtual ~Timer() = default;
  /** @return the clock whose time the deadlines are in */
  virtual const Clock& clock() const noexcept = 0;
  /** @return how many times wakeAll() was called so far */
  virtual uint64_t generation() const noexcept = 0;
  /**
   * Blocks until clock().now() >= deadline, or until generation() differs from `seen`.
   * @return true when woken (the generation moved), false when the deadline passed
   */
  virtual bool waitUntil(TimePoint deadline, uint64_t seen) = 0;
  /** Wakes every thread in waitUntil() and moves the generation on. */
  virtual void wakeAll() noexcept = 0;

  /** Sleeps for `duration` unless woken. @return true when woken before the end */
  bool sleepFor(Millis duration) { return waitUntil(clock().now() + duration, generation()); }
};

/** The production timer: a condition variable over SystemClock's steady time. */
class SystemTimer final : public Timer {
 public:
  const Clock& clock() const noexcept override { return SystemClock::instance(); }
  uint64_t generation() const noexcept override;
  bool waitUntil(TimePoint deadline, uint64_t seen) override;
  void wakeAll() noexcept override;

 private:
  mutable std::mutex mutex_;
  std::condition_variable woken_;
  uint64_t generation_ = 0;
};

}  // namespace cxxb
