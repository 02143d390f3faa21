#include "support/fake_transport.h"

#include <array>
#include <catch2/catch.hpp>

using cxxb::Millis;
using cxxb::net::IoStatus;
using cxxb::test::FakeTransport;

TEST_CASE("fake transport serves scripted reads and captures writes", "[net][fake]") {
  auto [transport, state] = FakeTransport::make(3);
  state->reads.push_back({IoStatus::Ok, "hello", 0});
  state->reads.push_back({IoStatus::Reset, "", 104});
  std::array<char, 3> buf{};

  auto first = transport->read(buf, Millis(0));
  CHECK(first.status == IoStatus::Ok);
  CHECK(std::string(buf.data(), first.bytes) == "hel");
  auto second = transport->read(buf, Millis(0));
  CHECK(std::string(buf.data(), second.bytes) == "lo");
  auto reset = transport->read(buf, Millis(0));
  CHECK(reset.status == IoStatus::Reset);
  CHECK(reset.sysError == 104);
  CHECK(transport->read(buf, Millis(0)).status == IoStatus::Timeout);

  CHECK(transport->writeAll("GET / HTTP/1.1\r\n", Millis(0)).status == IoStatus::Ok);
  state->writeFailure = IoStatus::Closed;
  state->writeFailAfter = 2;
  auto failed = transport->writeAll("abcdef", Millis(0));
  CHECK(failed.status == IoStatus::Closed);
  CHECK(failed.bytes == 2);
  CHECK(state->written == "GET / HTTP/1.1\r\nab");

  CHECK(transport->reusable());
  state->reusable = false;
  CHECK_FALSE(transport->reusable());

  transport->close();
  CHECK(state->closed);
  CHECK(transport->read(buf, Millis(0)).status == IoStatus::Error);
  transport.reset();
  CHECK(state->destroyed);
  CHECK(state->closeCalls == 1);
}

TEST_CASE("fake transport with a clock: timeouts and late data take their time", "[net][fake]") {
  cxxb::test::FakeClock clock;
  auto [transport, state] = FakeTransport::make();
  state->clock = &clock;
  const auto start = clock.now();
  std::array<char, 8> buf{};

  CHECK(transport->read(buf, Millis(300)).status == IoStatus::Timeout);  // nothing scripted
  CHECK(clock.now() - start == Millis(300));

  state->reads.push_back({IoStatus::Ok, "late", 0, Millis(500)});
  CHECK(transport->read(buf, Millis(200)).status == IoStatus::Timeout);  // not there yet
  CHECK(clock.now() - start == Millis(500));
  auto late = transport->read(buf, Millis(1000));  // arrives 300 ms into this read
  CHECK(late.status == IoStatus::Ok);
  CHECK(std::string(buf.data(), late.bytes) == "late");
  CHECK(clock.now() - start == Millis(800));

  state->reads.push_back({IoStatus::Ok, "now", 0});
  CHECK(transport->read(buf, Millis(1000)).status == IoStatus::Ok);
  CHECK(clock.now() - start == Millis(800));

  state->writeFailure = IoStatus::Timeout;
  CHECK(transport->writeAll("x", Millis(250)).status == IoStatus::Timeout);
  CHECK(clock.now() - start == Millis(1050));
  CHECK(transport->writeAll("y", Millis(250)).status == IoStatus::Ok);
  CHECK(clock.now() - start == Millis(1050));
}
