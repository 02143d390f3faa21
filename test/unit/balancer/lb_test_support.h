#pragma once
// Helpers for the balancing-method tests: members are named 'a', 'b', ... by position, so a
// schedule reads as a string such as "abcdabcd".
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <numeric>
#include <string>
#include <vector>

#include "balancer/lb_method.h"

namespace cxxb::test {

inline std::vector<balancer::LbSlot> makeSlots(std::initializer_list<uint32_t> loadFactors) {
  std::vector<balancer::LbSlot> slots;
  for (const uint32_t factor : loadFactors) {
    slots.push_back(balancer::LbSlot{.loadFactor = factor});
  }
  return slots;
}

inline std::vector<size_t> allIndices(const std::vector<balancer::LbSlot>& slots) {
  std::vector<size_t> indices(slots.size());
  std::iota(indices.begin(), indices.end(), size_t{0});
  return indices;
}

inline char memberName(size_t index) { return static_cast<char>('a' + index); }

/** Runs `count` picks over `eligible` and spells the winners. */
inline std::string pickSequence(balancer::LbMethod& method, std::vector<balancer::LbSlot>& slots,
                                const std::vector<size_t>& eligible, int count) {
  std::string out;
  for (int i = 0; i < count; ++i) {
    out += memberName(method.pick(slots, eligible));
  }
  return out;
}

inline std::string pickSequence(balancer::LbMethod& method, std::vector<balancer::LbSlot>& slots,
                                int count) {
  return pickSequence(method, slots, allIndices(slots), count);
}

inline int64_t creditSum(const std::vector<balancer::LbSlot>& slots) {
  int64_t sum = 0;
  for (const auto& slot : slots) {
    sum += slot.lbStatus;
  }
  return sum;
}

}  // namespace cxxb::test
