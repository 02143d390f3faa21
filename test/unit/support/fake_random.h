#pragma once
// A random source that returns what the test scripted, then repeats the last value.
#include <cstdint>
#include <initializer_list>
#include <vector>

#include "core/random.h"

namespace cxxb::test {

class FakeRandom final : public Random {
 public:
  explicit FakeRandom(std::initializer_list<uint64_t> values) : values_(values) {}
  uint64_t next() noexcept override {
    ++draws_;
    if (values_.empty()) {
      return 0;
    }
    const uint64_t value = values_[position_];
    if (position_ + 1 < values_.size()) {
      ++position_;
    }
    return value;
  }
  /** The value that makes below(n) return `index`: the high 32 bits scaled to [0, n). */
  static constexpr uint64_t forIndex(uint64_t index, uint64_t n) noexcept {
    return ((index << 32) + (n - 1)) / n << 32;
  }
  size_t draws() const noexcept { return draws_; }

 private:
  std::vector<uint64_t> values_;
  size_t position_ = 0;
  size_t draws_ = 0;
};

}  // namespace cxxb::test
