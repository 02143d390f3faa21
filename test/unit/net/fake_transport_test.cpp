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

TEST_CASE("fake transport: waiting reads move the fake clock, nobody sleeps", "[net]") {
  cxxb::test::FakeClock clock;
  auto [transport, state] = FakeTransport::make();
  state->clock = &clock;
  std::array<char, 16> buffer{};
  const cxxb::TimePoint start = clock.now();
  // Nothing scripted: the whole timeout passes.
  CHECK(transport->read(buffer, Millis(300)).status == IoStatus::Timeout);
  CHECK(clock.now() - start == Millis(300));
  // Data that comes after 50 ms: a shorter timeout expires first, a probe (0) moves nothing.
  FakeTransport::Read late;
  late.data = "hi";
  late.after = Millis(50);
  state->reads.push_back(late);
  CHECK(transport->read(buffer, Millis(0)).status == IoStatus::Timeout);
  CHECK(clock.now() - start == Millis(300));
  CHECK(transport->read(buffer, Millis(20)).status == IoStatus::Timeout);
  CHECK(clock.now() - start == Millis(320));
  auto io = transport->read(buffer, Millis(1000));
  CHECK(io.status == IoStatus::Ok);
  CHECK(io.bytes == 2);
  CHECK(clock.now() - start == Millis(350));
}
