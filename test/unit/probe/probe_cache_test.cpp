#include "probe/probe_cache.h"

#include <catch2/catch.hpp>
#include <string>

#include "support/fake_clock.h"

using cxxb::Millis;
using cxxb::Seconds;
using cxxb::probe::ProbeCache;
using cxxb::test::FakeClock;

TEST_CASE("an answer is reused for the cache period, then forgotten", "[probe]") {
  FakeClock clock;
  ProbeCache cache(clock, Seconds(5));
  CHECK_FALSE(cache.find("b:80:/"));
  cache.store("b:80:/", true);
  CHECK(cache.find("b:80:/") == true);
  clock.advance(Millis(4999));
  CHECK(cache.find("b:80:/") == true);
  clock.advance(Millis(1));
  CHECK_FALSE(cache.find("b:80:/"));  // exactly 5 s old: check again
}

TEST_CASE("each target has its own answer and its own age", "[probe]") {
  // The seed's script kept one answer for all keys: B's answer was given for C.
  FakeClock clock;
  ProbeCache cache(clock, Seconds(5));
  cache.store("b:80:/", true);
  clock.advance(Seconds(3));
  cache.store("c:80:/", false);
  CHECK(cache.find("b:80:/") == true);
  CHECK(cache.find("c:80:/") == false);
  clock.advance(Seconds(2));
  CHECK_FALSE(cache.find("b:80:/"));
  CHECK(cache.find("c:80:/") == false);
}

TEST_CASE("a new answer replaces the old one and restarts its period", "[probe]") {
  FakeClock clock;
  ProbeCache cache(clock, Seconds(5));
  cache.store("b:80:/", true);
  clock.advance(Seconds(4));
  cache.store("b:80:/", false);
  clock.advance(Seconds(4));
  CHECK(cache.find("b:80:/") == false);
  CHECK(cache.size() == 1);
}

TEST_CASE("a cache period of zero checks every time", "[probe]") {
  FakeClock clock;
  ProbeCache cache(clock, Seconds(0));
  cache.store("b:80:/", true);
  CHECK_FALSE(cache.find("b:80:/"));
  CHECK(cache.size() == 0);
}

TEST_CASE("a full cache drops expired answers first, then the oldest", "[probe]") {
  FakeClock clock;
  ProbeCache cache(clock, Seconds(10), 3);
  cache.store("a", true);
  clock.advance(Seconds(1));
  cache.store("b", true);
  clock.advance(Seconds(1));
  cache.store("c", true);
  clock.advance(Seconds(1));
  cache.store("d", false);  // full: "a" is the oldest
  CHECK(cache.size() == 3);
  CHECK_FALSE(cache.find("a"));
  CHECK(cache.find("b") == true);
  CHECK(cache.find("d") == false);

  clock.advance(Seconds(8));  // "b" (stored at 1 s) is now 10 s old, "c" 9 s
  cache.store("e", true);
  CHECK(cache.size() == 3);
  CHECK_FALSE(cache.find("b"));
  CHECK(cache.find("c") == true);
  CHECK(cache.find("e") == true);

  cache.store("c", false);  // an existing key never evicts another
  CHECK(cache.size() == 3);
  CHECK(cache.find("d") == false);
}
