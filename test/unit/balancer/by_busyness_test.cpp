#include "balancer/by_busyness.h"

#include <catch2/catch.hpp>

#include "balancer/by_requests.h"
#include "balancer/lb_test_support.h"

using cxxb::balancer::ByBusyness;
using cxxb::balancer::ByRequests;
using cxxb::test::allIndices;
using cxxb::test::creditSum;
using cxxb::test::makeSlots;
using cxxb::test::pickSequence;

TEST_CASE("bybusyness: the member with the fewest requests in flight wins", "[balancer]") {
  ByBusyness method;
  auto slots = makeSlots({1, 1, 1});
  slots[0].busy = 3;
  slots[1].busy = 1;
  slots[2].busy = 2;
  CHECK(method.pick(slots, allIndices(slots)) == 1);
}

TEST_CASE("bybusyness: busy counts are compared unweighted, as in httpd", "[balancer]") {
  ByBusyness method;
  auto slots = makeSlots({1, 100});
  slots[0].busy = 1;
  slots[1].busy = 2;  // far heavier, but busier
  CHECK(method.pick(slots, allIndices(slots)) == 0);
}

TEST_CASE("bybusyness: the example of by_busyness.h", "[balancer]") {
  ByBusyness method;
  auto slots = makeSlots({1, 3, 5});
  slots[2].busy = 1;
  CHECK(method.pick(slots, allIndices(slots)) == 1);
  // Every eligible member earned its weight; the winner paid the total of 9.
  CHECK(slots[0].lbStatus == 1);
  CHECK(slots[1].lbStatus == 3 - 9);
  CHECK(slots[2].lbStatus == 5);
}

TEST_CASE("bybusyness: idle members are scheduled exactly as byrequests", "[balancer]") {
  ByBusyness busyness;
  ByRequests requests;
  auto busySlots = makeSlots({3, 2, 1});
  auto requestSlots = makeSlots({3, 2, 1});
  CHECK(pickSequence(busyness, busySlots, 12) == "abacbaabacba");
  CHECK(pickSequence(busyness, busySlots, 60) == pickSequence(requests, requestSlots, 60));
}

TEST_CASE("bybusyness: with requests held open, load follows free capacity", "[balancer]") {
  ByBusyness method;
  auto slots = makeSlots({1, 1, 1});
  // Nothing finishes: each pick adds one in flight, so the members fill up evenly.
  std::string schedule;
  for (int i = 0; i < 9; ++i) {
    const size_t winner = method.pick(slots, allIndices(slots));
    ++slots[winner].busy;
    schedule += cxxb::test::memberName(winner);
  }
  CHECK(schedule == "abcabcabc");
  CHECK(creditSum(slots) == 0);
}

TEST_CASE("bybusyness: members that are not eligible are not considered", "[balancer]") {
  ByBusyness method;
  auto slots = makeSlots({1, 1, 1});
  slots[0].busy = 0;
  slots[1].busy = 5;
  slots[2].busy = 4;
  CHECK(method.pick(slots, std::vector<size_t>{1, 2}) == 2);
  CHECK(slots[0].lbStatus == 0);
}
