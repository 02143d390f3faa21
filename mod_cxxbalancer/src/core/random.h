#pragma once
// Chance comes in through an interface, like time (clock.h): methods that draw (p2c) and the
// coming jittered schedules take a Random, and tests pass a SeededRandom with a fixed seed
// or a scripted fake (test/unit/support/fake_random.h).
#include <cstddef>
#include <cstdint>

namespace cxxb {

/** A source of uniformly distributed 64-bit numbers. Not thread-safe: one owner, or a lock. */
class Random {
 public:
  virtual ~Random() = default;
  /** @return the next number, uniform over all 64-bit values */
  virtual uint64_t next() noexcept = 0;
  /**
   * @return a uniform index in [0, n), for n >= 1. Lemire's multiply-shift on the high 32
   * bits: no division, and the bias for any n below 2^16 is under one in a million.
   */
  size_t below(size_t n) noexcept {
    return static_cast<size_t>(((next() >> 32) * static_cast<uint64_t>(n)) >> 32);
  }
};

/**
 * xorshift64* (Vigna): cheap, and good enough for choosing members and spreading timers;
 * not for secrets. The same seed gives the same sequence, so tests are deterministic; any
 * seed, 0 included, is mixed (splitmix64) into a valid state.
 */
class SeededRandom final : public Random {
 public:
  explicit SeededRandom(uint64_t seed) noexcept { reseed(seed); }
  void reseed(uint64_t seed) noexcept;
  uint64_t next() noexcept override;

 private:
  uint64_t state_ = 1;
};

/**
 * A seed that differs from process to process and from call to call, from the system's
 * entropy source. Production only: a child forked by httpd calls it to get a sequence of its
 * own (objects made before the fork share their parent's state).
 */
uint64_t freshSeed();

/** The production source: a SeededRandom seeded with freshSeed(). */
class ProcessRandom final : public Random {
 public:
  ProcessRandom() : engine_(freshSeed()) {}
  /** Draws a new seed: call it in the child after a fork. */
  void reseed() { engine_.reseed(freshSeed()); }
  uint64_t next() noexcept override { return engine_.next(); }

 private:
  SeededRandom engine_;
};

}  // namespace cxxb
