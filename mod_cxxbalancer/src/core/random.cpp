#include "core/random.h"

#include <random>

#include "core/clock.h"

namespace cxxb {

void SeededRandom::reseed(uint64_t seed) noexcept {
  // splitmix64: turns any seed, 0 included, into a well-mixed non-zero xorshift state.
  uint64_t z = seed + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  state_ = z == 0 ? 1 : z;
}

uint64_t SeededRandom::next() noexcept {
  state_ ^= state_ >> 12;
  state_ ^= state_ << 25;
  state_ ^= state_ >> 27;
  return state_ * 0x2545f4914f6cdd1dULL;
}

uint64_t freshSeed() {
  // random_device is the OS's entropy (getrandom) on Linux. The monotonic time is mixed in
  // for a platform where it would be a fixed sequence.
  std::random_device device;
  const uint64_t entropy = (uint64_t(device()) << 32) ^ device();
  return entropy ^ uint64_t(SystemClock::instance().now().time_since_epoch().count());
}

}  // namespace cxxb
