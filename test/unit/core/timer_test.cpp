#include "core/timer.h"

#include <catch2/catch.hpp>
#include <thread>

#include "support/fake_timer.h"

using cxxb::Millis;
using cxxb::Seconds;
using cxxb::SystemTimer;
using cxxb::test::FakeClock;
using cxxb::test::FakeTimer;

TEST_CASE("FakeTimer: a wait moves the clock to its deadline and is recorded", "[core][timer]") {
  FakeClock clock;
  FakeTimer timer(clock);
  const auto start = clock.now();
  CHECK_FALSE(timer.sleepFor(Seconds(5)));
  CHECK(clock.now() == start + Seconds(5));
  CHECK_FALSE(timer.waitUntil(start + Seconds(2), timer.generation()));  // already past
  CHECK(clock.now() == start + Seconds(5));
  REQUIRE(timer.waits.size() == 2);
  CHECK(timer.waits[0] == start + Seconds(5));
}

TEST_CASE("FakeTimer: a wake during the wait ends it without moving the clock", "[core][timer]") {
  FakeClock clock;
  FakeTimer timer(clock);
  const auto start = clock.now();
  timer.whileWaiting = [&](cxxb::TimePoint) {
    clock.advance(Millis(30));
    timer.wakeAll();
  };
  CHECK(timer.sleepFor(Seconds(5)));
  CHECK(clock.now() == start + Millis(30));
}

TEST_CASE("FakeTimer: a wake between reading the generation and waiting is not lost",
          "[core][timer]") {
  FakeClock clock;
  FakeTimer timer(clock);
  const uint64_t seen = timer.generation();
  timer.wakeAll();
  CHECK(timer.waitUntil(clock.now() + Seconds(1), seen));
}

TEST_CASE("SystemTimer: times out on its deadline; wakeAll ends a wait", "[core][timer]") {
  SystemTimer timer;
  const auto start = timer.clock().now();
  CHECK_FALSE(timer.sleepFor(Millis(20)));
  CHECK(timer.clock().now() - start >= Millis(20));

  const uint64_t seen = timer.generation();
  timer.wakeAll();  // before the wait: still counted
  CHECK(timer.waitUntil(timer.clock().now() + Seconds(10), seen));

  const uint64_t now = timer.generation();
  std::thread waker([&] {
    std::this_thread::sleep_for(Millis(10));
    timer.wakeAll();
  });
  const auto before = timer.clock().now();
  CHECK(timer.waitUntil(before + Seconds(10), now));
  CHECK(timer.clock().now() - before < Seconds(10));
  waker.join();
}
