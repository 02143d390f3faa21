#include "core/timer.h"

namespace cxxb {

uint64_t SystemTimer::generation() const noexcept {
  std::lock_guard lock(mutex_);
  return generation_;
}

bool SystemTimer::waitUntil(TimePoint deadline, uint64_t seen) {
  std::unique_lock lock(mutex_);
  // wait_until on steady_clock: the deadline is SystemClock's now() plus a duration.
  return woken_.wait_until(lock, deadline, [&] { return generation_ != seen; });
}

void SystemTimer::wakeAll() noexcept {
  {
    std::lock_guard lock(mutex_);
    ++generation_;
  }
  woken_.notify_all();
}

}  // namespace cxxb
