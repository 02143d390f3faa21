// MemberRuntime's state lives in the shared record: two registries over one table stand for
// two httpd children.
#include "net/balancer_runtime.h"

#include <catch2/catch.hpp>
#include <stdexcept>
#include <vector>

#include "shm/in_process_slot_store.h"
#include "support/fake_clock.h"
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

  CHECK(one.members()[0]->markInError(clock.now()));
  CHECK_FALSE(two.members()[0]->markInError(clock.now()));  // already in error
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

  two.members()[0]->markHealthy();
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
  for (int i = 0; i < 4; ++i) {
    CHECK(web.pick(clock.now(), {}) == 0);
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
