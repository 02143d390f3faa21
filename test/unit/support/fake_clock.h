#pragma once
// A clock that moves only when a test says so.
#include "core/clock.h"

namespace cxxb::test {

class FakeClock final : public Clock {
 public:
  TimePoint now() const noexcept override { return now_; }
  WallTimePoint wallNow() const noexcept override { return wallNow_; }
  /** Moves both clocks forward by `by`. */
  void advance(Millis by) noexcept {
    now_ += by;
    wallNow_ += by;
  }
  /** Moves both clocks forward to `to` (monotonic); never backwards. */
  void advanceTo(TimePoint to) noexcept {
    if (to > now_) {
      advance(std::chrono::duration_cast<Millis>(to - now_));
      now_ = to;  // keep sub-millisecond precision of the monotonic clock
    }
  }
  /** Sets the wall clock alone, as an administrator or NTP would: it may go backwards. */
  void setWall(WallTimePoint to) noexcept { wallNow_ = to; }

 private:
  TimePoint now_{Seconds(1000)};
  WallTimePoint wallNow_{Seconds(1'700'000'000)};  // November 2023
};

}  // namespace cxxb::test
