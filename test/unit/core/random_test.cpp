#include "core/random.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <set>
#include <vector>

#include "support/fake_random.h"

using cxxb::freshSeed;
using cxxb::ProcessRandom;
using cxxb::SeededRandom;
using cxxb::test::FakeRandom;

namespace {

std::vector<uint64_t> draws(cxxb::Random& random, int n) {
  std::vector<uint64_t> out;
  for (int i = 0; i < n; ++i) {
    out.push_back(random.next());
  }
  return out;
}

}  // namespace

TEST_CASE("SeededRandom: a seed fixes the sequence; reseed starts it again", "[core][random]") {
  SeededRandom a(42);
  SeededRandom b(42);
  SeededRandom c(43);
  const auto first = draws(a, 8);
  CHECK(first == draws(b, 8));
  CHECK(first != draws(c, 8));
  a.reseed(42);
  CHECK(draws(a, 8) == first);
  SeededRandom zero(0);  // splitmix makes 0 a valid seed: xorshift never sees state 0
  const auto z = draws(zero, 64);
  CHECK(std::set<uint64_t>(z.begin(), z.end()).size() == 64);
}

TEST_CASE("Random::below: in range and roughly uniform", "[core][random]") {
  SeededRandom random(7);
  CHECK(random.below(1) == 0);
  std::vector<int> counts(10);
  for (int i = 0; i < 100'000; ++i) {
    const size_t index = random.below(10);
    REQUIRE(index < 10);
    ++counts[index];
  }
  for (const int count : counts) {
    CHECK(count > 9'500);
    CHECK(count < 10'500);
  }
}

TEST_CASE("ProcessRandom and freshSeed differ from call to call", "[core][random]") {
  CHECK(freshSeed() != freshSeed());
  ProcessRandom a;
  ProcessRandom b;
  CHECK(draws(a, 4) != draws(b, 4));
  const auto before = draws(a, 4);
  a.reseed();
  CHECK(draws(a, 4) != before);
}

TEST_CASE("FakeRandom: scripted values, then the last again; forIndex aims below()",
          "[core][random]") {
  FakeRandom random{1, 2, 3};
  CHECK(draws(random, 5) == std::vector<uint64_t>{1, 2, 3, 3, 3});
  CHECK(random.draws() == 5);
  for (uint64_t n : {2u, 3u, 7u, 1000u}) {
    for (uint64_t index = 0; index < n; ++index) {
      FakeRandom aimed{FakeRandom::forIndex(index, n)};
      INFO(n << " " << index);
      CHECK(aimed.below(n) == index);
    }
  }
}
