#include "balancer/by_traffic.h"

#include <catch2/catch.hpp>

#include "balancer/lb_test_support.h"

using cxxb::balancer::ByTraffic;
using cxxb::test::allIndices;
using cxxb::test::makeSlots;

TEST_CASE("bytraffic: the lowest bytes per unit of weight wins", "[balancer]") {
  ByTraffic method;
  auto slots = makeSlots({1, 1, 3});
  slots[0].transferred = 500;
  slots[1].transferred = 400;
  slots[2].transferred = 1500;  // 500 per unit of weight
  CHECK(method.pick(slots, allIndices(slots)) == 1);
  slots[1].transferred = 600;
  CHECK(method.pick(slots, allIndices(slots)) == 0);  // a and c tie at 500: a comes first
}

TEST_CASE("bytraffic: integer division, as httpd, makes near ratios tie", "[balancer]") {
  ByTraffic method;
  auto slots = makeSlots({2, 1});
  slots[0].transferred = 7;  // 7 / 2 == 3
  slots[1].transferred = 3;
  CHECK(method.pick(slots, allIndices(slots)) == 0);
  slots[0].transferred = 8;  // 4
  CHECK(method.pick(slots, allIndices(slots)) == 1);
}

TEST_CASE("bytraffic: members that are not eligible are not considered", "[balancer]") {
  ByTraffic method;
  auto slots = makeSlots({1, 1, 1});
  slots[0].transferred = 0;
  slots[1].transferred = 50;
  slots[2].transferred = 10;
  CHECK(method.pick(slots, std::vector<size_t>{1, 2}) == 2);
}

TEST_CASE("bytraffic: lbStatus is left alone", "[balancer]") {
  ByTraffic method;
  auto slots = makeSlots({1, 2});
  slots[0].lbStatus = 7;
  method.pick(slots, allIndices(slots));
  CHECK(slots[0].lbStatus == 7);
  CHECK(slots[1].lbStatus == 0);
}

TEST_CASE("bytraffic: equal responses share 1:1:3 by weight", "[balancer]") {
  ByTraffic method;
  auto slots = makeSlots({1, 1, 3});
  std::vector<int> count(3);
  for (int i = 0; i < 500; ++i) {
    const size_t winner = method.pick(slots, allIndices(slots));
    slots[winner].transferred += 1000;
    ++count[winner];
  }
  CHECK(count == std::vector<int>{100, 100, 300});
}

TEST_CASE("bytraffic: one large response sends the next requests elsewhere", "[balancer]") {
  ByTraffic method;
  auto slots = makeSlots({1, 1});
  slots[0].transferred = 10'000;  // a large download on a
  std::string schedule;
  for (int i = 0; i < 12; ++i) {
    const size_t winner = method.pick(slots, allIndices(slots));
    slots[winner].transferred += 1000;
    schedule += cxxb::test::memberName(winner);
  }
  CHECK(schedule == "bbbbbbbbbbab");
}

TEST_CASE("bytraffic: a loadFactor of 0 counts as 1", "[balancer]") {
  ByTraffic method;
  auto slots = makeSlots({0, 1});
  slots[0].transferred = 10;
  slots[1].transferred = 20;
  CHECK(method.pick(slots, allIndices(slots)) == 0);
}
