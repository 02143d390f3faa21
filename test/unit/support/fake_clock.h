#pragma once
// A clock that moves only when a test says so.
#include "core/clock.h"

namespace cxxb::test {

class FakeClock final : public Clock {
 public:
  TimePoint now() const noexcept override { return now_; }
  void advance(Millis by) noexcept { now_ += by; }

 private:
  TimePoint now_{Seconds(1000)};
};

}  // namespace cxxb::test
