#include "manager/snapshot.h"

#include <catch2/catch.hpp>

#include "manager/query.h"
#include "manager/render_html.h"
#include "shm/in_process_slot_store.h"
#include "support/fake_clock.h"
#include "support/shm_configs.h"

using namespace cxxb;
using namespace cxxb::manager;
using cxxb::test::balancerOf;

namespace {

int64_t steadyNs(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

}  // namespace

TEST_CASE("snapshot: copies every member of the table", "[manager]") {
  std::vector<config::BalancerConfig> configs{
      balancerOf("web", {"http://a:8080", "http://b:8080"}, 2),
      balancerOf("img", {"http://c:8080"})};
  configs[0].lbMethod = "bytraffic";
  configs[0].members[1].route = "b1";
  shm::InProcessSlotStore store(shm::MemberTable::layoutFor(configs).totalSize);
  shm::MemberTable table(store);
  REQUIRE(table.initialize(configs, nullptr, 5'000'000'000).ok());
  test::FakeClock clock;

  shm::MemberRecord& a = *table.findMember("web", "http://a:8080");
  shm::changeStatusAtRuntime(a, config::kStatusInError, 0);
  a.retryAtNs.store(steadyNs(clock.now() + Millis(1500)));
  a.errorSinceWallNs.store(4'000'000'000);
  a.requests.store(3);
  a.busy.store(1);
  a.healthStatus.store(uint32_t(shm::HealthStatus::Up));

  Snapshot s = takeSnapshot(table, configs, 6'000'000'000, clock.now());
  CHECK(s.generation == 1);
  CHECK(s.nowMs == 6000);
  CHECK(s.startedMs == 5000);
  REQUIRE(s.balancers.size() == 2);
  const BalancerSnapshot& web = s.balancers[0];
  CHECK(web.name == "web");
  CHECK(web.lbMethod == "bytraffic");
  CHECK(web.capacity == 4);
  REQUIRE(web.members.size() == 2);
  const MemberSnapshot& ma = web.members[0];
  CHECK(ma.name == "http://a:8080");
  CHECK(ma.inError);
  CHECK(ma.status == config::kStatusInError);
  CHECK(ma.runtimeStatus == config::kStatusInError);
  CHECK(ma.errorSinceMs == 4000);
  CHECK(ma.retryInMs == 1500);
  CHECK(ma.requests == 3);
  CHECK(ma.busy == 1);
  CHECK(ma.health.status == "up");
  CHECK(web.members[1].route == "b1");
  CHECK_FALSE(web.members[1].inError);
  CHECK(web.members[1].retryInMs == 0);
  CHECK(web.members[1].health.status == "unknown");
  CHECK(s.balancers[1].lbMethod == "byrequests");

  clock.advance(Millis(2000));
  CHECK(takeSnapshot(table, configs, 0, clock.now()).balancers[0].members[0].retryInMs == 0);
}

TEST_CASE("snapshot: a table that is not attached gives no balancers", "[manager]") {
  shm::InProcessSlotStore store(4096);
  shm::MemberTable table(store);
  Snapshot s = takeSnapshot(table, {}, 0, TimePoint{});
  CHECK(s.balancers.empty());
  CHECK_FALSE(s.version.empty());
}

TEST_CASE("manager query: format=json or html, anything else is refused", "[manager]") {
  CHECK(outputFormat("") == OutputFormat::Html);
  CHECK(outputFormat("format=json") == OutputFormat::Json);
  CHECK(outputFormat("x=1&format=JSON") == OutputFormat::Json);
  CHECK(outputFormat("format=html") == OutputFormat::Html);
  CHECK(outputFormat("formats=json") == OutputFormat::Html);
  CHECK_FALSE(outputFormat("format=xml"));
  CHECK_FALSE(outputFormat("format"));
}

TEST_CASE("html: every value is escaped", "[manager]") {
  Snapshot s;
  s.version = "<v>";
  BalancerSnapshot b;
  b.name = "w<script>";
  b.lbMethod = "\"x\"";
  MemberSnapshot m;
  m.name = "http://a/'&";
  m.route = "<r>";
  b.members.push_back(m);
  s.balancers.push_back(b);
  std::string html = renderHtml(s);
  CHECK(html.find("<script>") == std::string::npos);
  CHECK(html.find("w&lt;script&gt;") != std::string::npos);
  CHECK(html.find("&quot;x&quot;") != std::string::npos);
  CHECK(html.find("http://a/&#39;&amp;") != std::string::npos);
  CHECK(html.find("&lt;r&gt;") != std::string::npos);
  CHECK(html.find("&lt;v&gt;") != std::string::npos);
}
