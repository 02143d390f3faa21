#include "core/clock.h"

namespace cxxb {

// The only reads of the system's clocks in the project.
TimePoint SystemClock::now() const noexcept { return MonoClock::now(); }

WallTimePoint SystemClock::wallNow() const noexcept { return std::chrono::system_clock::now(); }

SystemClock& SystemClock::instance() noexcept {
  static SystemClock clock;
  return clock;
}

}  // namespace cxxb
