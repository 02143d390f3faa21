// MemberRuntime's state lives in the shared record: two registries over one table stand for
// two httpd children.
#include "net/balancer_runtime.h"

#include <sys/socket.h>

#include <catch2/catch.hpp>
#include <stdexcept>
#include <vector>

#include "shm/in_process_slot_store.h"
#include "support/fake_clock.h"
#include "support/fake_transport.h"
#include "support/shm_configs.h"

using namespace cxxb;
using cxxb::test::balancerOf;

namespace {

struct TwoChildren {
  explicit TwoChildren(std::vector<config::BalancerConfig> c)
      : configs(std::move(c)), store(shm::MemberTable::layoutFor(configs).totalSize), table(store) {
    REQUIRE(table.initialize(configs, nullptr).ok());
    for (const auto& balancer : configs) {
      first.add(balancer, table);
      second.add(balancer, table);
    }
  }
  std::vector<config::BalancerConfig> configs;
  shm::InProcessSlotStore store;
  shm::MemberTable table;
  net::BalancerRegistry first;
  net::BalancerRegistry second;
};

}  // namespace

const balancer::MemberEvent kRefused{.kind = balancer::MemberEventKind::ConnectFailed};
const balancer::MemberEvent kAnswered{.kind = balancer::MemberEventKind::Response, .status = 200};

TEST_CASE("runtime: counters are the shared record's", "[net][shm]") {
  TwoChildren c({balancerOf("web", {"http://a:8080", "http://b:8080"})});
  net::MemberRuntime& a1 = *c.first.find("web")->members()[0];
  net::MemberRuntime& a2 = *c.second.find("WEB")->members()[0];
  CHECK(&a1.record() == &a2.record());
  a1.requests.fetch_add(2);
  a2.requests.fetch_add(3);
  a1.busy.fetch_add(1);
  CHECK(a2.requests.load() == 5);
  CHECK(a2.busy.load() == 1);
  CHECK(c.table.findMember("web", "http://a:8080")->requests.load() == 5);
}

TEST_CASE("runtime: one child's error is every child's, logged once", "[net][shm]") {
  TwoChildren c({balancerOf("web", {"http://a:8080", "http://b:8080"})});
  test::FakeClock clock;
  net::BalancerRuntime& one = *c.first.find("web");
  net::BalancerRuntime& two = *c.second.find("web");

  CHECK(one.members()[0]->onEvent(kRefused, clock).enteredError());
  CHECK(two.members()[0]->onEvent(kRefused, clock).kind ==
        balancer::Transition::Kind::None);  // already in error
  const shm::MemberRecord& record = one.members()[0]->record();
  CHECK(record.errorSinceWallNs.load() > 0);
  CHECK((record.runtimeFields.load() & config::kStatusInError) != 0);

  // The other child no longer picks it until retry has passed.
  for (int i = 0; i < 4; ++i) {
    CHECK(two.pick(clock.now(), {}) == 1);
  }
  clock.advance(Seconds(61));
  std::vector<int> picks;
  for (int i = 0; i < 4; ++i) {
    picks.push_back(two.pick(clock.now(), {}));
  }
  CHECK(std::count(picks.begin(), picks.end(), 0) == 2);

  CHECK(two.members()[0]->onEvent(kAnswered, clock).leftError());
  CHECK((record.status.load() & config::kStatusInError) == 0);
  CHECK(record.errorSinceWallNs.load() == 0);
}

TEST_CASE("runtime: weights come from the record (the manager may change them)", "[net][shm]") {
  TwoChildren c({balancerOf("web", {"http://a:8080", "http://b:8080"})});
  test::FakeClock clock;
  net::BalancerRuntime& web = *c.first.find("web");
  web.members()[1]->record().loadFactor.store(3);
  std::vector<int> counts(2, 0);
  for (int i = 0; i < 8; ++i) {
    ++counts[size_t(web.pick(clock.now(), {}))];
  }
  CHECK(counts == std::vector<int>{2, 6});

  web.members()[1]->record().lbset.store(1);  // a higher tier: used only when a is not
  web.noteStatusChange();                     // as every writer of a tier must
  for (int i = 0; i < 4; ++i) {
    CHECK(web.pick(clock.now(), {}) == 0);
  }
}

TEST_CASE("runtime: eligibility is cached until a status changes in any child", "[net][shm]") {
  TwoChildren c({balancerOf("web", {"http://a:8080", "http://b:8080"})});
  test::FakeClock clock;
  net::BalancerRuntime& first = *c.first.find("web");
  net::BalancerRuntime& second = *c.second.find("web");
  CHECK(first.pick(clock.now(), {}) == 0);
  // The other child puts b in error: the first child's next picks avoid it at once.
  second.members()[1]->onEvent(kRefused, clock);
  for (int i = 0; i < 4; ++i) {
    CHECK(first.pick(clock.now(), {}) == 0);
  }
  // Its retry time runs out without any status change: b is tried again.
  clock.advance(std::chrono::seconds(61));
  std::vector<int> counts(2, 0);
  for (int i = 0; i < 4; ++i) {
    ++counts[size_t(first.pick(clock.now(), {}))];
  }
  CHECK(counts[1] > 0);
  // Recovery seen from the other child, then a new failure: the cache follows both.
  second.members()[1]->onEvent(kAnswered, clock);
  second.members()[0]->onEvent(kRefused, clock);
  for (int i = 0; i < 4; ++i) {
    CHECK(first.pick(clock.now(), {}) == 1);
  }
}

TEST_CASE("runtime: latency goes to the shared average", "[net][shm]") {
  TwoChildren c({balancerOf("web", {"http://a:8080"})});
  c.first.find("web")->members()[0]->recordLatency(std::chrono::microseconds(400));
  CHECK(c.table.findMember("web", "http://a:8080")->latencyEwmaUs.load() == 400);
}

TEST_CASE("runtime: a table without the balancer is a logic error", "[net][shm]") {
  std::vector<config::BalancerConfig> configs{balancerOf("web", {"http://a:8080"})};
  shm::InProcessSlotStore store(shm::MemberTable::layoutFor(configs).totalSize);
  shm::MemberTable table(store);
  REQUIRE(table.initialize(configs, nullptr).ok());
  net::BalancerRegistry registry;
  CHECK_THROWS_AS(registry.add(balancerOf("other", {"http://a:8080"}), table), std::runtime_error);
}

namespace {

std::vector<std::string> gAnswer;  // what the fake DNS answers, in order

std::vector<net::ResolvedAddress> fakeResolve(const std::string&, uint16_t port, std::string&) {
  std::vector<net::ResolvedAddress> out;
  for (const auto& ip : gAnswer) {
    out.push_back(net::ResolvedAddress{AF_INET, ip, port});
  }
  return out;
}

/** One pooled (fake) connection, idle in the member's pool. */
void poolOne(net::MemberRuntime& member) {
  net::Lease lease = member.pool()->acquire(Millis(0));
  REQUIRE(lease);
  lease.transport() = test::FakeTransport::make(1).first;
  lease.keep();
}

}  // namespace

TEST_CASE("runtime: new addresses for the member's name retire its pooled connections",
          "[net][dns]") {
  TwoChildren c({balancerOf("web", {"http://alb.internal:8080"})});
  test::FakeClock clock;
  net::MemberRuntime& member = *c.first.find("web")->members()[0];
  member.initChild(4, clock);
  member.setResolver(&fakeResolve);
  std::string error;

  gAnswer = {"10.0.0.1", "10.0.0.2"};
  REQUIRE(member.addresses(clock.now(), error).size() == 2);
  poolOne(member);
  REQUIRE(member.pool()->idleCount() == 1);

  // Within addressttl (30 s by default) nothing is asked again.
  gAnswer = {"10.0.0.9"};
  clock.advance(std::chrono::seconds(10));
  CHECK(member.addresses(clock.now(), error)[0].ip == "10.0.0.1");
  CHECK(member.pool()->idleCount() == 1);

  // The same addresses in another order (DNS rotation): connections stay.
  gAnswer = {"10.0.0.2", "10.0.0.1"};
  clock.advance(std::chrono::seconds(30));
  CHECK(member.addresses(clock.now(), error)[0].ip == "10.0.0.2");
  CHECK(member.pool()->idleCount() == 1);

  // Other addresses: the old connections are retired, new ones go to the new address.
  gAnswer = {"10.0.0.7"};
  clock.advance(std::chrono::seconds(31));
  CHECK(member.addresses(clock.now(), error)[0].ip == "10.0.0.7");
  CHECK(member.pool()->idleCount() == 0);

  // A failed connect forgets the answer: the next connection resolves at once.
  gAnswer = {"10.0.0.8"};
  member.forgetAddresses();
  CHECK(member.addresses(clock.now(), error)[0].ip == "10.0.0.8");

  // DNS failing: the last good answer is kept.
  gAnswer = {};
  clock.advance(std::chrono::seconds(31));
  CHECK(member.addresses(clock.now(), error)[0].ip == "10.0.0.8");
}

TEST_CASE("runtime: a member added into the growth records is picked, in every child",
          "[net][shm]") {
  TwoChildren c({balancerOf("web", {"http://a:8080"}, /*growth=*/2)});
  test::FakeClock clock;
  c.first.initChild(4, clock);
  c.second.initChild(4, clock);
  net::BalancerRuntime& first = *c.first.find("web");
  net::BalancerRuntime& second = *c.second.find("web");
  CHECK(first.pick(clock.now(), {}) == 0);
  shm::BalancerRecord& record = c.table.balancer(*c.table.findBalancer("web"));
  auto added = c.table.addMember(record, test::memberOf("http://b:8080", 1, 0, "r2"));
  REQUIRE(added.ok());
  std::vector<int> counts(2, 0);
  for (int i = 0; i < 4; ++i) {
    ++counts[size_t(second.pick(clock.now(), {}))];
  }
  CHECK(counts == std::vector<int>{2, 2});
  REQUIRE(second.members().size() == 2);
  CHECK(second.members()[1]->name() == "http://b:8080");
  CHECK(second.members()[1]->pool() != nullptr);  // bound after initChild: has its pool
  CHECK(second.hasRoute("r2"));
  CHECK(second.memberBases()->size() == 2);
  CHECK(first.pick(clock.now(), {}) >= 0);
  CHECK(first.members().size() == 2);
  // growth=2: one more fits, then none.
  CHECK(c.table.addMember(record, test::memberOf("http://c:8080")).ok());
  CHECK_FALSE(c.table.addMember(record, test::memberOf("http://d:8080")).ok());
}

TEST_CASE("runtime: routes are read from the shared record", "[net][shm]") {
  config::BalancerConfig config = balancerOf("web", {"http://a:8080", "http://b:8080"});
  config.members[0].route = "r1";
  TwoChildren c({config});
  test::FakeClock clock;
  net::BalancerRuntime& web = *c.first.find("web");
  CHECK(web.memberForRoute("r1", clock.now()) == 0);
  // The manager gives b the route r9 (under the structural lock, in another child).
  shm::setText(web.members()[1]->record().route, "r9");
  CHECK(web.hasRoute("r9"));
  CHECK(web.memberForRoute("r9", clock.now()) == 1);
  CHECK(web.members()[1]->route() == "r9");
}
