#include "shm/member_table.h"

#include <catch2/catch.hpp>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "shm/in_process_slot_store.h"
#include "support/shm_configs.h"

using namespace cxxb;
using namespace cxxb::shm;
using cxxb::test::balancerOf;
using cxxb::test::memberOf;

namespace {

using Configs = std::vector<config::BalancerConfig>;
constexpr auto relaxed = std::memory_order_relaxed;

/** A store sized for `configs` and a table initialized on it. */
struct Generation {
  explicit Generation(const Configs& configs, const Generation* previous = nullptr,
                      int64_t wallNs = 1000)
      : store(MemberTable::layoutFor(configs).totalSize), table(store) {
    auto result = table.initialize(configs, previous ? &previous->table : nullptr, wallNs);
    REQUIRE(result.ok());
    report = *result;
  }
  MemberRecord& member(const std::string& balancer, const std::string& url) const {
    MemberRecord* record = table.findMember(balancer, url);
    REQUIRE(record != nullptr);
    return *record;
  }
  InProcessSlotStore store;
  MemberTable table;
  InitReport report;
};

Configs twoMembers() { return {balancerOf("web", {"http://a:8080", "http://b:8080"}, 2)}; }

}  // namespace

TEST_CASE("member table: layout holds every member plus growth, parts aligned", "[shm]") {
  Configs configs{balancerOf("web", {"http://a", "http://b"}, 3),
                  balancerOf("img", {"http://c"}, 0)};
  Layout layout = MemberTable::layoutFor(configs);
  CHECK(layout.balancerCount == 2);
  CHECK(layout.memberCapacity == 6);
  CHECK(layout.balancerOffset % kSegmentAlignment == 0);
  CHECK(layout.memberOffset % kSegmentAlignment == 0);
  CHECK(layout.balancerOffset >= sizeof(SegmentHeader));
  CHECK(layout.memberOffset >= layout.balancerOffset + 2 * sizeof(BalancerRecord));
  CHECK(layout.totalSize == layout.memberOffset + 6 * sizeof(MemberRecord));
}

TEST_CASE("member table: a fresh segment follows the file", "[shm]") {
  Configs configs{balancerOf("web", {"http://a:8080", "http://b:8080/app"}, 2)};
  configs[0].members[0] = memberOf("http://a:8080", 5, config::kStatusHotStandby, "r1");
  configs[0].members[0].lbset = 3;
  configs[0].members[0].redirect = "r2";
  Generation g(configs, nullptr, 42);

  const SegmentHeader& header = g.table.header();
  CHECK(header.magic == kSegmentMagic);
  CHECK(header.layoutVersion == kLayoutVersion);
  CHECK(header.memberCapacity == 4);
  CHECK(header.generation == 1);
  CHECK(header.createdWallNs == 42);
  CHECK(header.firstCreatedWallNs == 42);
  CHECK(g.report.added == 2);
  CHECK(g.report.kept == 0);

  REQUIRE(g.table.balancerCount() == 1);
  const BalancerRecord& web = g.table.balancer(0);
  CHECK(textOf(web.name) == "web");
  CHECK(web.capacity == 4);
  CHECK(web.memberCount.load() == 2);
  auto members = g.table.members(web);
  REQUIRE(members.size() == 2);
  CHECK(textOf(members[0].url) == "http://a:8080");
  CHECK(textOf(members[1].url) == "http://b:8080/app");
  CHECK(textOf(members[0].balancer) == "web");
  CHECK(textOf(members[0].route) == "r1");
  CHECK(textOf(members[0].redirect) == "r2");
  CHECK(members[0].loadFactor.load() == 5);
  CHECK(members[0].lbset.load() == 3);
  CHECK(members[0].status.load() == config::kStatusHotStandby);
  CHECK(members[0].runtimeFields.load() == 0);
  CHECK(members[1].loadFactor.load() == 1);
  // Spare records are empty.
  CHECK(textOf(g.table.member(2).url).empty());
  CHECK(textOf(g.table.member(3).url).empty());
}

TEST_CASE("member table: lookups by balancer name ignore case, by URL do not", "[shm]") {
  Generation g({balancerOf("Web", {"http://a:8080"}), balancerOf("img", {"http://a:8080"})});
  CHECK(g.table.findBalancer("web") == 0u);
  CHECK(g.table.findBalancer("IMG") == 1u);
  CHECK_FALSE(g.table.findBalancer("nope"));
  CHECK(g.table.findMember("WEB", "http://a:8080") == &g.table.member(0));
  CHECK(g.table.findMember("img", "http://a:8080") == &g.table.member(1));
  CHECK(g.table.findMember("web", "http://A:8080") == nullptr);
}

TEST_CASE("member table: a second view attaches and sees the same records", "[shm]") {
  Generation g(twoMembers());
  MemberTable other(g.store);
  REQUIRE(other.attach().ok());
  CHECK(other.balancerCount() == 1);
  g.member("web", "http://a:8080").requests.fetch_add(7);
  CHECK(other.findMember("web", "http://a:8080")->requests.load() == 7);
}

TEST_CASE("member table: a segment that does not match is refused with a reason", "[shm]") {
  Generation g(twoMembers());
  auto& header = const_cast<SegmentHeader&>(g.table.header());
  MemberTable other(g.store);

  SECTION("never initialized") {
    InProcessSlotStore blank(4096);
    MemberTable table(blank);
    auto r = table.attach();
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error(), Catch::Contains("magic"));
    CHECK_FALSE(table.valid());
  }
  SECTION("another layout version") {
    header.layoutVersion = kLayoutVersion + 1;
    auto r = other.attach();
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error(), Catch::Contains("layout version " + std::to_string(kLayoutVersion + 1)));
  }
  SECTION("another record size") {
    header.memberRecordSize += 64;
    auto r = other.attach();
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error(), Catch::Contains("record sizes"));
  }
  SECTION("counts beyond the mapped bytes") {
    header.memberCapacity = 1000;
    auto r = other.attach();
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error(), Catch::Contains("does not fit"));
  }
  SECTION("a balancer pointing outside the member records") {
    g.table.balancer(0).firstMember = 3;
    auto r = other.attach();
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error(), Catch::Contains("outside"));
  }
}

TEST_CASE("member table: a store too small is refused", "[shm]") {
  Configs configs = twoMembers();
  InProcessSlotStore small(MemberTable::layoutFor(configs).totalSize - 1);
  MemberTable table(small);
  auto r = table.initialize(configs, nullptr);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error(), Catch::Contains("too small"));
}

TEST_CASE("member table: identities that do not fit are refused before start", "[shm]") {
  Configs configs{balancerOf("web", {"http://a:8080/" + std::string(600, 'p')})};
  auto fits = MemberTable::checkFits(configs);
  REQUIRE_FALSE(fits.ok());
  CHECK_THAT(fits.error(), Catch::Contains("balancer web"));
  CHECK_THAT(fits.error(), Catch::Contains("at most 511"));
  InProcessSlotStore store(MemberTable::layoutFor(configs).totalSize);
  MemberTable table(store);
  CHECK_FALSE(table.initialize(configs, nullptr).ok());
  CHECK(MemberTable::checkFits(twoMembers()).ok());
}

TEST_CASE("member table: a member's views share one record's counters", "[shm]") {
  Generation g(twoMembers());
  MemberRecord& a = g.member("web", "http://a:8080");
  changeStatusAtRuntime(a, config::kStatusInError, 0);
  CHECK(a.status.load() == config::kStatusInError);
  CHECK(a.runtimeFields.load() == config::kStatusInError);
  changeStatusAtRuntime(a, config::kStatusDisabled, config::kStatusInError);
  CHECK(a.status.load() == config::kStatusDisabled);
  CHECK(a.runtimeFields.load() == (config::kStatusInError | config::kStatusDisabled));
}

TEST_CASE("member table: latency is a 1/8 moving average", "[shm]") {
  Generation g(twoMembers());
  MemberRecord& a = g.member("web", "http://a:8080");
  recordLatency(a, 800);
  CHECK(a.latencyEwmaUs.load() == 800);
  recordLatency(a, 1600);
  CHECK(a.latencyEwmaUs.load() == 900);
  recordLatency(a, 100);
  CHECK(a.latencyEwmaUs.load() == 800);
  recordLatency(g.member("web", "http://b:8080"), 0);
  CHECK(g.member("web", "http://b:8080").latencyEwmaUs.load() == 1);  // 0 means "none yet"
}

// --- graceful restart -------------------------------------------------------------------

TEST_CASE("restart: counters and run-time status are kept, busy is not", "[shm][restart]") {
  Generation before(twoMembers(), nullptr, 100);
  MemberRecord& a = before.member("web", "http://a:8080");
  a.requests.store(10);
  a.failures.store(2);
  a.bytesSent.store(300);
  a.bytesReceived.store(4000);
  a.busy.store(3);
  a.latencyEwmaUs.store(1234);
  a.healthStatus.store(uint32_t(HealthStatus::Down));
  a.consecutiveFails.store(2);
  a.lastCheckWallNs.store(99);
  a.lastCheckStatus.store(503);
  changeStatusAtRuntime(a, config::kStatusInError, 0);
  a.retryAtNs.store(555);
  a.errorSinceWallNs.store(77);

  Generation after(twoMembers(), &before, 200);
  CHECK(after.report.generation == 2);
  CHECK(after.report.kept == 2);
  CHECK(after.report.added == 0);
  CHECK(after.report.dropped == 0);
  CHECK(after.table.header().firstCreatedWallNs == 100);
  CHECK(after.table.header().createdWallNs == 200);
  MemberRecord& a2 = after.member("web", "http://a:8080");
  CHECK(a2.requests.load() == 10);
  CHECK(a2.failures.load() == 2);
  CHECK(a2.bytesSent.load() == 300);
  CHECK(a2.bytesReceived.load() == 4000);
  CHECK(a2.latencyEwmaUs.load() == 1234);
  CHECK(a2.busy.load() == 0);
  CHECK(a2.status.load() == config::kStatusInError);
  CHECK(a2.runtimeFields.load() == config::kStatusInError);
  CHECK(a2.retryAtNs.load() == 555);
  CHECK(a2.errorSinceWallNs.load() == 77);
  CHECK(a2.healthStatus.load() == uint32_t(HealthStatus::Down));
  CHECK(a2.consecutiveFails.load() == 2);
  CHECK(a2.lastCheckWallNs.load() == 99);
  CHECK(a2.lastCheckStatus.load() == 503);
  CHECK(after.member("web", "http://b:8080").requests.load() == 0);
}

TEST_CASE("restart: members added and removed follow the file", "[shm][restart]") {
  Generation before(twoMembers());
  before.member("web", "http://a:8080").requests.store(5);
  before.member("web", "http://b:8080").requests.store(6);

  Configs next{balancerOf("web", {"http://c:8080", "http://b:8080"}, 2)};
  Generation after(next, &before);
  CHECK(after.report.kept == 1);
  CHECK(after.report.added == 1);
  CHECK(after.report.dropped == 1);
  auto members = after.table.members(after.table.balancer(0));
  REQUIRE(members.size() == 2);
  CHECK(textOf(members[0].url) == "http://c:8080");
  CHECK(members[0].requests.load() == 0);
  CHECK(textOf(members[1].url) == "http://b:8080");
  CHECK(members[1].requests.load() == 6);
  CHECK(after.table.findMember("web", "http://a:8080") == nullptr);
}

TEST_CASE("restart: balancers are matched by name, case-insensitively", "[shm][restart]") {
  Generation before({balancerOf("web", {"http://a:8080"}), balancerOf("img", {"http://a:8080"})});
  before.member("web", "http://a:8080").requests.store(1);
  before.member("img", "http://a:8080").requests.store(2);

  Generation after({balancerOf("IMG", {"http://a:8080"}), balancerOf("new", {"http://a:8080"})},
                   &before);
  CHECK(after.member("img", "http://a:8080").requests.load() == 2);
  CHECK(after.member("new", "http://a:8080").requests.load() == 0);
  CHECK(after.report.kept == 1);
  CHECK(after.report.added == 1);
  CHECK(after.report.dropped == 1);
}

TEST_CASE("restart: the same URL twice in a balancer matches in order", "[shm][restart]") {
  Configs configs{balancerOf("web", {"http://a:8080", "http://a:8080"})};
  Generation before(configs);
  auto old = before.table.members(before.table.balancer(0));
  old[0].requests.store(1);
  old[1].requests.store(2);
  Generation after(configs, &before);
  auto now = after.table.members(after.table.balancer(0));
  CHECK(now[0].requests.load() == 1);
  CHECK(now[1].requests.load() == 2);
}

TEST_CASE("restart: status bits from the file follow the file", "[shm][restart]") {
  Configs configs = twoMembers();
  configs[0].members[0].status = config::kStatusHotStandby;
  Generation before(configs);

  SECTION("a file bit removed from the file goes") {
    Generation after(twoMembers(), &before);
    CHECK(after.member("web", "http://a:8080").status.load() == 0);
  }
  SECTION("a file bit kept in the file stays") {
    Generation after(configs, &before);
    CHECK(after.member("web", "http://a:8080").status.load() == config::kStatusHotStandby);
  }
}

TEST_CASE("restart: a run-time bit yields when the file changes that bit", "[shm][restart]") {
  Generation before(twoMembers());
  MemberRecord& a = before.member("web", "http://a:8080");
  // The manager disabled it, and failures put it in error.
  changeStatusAtRuntime(a, config::kStatusDisabled | config::kStatusInError, 0);
  a.retryAtNs.store(9);

  SECTION("file unchanged: both kept") {
    Generation after(twoMembers(), &before);
    MemberRecord& a2 = after.member("web", "http://a:8080");
    CHECK(a2.status.load() == (config::kStatusDisabled | config::kStatusInError));
    CHECK(a2.retryAtNs.load() == 9);
  }
  SECTION("the file sets E, then drops it: the file decides E, the disable stays") {
    // Setting a bit in the file is a change of the file; the operator's edit wins.
    Configs next = twoMembers();
    next[0].members[0].status = config::kStatusInError;
    Generation middle(next, &before);
    CHECK(middle.member("web", "http://a:8080").status.load() ==
          (config::kStatusDisabled | config::kStatusInError));
    Generation after(twoMembers(), &middle);
    MemberRecord& a2 = after.member("web", "http://a:8080");
    CHECK(a2.status.load() == config::kStatusDisabled);
    CHECK(a2.retryAtNs.load() == 0);
    CHECK(a2.errorSinceWallNs.load() == 0);
  }
}

TEST_CASE("restart: a changed loadfactor follows the file, a run-time one is kept",
          "[shm][restart]") {
  Generation before(twoMembers());
  MemberRecord& a = before.member("web", "http://a:8080");
  a.loadFactor.store(7);  // set by the manager
  a.runtimeFields.fetch_or(kRuntimeLoadFactor);
  MemberRecord& b = before.member("web", "http://b:8080");
  b.lbset.store(4);
  b.runtimeFields.fetch_or(kRuntimeLbset);
  setText(b.route, "manager-route");
  b.runtimeFields.fetch_or(kRuntimeRoute);

  SECTION("file unchanged") {
    Generation after(twoMembers(), &before);
    CHECK(after.member("web", "http://a:8080").loadFactor.load() == 7);
    CHECK(after.member("web", "http://b:8080").lbset.load() == 4);
    CHECK(textOf(after.member("web", "http://b:8080").route) == "manager-route");
    CHECK(after.member("web", "http://a:8080").runtimeFields.load() == kRuntimeLoadFactor);
  }
  SECTION("file changed") {
    Configs next = twoMembers();
    next[0].members[0].loadFactor = 3;
    next[0].members[1].lbset = 1;
    next[0].members[1].route = "file-route";
    Generation after(next, &before);
    CHECK(after.member("web", "http://a:8080").loadFactor.load() == 3);
    CHECK(after.member("web", "http://a:8080").runtimeFields.load() == 0);
    CHECK(after.member("web", "http://b:8080").lbset.load() == 1);
    CHECK(textOf(after.member("web", "http://b:8080").route) == "file-route");
  }
}

TEST_CASE("restart: a previous table that is not attached is refused", "[shm][restart]") {
  InProcessSlotStore blank(4096);
  MemberTable previous(blank);
  CHECK_FALSE(previous.attach().ok());
  Configs configs = twoMembers();
  InProcessSlotStore store(MemberTable::layoutFor(configs).totalSize);
  MemberTable table(store);
  auto r = table.initialize(configs, &previous);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error(), Catch::Contains("previous"));
}

TEST_CASE("member table: text fields are bounded", "[shm]") {
  std::array<char, 4> field{'x', 'y', 'z', 'w'};  // no NUL: must not read past it
  CHECK(textOf(field) == "xyzw");
  CHECK(setText(field, "abc"));
  CHECK(textOf(field) == "abc");
  CHECK_FALSE(setText(field, "abcd"));
  CHECK(textOf(field) == "abc");
}
