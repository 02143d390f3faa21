#pragma once
// Waiting on one socket with a deadline: the building block of every timeout in net/.
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>

#include "core/clock.h"

namespace cxxb::net {

/**
 * Waits for `events` on `fd` until `deadline`.
 * @return >0 when ready (or in error: the next syscall reports it), 0 on timeout, -1 with
 *         errno set on failure
 */
inline int waitUntil(int fd, short events, TimePoint deadline) noexcept {
  for (;;) {
    const auto remaining = std::chrono::ceil<Millis>(deadline - SystemClock::instance().now());
    if (remaining.count() <= 0) {
      return 0;
    }
    pollfd pfd{fd, events, 0};
    const int rc = ::poll(&pfd, 1, int(std::min<Millis::rep>(remaining.count(), INT_MAX)));
    if (rc < 0) {
      if (errno == EINTR) {
        continue;
      }
      return -1;
    }
    if (rc > 0 && (pfd.revents & POLLNVAL) != 0) {
      errno = EBADF;
      return -1;
    }
    return rc;
  }
}

inline TimePoint deadlineAfter(Millis timeout) noexcept {
  return SystemClock::instance().now() + std::max(timeout, Millis::zero());
}

}  // namespace cxxb::net
