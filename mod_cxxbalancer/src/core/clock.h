#pragma once
// Time comes in through an interface so pools, retry timers and health schedules are
// tested with a fake clock (test/unit/support/fake_clock.h) instead of sleeping. Only
// SystemClock (clock.cpp) reads the system's clocks; everything else asks a Clock.
#include <chrono>
#include <cstdint>

namespace cxxb {

using MonoClock = std::chrono::steady_clock;
using TimePoint = MonoClock::time_point;
using WallTimePoint = std::chrono::system_clock::time_point;
using Millis = std::chrono::milliseconds;
using Seconds = std::chrono::seconds;

/** Nanoseconds since the Unix epoch: how shared memory stores wall times (slot_layout.h). */
constexpr int64_t unixNanos(WallTimePoint t) noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

/**
 * The two clocks every component reads. Monotonic time (now()) measures intervals, deadlines
 * and retry times; wall time (wallNow()) is only ever shown to people ("in error since").
 * Implementations are safe to call from any thread.
 */
class Clock {
 public:
  virtual ~Clock() = default;
  /** @return monotonic now (CLOCK_MONOTONIC: the same in every process of the machine) */
  virtual TimePoint now() const noexcept = 0;
  /** @return wall-clock now; may jump, so never subtract two of them for a duration */
  virtual WallTimePoint wallNow() const noexcept = 0;
  /** @return wallNow() in nanoseconds since the Unix epoch */
  int64_t wallNowNs() const noexcept { return unixNanos(wallNow()); }
};

/** The production clock: steady_clock and system_clock. */
class SystemClock final : public Clock {
 public:
  TimePoint now() const noexcept override;
  WallTimePoint wallNow() const noexcept override;
  static SystemClock& instance() noexcept;
};

}  // namespace cxxb
