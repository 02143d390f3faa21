#pragma once
// The one moving average of latencies: a member's in shared memory (shm/member_table.h) and
// p2c's estimate of the fleet's mean (balancer/p2c.h) are both this.
#include <cstdint>

namespace cxxb {

/**
 * The next value of a latency average after a response that took `sampleUs`: an
 * exponentially weighted moving average giving the new sample 1/8 of the weight (as TCP's
 * smoothed round-trip time), so one slow response moves it a little and a member that
 * stays slow is priced as slow within a dozen responses. The first sample (average 0) is
 * taken as it is; the result is never 0, which means "no sample yet". Exact in unsigned
 * arithmetic over the whole range: no overflow, and a drop pulls the average down.
 *
 * Worked example: 800, then a 1600 µs response gives 800 + 800/8 = 900; then a 100 µs one
 * gives 900 - 800/8 = 800.
 *
 * What to measure: the time from sending the request to the first byte of the response
 * (the status line). Body transfer time depends on the size of the body and on the client,
 * not on the member, and a WebSocket tunnel's lifetime says nothing about its speed.
 */
constexpr uint64_t updateLatencyEwma(uint64_t averageUs, uint64_t sampleUs) noexcept {
  if (sampleUs == 0) {
    sampleUs = 1;
  }
  if (averageUs == 0) {
    return sampleUs;
  }
  const uint64_t next = sampleUs >= averageUs ? averageUs + (sampleUs - averageUs) / 8
                                              : averageUs - (averageUs - sampleUs) / 8;
  return next == 0 ? 1 : next;
}

}  // namespace cxxb
