#include "core/clock.h"

#include <catch2/catch.hpp>

#include "support/fake_clock.h"

using cxxb::Millis;
using cxxb::Seconds;
using cxxb::SystemClock;
using cxxb::unixNanos;
using cxxb::WallTimePoint;
using cxxb::test::FakeClock;

TEST_CASE("unixNanos: nanoseconds since 1970", "[core][clock]") {
  CHECK(unixNanos(WallTimePoint{}) == 0);
  CHECK(unixNanos(WallTimePoint(Seconds(1'700'000'000))) == 1'700'000'000'000'000'000);
}

TEST_CASE("SystemClock: monotonic never goes back, wall is about now", "[core][clock]") {
  const SystemClock& clock = SystemClock::instance();
  CHECK(&clock == &SystemClock::instance());
  const auto a = clock.now();
  const auto b = clock.now();
  CHECK(b >= a);
  // After 2020-01-01 and before 2100-01-01: the wall clock is the calendar's, not uptime.
  CHECK(clock.wallNowNs() > 1'577'836'800LL * 1'000'000'000);
  CHECK(clock.wallNowNs() < 4'102'444'800LL * 1'000'000'000);
}

TEST_CASE("FakeClock: both clocks move together; wall alone may be set back", "[core][clock]") {
  FakeClock clock;
  const auto mono = clock.now();
  const auto wall = clock.wallNowNs();
  clock.advance(Millis(1500));
  CHECK(clock.now() - mono == Millis(1500));
  CHECK(clock.wallNowNs() - wall == 1'500'000'000);

  clock.advanceTo(mono + Seconds(10));
  CHECK(clock.now() == mono + Seconds(10));
  CHECK(clock.wallNowNs() - wall == 10'000'000'000);
  clock.advanceTo(mono);  // never backwards
  CHECK(clock.now() == mono + Seconds(10));

  clock.setWall(WallTimePoint(Seconds(5)));
  CHECK(clock.wallNowNs() == 5'000'000'000);
  CHECK(clock.now() == mono + Seconds(10));
}
