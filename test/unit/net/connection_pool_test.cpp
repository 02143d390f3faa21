#include "net/connection_pool.h"

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <thread>
#include <vector>

#include "support/fake_clock.h"
#include "support/fake_transport.h"

using cxxb::Millis;
using cxxb::Seconds;
using cxxb::net::ConnectionPool;
using cxxb::net::IoStatus;
using cxxb::net::Lease;
using cxxb::net::PoolLimits;
using cxxb::test::FakeClock;
using cxxb::test::FakeTransport;
using State = FakeTransport::State;

namespace {

/** Connects (fake) one transport per id on simultaneous leases, then keeps them in id
 *  order, so the last id is the most recently used. */
std::vector<std::shared_ptr<State>> keepNew(ConnectionPool& pool, std::vector<int> ids) {
  std::vector<Lease> leases;
  std::vector<std::shared_ptr<State>> states;
  for (int id : ids) {
    Lease lease = pool.acquire(Millis(0));
    REQUIRE(lease);
    REQUIRE_FALSE(lease.transport());
    auto [transport, state] = FakeTransport::make(id);
    lease.transport() = std::move(transport);
    lease.keep();
    leases.push_back(std::move(lease));
    states.push_back(state);
  }
  for (auto& lease : leases) {
    lease = Lease();
  }
  return states;
}

int idOf(Lease& lease) {
  REQUIRE(lease.transport());
  return static_cast<FakeTransport&>(*lease.transport()).state().id;
}

}  // namespace

TEST_CASE("pool hands out empty leases, then reuses kept connections", "[net][pool]") {
  FakeClock clock;
  ConnectionPool pool(PoolLimits{}, clock);

  Lease lease = pool.acquire(Millis(0));
  REQUIRE(lease);
  CHECK_FALSE(lease.transport());
  CHECK_FALSE(lease.reused());
  CHECK(pool.inUseCount() == 1);

  auto [transport, state] = FakeTransport::make(7);
  lease.transport() = std::move(transport);
  lease.keep();
  lease = Lease();  // move-assigning releases the old lease
  CHECK(pool.inUseCount() == 0);
  CHECK(pool.idleCount() == 1);
  CHECK_FALSE(state->closed);

  Lease again = pool.acquire(Millis(0));
  REQUIRE(again);
  CHECK(again.reused());
  CHECK(idOf(again) == 7);
  CHECK(state->reusableCalls == 1);
  CHECK(pool.idleCount() == 0);
  CHECK(pool.inUseCount() == 1);
}

TEST_CASE("pool closes a connection whose lease was not kept", "[net][pool]") {
  FakeClock clock;
  ConnectionPool pool(PoolLimits{}, clock);
  std::shared_ptr<State> state;
  {
    Lease lease = pool.acquire(Millis(0));
    auto made = FakeTransport::make(1);
    state = made.second;
    lease.transport() = std::move(made.first);
  }
  CHECK(state->closed);
  CHECK(state->destroyed);
  CHECK(pool.idleCount() == 0);
  CHECK(pool.inUseCount() == 0);

  SECTION("keep() without a transport keeps nothing") {
    {
      Lease lease = pool.acquire(Millis(0));
      lease.keep();
    }
    CHECK(pool.idleCount() == 0);
    CHECK(pool.inUseCount() == 0);
  }
}

TEST_CASE("pool reuses the most recently released connection first", "[net][pool]") {
  FakeClock clock;
  ConnectionPool pool(PoolLimits{}, clock);
  Lease a = pool.acquire(Millis(0));
  Lease b = pool.acquire(Millis(0));
  a.transport() = FakeTransport::make(1).first;
  b.transport() = FakeTransport::make(2).first;
  a.keep();
  b.keep();
  a = Lease();
  b = Lease();
  REQUIRE(pool.idleCount() == 2);

  Lease first = pool.acquire(Millis(0));
  Lease second = pool.acquire(Millis(0));
  Lease third = pool.acquire(Millis(0));
  CHECK(idOf(first) == 2);
  CHECK(idOf(second) == 1);
  CHECK_FALSE(third.transport());
  CHECK_FALSE(third.reused());
}

TEST_CASE("pool with disablereuse closes every connection on release", "[net][pool]") {
  FakeClock clock;
  PoolLimits limits;
  limits.disableReuse = true;
  ConnectionPool pool(limits, clock);
  auto state = keepNew(pool, {1}).front();
  CHECK(state->closed);
  CHECK(pool.idleCount() == 0);
  Lease lease = pool.acquire(Millis(0));
  CHECK_FALSE(lease.transport());
}

TEST_CASE("pool enforces max: acquire waits, then times out", "[net][pool]") {
  FakeClock clock;
  PoolLimits limits;
  limits.max = 1;
  ConnectionPool pool(limits, clock);
  Lease held = pool.acquire(Millis(0));
  REQUIRE(held);

  CHECK_FALSE(pool.acquire(Millis(0)));
  const auto start = cxxb::MonoClock::now();
  CHECK_FALSE(pool.acquire(Millis(20)));
  CHECK(cxxb::MonoClock::now() - start >= Millis(20));
  CHECK(pool.inUseCount() == 1);

  SECTION("an idle connection counts against max") {
    held.transport() = FakeTransport::make(1).first;
    held.keep();
    held = Lease();
    CHECK(pool.idleCount() == 1);
    Lease next = pool.acquire(Millis(0));
    REQUIRE(next);
    CHECK(idOf(next) == 1);
    CHECK_FALSE(pool.acquire(Millis(0)));
  }
}

TEST_CASE("pool wakes a waiter when a lease is returned", "[net][pool]") {
  FakeClock clock;
  PoolLimits limits;
  limits.max = 1;
  ConnectionPool pool(limits, clock);
  Lease held = pool.acquire(Millis(0));
  held.transport() = FakeTransport::make(5).first;

  const bool keep = GENERATE(true, false);
  std::atomic<int> gotId{-2};
  std::thread waiter([&] {
    Lease lease = pool.acquire(Millis(10000));
    if (!lease) {
      gotId = -3;
    } else {
      gotId = lease.transport() ? idOf(lease) : -1;
    }
  });
  if (keep) {
    held.keep();
  }
  held = Lease();
  waiter.join();
  CHECK(gotId == (keep ? 5 : -1));
  CHECK(pool.inUseCount() == 0);
}

TEST_CASE("pool skips idle connections that are no longer reusable", "[net][pool]") {
  FakeClock clock;
  ConnectionPool pool(PoolLimits{}, clock);
  auto states = keepNew(pool, {1, 2, 3});
  auto s1 = states[0], s2 = states[1], s3 = states[2];
  REQUIRE(pool.idleCount() == 3);

  SECTION("the stale one is closed and the next idle one handed out") {
    s3->reusable = false;
    Lease lease = pool.acquire(Millis(0));
    CHECK(idOf(lease) == 2);
    CHECK(lease.reused());
    CHECK(s3->closed);
    CHECK_FALSE(s2->closed);
    CHECK(pool.idleCount() == 1);
    CHECK(pool.inUseCount() == 1);
  }
  SECTION("all stale: an empty lease, the caller connects") {
    s1->reusable = s2->reusable = s3->reusable = false;
    Lease lease = pool.acquire(Millis(0));
    REQUIRE(lease);
    CHECK_FALSE(lease.transport());
    CHECK_FALSE(lease.reused());
    CHECK((s1->closed && s2->closed && s3->closed));
    CHECK(pool.idleCount() == 0);
    CHECK(pool.inUseCount() == 1);
  }
}

TEST_CASE("pool expires idle connections above smax after ttl", "[net][pool]") {
  FakeClock clock;
  PoolLimits limits;
  limits.max = 5;
  limits.smax = 1;
  limits.ttl = Seconds(10);
  ConnectionPool pool(limits, clock);
  auto states = keepNew(pool, {1, 2, 3});
  auto s1 = states[0], s2 = states[1], s3 = states[2];

  clock.advance(Seconds(5));
  {
    Lease lease = pool.acquire(Millis(0));  // nothing old enough yet
    CHECK(idOf(lease) == 3);
    CHECK(pool.idleCount() == 2);
    lease.keep();  // back at t+5
  }
  clock.advance(Seconds(5));  // 1 and 2 are 10 s idle, 3 is 5 s
  Lease lease = pool.acquire(Millis(0));
  CHECK(idOf(lease) == 3);
  CHECK(s1->closed);
  CHECK(s2->closed);
  CHECK(pool.idleCount() == 0);
  CHECK(pool.inUseCount() == 1);
}

TEST_CASE("pool keeps idle connections up to smax, and all without ttl", "[net][pool]") {
  FakeClock clock;
  PoolLimits limits;
  limits.max = 5;
  limits.smax = GENERATE(0u, 2u);
  if (limits.smax == 2) {
    limits.ttl = Seconds(1);
  }
  ConnectionPool pool(limits, clock);
  auto states = keepNew(pool, {1, 2});
  auto s1 = states[0];
  clock.advance(Seconds(3600));
  Lease lease = pool.acquire(Millis(0));
  CHECK(idOf(lease) == 2);
  CHECK_FALSE(s1->closed);
  CHECK(pool.idleCount() == 1);
}

TEST_CASE("pool never exceeds max under concurrent acquire and release", "[net][pool]") {
  FakeClock clock;
  PoolLimits limits;
  limits.max = 2;
  ConnectionPool pool(limits, clock);
  std::atomic<int> holders{0};
  std::atomic<int> peak{0};
  std::atomic<int> failures{0};
  std::atomic<int> connects{0};

  auto worker = [&](int seed) {
    for (int i = 0; i < 2000; ++i) {
      Lease lease = pool.acquire(Millis(10000));
      if (!lease) {
        ++failures;
        continue;
      }
      const int now = ++holders;
      int seen = peak.load();
      while (now > seen && !peak.compare_exchange_weak(seen, now)) {
      }
      if (!lease.transport()) {
        ++connects;
        lease.transport() = FakeTransport::make(seed).first;
      }
      auto& fake = static_cast<FakeTransport&>(*lease.transport());
      fake.state().reusable = (i + seed) % 7 != 0;
      if ((i + seed) % 3 != 0) {
        lease.keep();
      }
      --holders;
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back(worker, t);
  }
  for (auto& thread : threads) {
    thread.join();
  }
  CHECK(failures == 0);
  CHECK(peak <= 2);
  CHECK(peak >= 1);
  CHECK(connects < 8000);  // connections were reused
  CHECK(pool.inUseCount() == 0);
  CHECK(pool.idleCount() <= 2);
}

TEST_CASE("pool clamps max to at least one", "[net][pool]") {
  FakeClock clock;
  PoolLimits limits;
  limits.max = 0;
  ConnectionPool pool(limits, clock);
  Lease lease = pool.acquire(Millis(0));
  CHECK(lease);
  CHECK_FALSE(pool.acquire(Millis(0)));
}

TEST_CASE("retire closes idle connections and keeps those in use out of the pool", "[net][pool]") {
  FakeClock clock;
  ConnectionPool pool(PoolLimits{}, clock);
  auto idle = keepNew(pool, {1, 2});
  REQUIRE(pool.idleCount() == 2);

  Lease busy = pool.acquire(Millis(0));  // takes connection 2, in use during the retire
  REQUIRE(idOf(busy) == 2);
  pool.retire();
  CHECK(pool.idleCount() == 0);
  CHECK(idle[0]->closed);  // connection 1 was idle: closed at once

  busy.keep();
  busy = Lease();  // back from a retired generation: closed, never pooled again
  CHECK(idle[1]->closed);
  CHECK(pool.idleCount() == 0);

  // Connections made after the retire are pooled as usual.
  auto fresh = keepNew(pool, {3});
  CHECK(pool.idleCount() == 1);
  Lease next = pool.acquire(Millis(0));
  CHECK(idOf(next) == 3);
}
