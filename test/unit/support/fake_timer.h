#pragma once
// A timer for single-threaded tests: waiting moves the fake clock to the deadline at once,
// unless the wait was woken; every wait is recorded.
#include <functional>
#include <vector>

#include "core/timer.h"
#include "support/fake_clock.h"

namespace cxxb::test {

class FakeTimer final : public Timer {
 public:
  explicit FakeTimer(FakeClock& clock) : clock_(clock) {}

  const Clock& clock() const noexcept override { return clock_; }
  uint64_t generation() const noexcept override { return generation_; }
  bool waitUntil(TimePoint deadline, uint64_t seen) override {
    waits.push_back(deadline);
    if (whileWaiting) {
      whileWaiting(deadline);  // what "another thread" does meanwhile, e.g. wakeAll()
    }
    if (generation_ != seen) {
      return true;
    }
    clock_.advanceTo(deadline);
    return false;
  }
  void wakeAll() noexcept override { ++generation_; }

  std::vector<TimePoint> waits;                 ///< every deadline waited for, in order
  std::function<void(TimePoint)> whileWaiting;  ///< called at the start of each wait

 private:
  FakeClock& clock_;
  uint64_t generation_ = 0;
};

}  // namespace cxxb::test
