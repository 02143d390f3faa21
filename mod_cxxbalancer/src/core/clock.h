#pragma once
// Time comes in through an interface so pools, retry timers and health schedules are
// tested with a fake clock (test/unit/support/fake_clock.h) instead of sleeping.
#include <chrono>

namespace cxxb {

using MonoClock = std::chrono::steady_clock;
using TimePoint = MonoClock::time_point;
using Millis = std::chrono::milliseconds;
using Seconds = std::chrono::seconds;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const noexcept = 0;
};

class SteadyClock final : public Clock {
 public:
  TimePoint now() const noexcept override { return MonoClock::now(); }
  static SteadyClock& instance() noexcept {
    static SteadyClock clock;
    return clock;
  }
};

}  // namespace cxxb
