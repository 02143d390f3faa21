#include "core/moving_average.h"

#include <catch2/catch.hpp>
#include <cstdint>

using cxxb::updateLatencyEwma;

static_assert(updateLatencyEwma(0, 7) == 7, "usable in constant expressions");

TEST_CASE("updateLatencyEwma: 1/8 of each sample, never 0, no overflow", "[core]") {
  CHECK(updateLatencyEwma(0, 500) == 500);  // the first sample as it is
  CHECK(updateLatencyEwma(0, 0) == 1);      // never 0, which means unknown
  CHECK(updateLatencyEwma(100, 900) == 200);
  CHECK(updateLatencyEwma(800, 0) == 701);  // 800 - 799 / 8
  CHECK(updateLatencyEwma(1, 1) == 1);
  CHECK(updateLatencyEwma(800, 1600) == 900);  // the worked example of the header
  CHECK(updateLatencyEwma(900, 100) == 800);
  CHECK(updateLatencyEwma(UINT64_MAX, UINT64_MAX) == UINT64_MAX);
  CHECK(updateLatencyEwma(UINT64_MAX, 0) > 0);
  CHECK(updateLatencyEwma(1, UINT64_MAX) > 1);
  uint64_t ewma = 10;
  int steps = 0;
  while (ewma < 990) {
    ewma = updateLatencyEwma(ewma, 1000);
    ++steps;
  }
  CHECK(steps < 40);
}
