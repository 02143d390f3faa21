#include "balancer/by_requests.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>

#include "balancer/lb_test_support.h"

using cxxb::balancer::ByRequests;
using cxxb::test::creditSum;
using cxxb::test::makeSlots;
using cxxb::test::pickSequence;

TEST_CASE("byrequests: the worked example of by_requests.h, step by step", "[balancer]") {
  ByRequests method;
  auto slots = makeSlots({3, 2, 1});
  const std::vector<size_t> all{0, 1, 2};
  // Winner and credits after paying, one row of the table per pick.
  const struct {
    size_t winner;
    int64_t a, b, c;
  } kTable[] = {{0, -3, 2, 1}, {1, 0, -2, 2},  {0, -3, 0, 3},
                {2, 0, 2, -2}, {1, 3, -2, -1}, {0, 0, 0, 0}};
  for (const auto& row : kTable) {
    CHECK(method.pick(slots, all) == row.winner);
    CHECK(slots[0].lbStatus == row.a);
    CHECK(slots[1].lbStatus == row.b);
    CHECK(slots[2].lbStatus == row.c);
  }
  CHECK(pickSequence(method, slots, 12) == "abacbaabacba");
}

TEST_CASE("byrequests: equal weights rotate in member order", "[balancer]") {
  ByRequests method;
  auto slots = makeSlots({1, 1, 1, 1});
  CHECK(pickSequence(method, slots, 8) == "abcdabcd");
}

TEST_CASE("byrequests: only the ratio of the weights matters", "[balancer]") {
  ByRequests method;
  auto slots = makeSlots({25, 25, 25, 25});
  CHECK(pickSequence(method, slots, 8) == "abcdabcd");
}

TEST_CASE("byrequests keeps the rotation when a member is not eligible", "[balancer]") {
  ByRequests method;
  auto slots = makeSlots({1, 1, 1, 1});
  CHECK(pickSequence(method, slots, {0, 2, 3}, 6) == "acdacd");
  CHECK(slots[1].lbStatus == 0);  // earns nothing while out
}

TEST_CASE("byrequests: weights 1:5 give exactly 1 and 5 in every 6 picks", "[balancer]") {
  ByRequests method;
  auto slots = makeSlots({1, 5});
  const std::string schedule = pickSequence(method, slots, 60);
  for (size_t start = 0; start < schedule.size(); start += 6) {
    const std::string window = schedule.substr(start, 6);
    INFO("window " << window);
    CHECK(std::count(window.begin(), window.end(), 'a') == 1);
    CHECK(std::count(window.begin(), window.end(), 'b') == 5);
  }
  CHECK(schedule.substr(0, 6) == "bbabbb");  // b leads until a's credit catches up
}

TEST_CASE("byrequests: asymmetric weights 1,1,1,2 interleave the heavy member", "[balancer]") {
  ByRequests method;
  auto slots = makeSlots({1, 1, 1, 2});
  CHECK(pickSequence(method, slots, 10) == "dabcddabcd");
}

TEST_CASE("byrequests: the credit sum is conserved whatever is eligible", "[balancer]") {
  ByRequests method;
  auto slots = makeSlots({1, 7, 3, 2});
  const std::vector<std::vector<size_t>> sets{{0, 1, 2, 3}, {1}, {0, 3}, {2, 3}, {0, 1, 2}};
  for (int round = 0; round < 200; ++round) {
    method.pick(slots, sets[static_cast<size_t>(round) % sets.size()]);
    REQUIRE(creditSum(slots) == 0);
  }
}

TEST_CASE("byrequests: the winner is always one of the eligible members", "[balancer]") {
  ByRequests method;
  auto slots = makeSlots({100, 1, 100, 1});
  slots[0].lbStatus = 1000;  // credit left over from a time it was eligible
  for (int i = 0; i < 20; ++i) {
    const size_t winner = method.pick(slots, std::vector<size_t>{1, 3});
    CHECK((winner == 1 || winner == 3));
  }
  CHECK(slots[0].lbStatus == 1000);
}

TEST_CASE("byrequests: a loadFactor of 0 counts as 1", "[balancer]") {
  ByRequests method;
  auto slots = makeSlots({0, 1});
  CHECK(pickSequence(method, slots, 4) == "abab");
}

TEST_CASE("byrequests: a single member always wins and keeps zero credit", "[balancer]") {
  ByRequests method;
  auto slots = makeSlots({42});
  CHECK(pickSequence(method, slots, 3) == "aaa");
  CHECK(slots[0].lbStatus == 0);
}
