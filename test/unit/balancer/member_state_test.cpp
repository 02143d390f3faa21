#include "balancer/member_state.h"

#include <catch2/catch.hpp>
#include <memory>

#include "config/balancer_config.h"
#include "support/fake_clock.h"

using namespace cxxb;
using balancer::MemberEvent;
using balancer::MemberEventKind;
using balancer::MemberState;
using balancer::Transition;

namespace {

struct Fixture {
  std::unique_ptr<shm::MemberRecord> record = std::make_unique<shm::MemberRecord>();
  std::atomic<uint32_t> epoch{0};
  test::FakeClock clock;
  MemberState state{*record, Seconds(60), &epoch};

  Transition on(MemberEventKind kind, int64_t wall = 1234) {
    MemberEvent e;
    e.kind = kind;
    return state.onEvent(e, clock.now(), wall);
  }
  bool inError() const { return (record->status.load() & config::kStatusInError) != 0; }
};

}  // namespace

TEST_CASE("member state: a connect failure puts it in error once", "[balancer]") {
  Fixture f;
  auto t = f.on(MemberEventKind::ConnectFailed, 777);
  CHECK(t.enteredError());
  CHECK(t.retry == Seconds(60));
  CHECK(f.inError());
  CHECK(f.record->errorSinceWallNs.load() == 777);
  CHECK(f.record->failures.load() == 1);
  CHECK(f.epoch.load() == 1);
  CHECK_FALSE(balancer::usableNow(*f.record, f.clock.now()));
  // Again while in error: counted, the retry time moves, nothing to log.
  f.clock.advance(Seconds(10));
  CHECK(f.on(MemberEventKind::FailedBeforeAnswer).kind == Transition::Kind::None);
  CHECK(f.record->failures.load() == 2);
  CHECK(f.record->errorSinceWallNs.load() == 777);
  f.clock.advance(Seconds(59));
  CHECK_FALSE(balancer::usableNow(*f.record, f.clock.now()));
  f.clock.advance(Seconds(1));
  CHECK(balancer::usableNow(*f.record, f.clock.now()));  // retry has come
}

TEST_CASE("member state: a good answer takes it out of error once", "[balancer]") {
  Fixture f;
  f.on(MemberEventKind::TlsFailed);
  MemberEvent ok{.kind = MemberEventKind::Response, .status = 200};
  CHECK(f.state.onEvent(ok, f.clock.now(), 0).leftError());
  CHECK_FALSE(f.inError());
  CHECK(f.record->errorSinceWallNs.load() == 0);
  uint32_t epoch = f.epoch.load();
  CHECK(f.state.onEvent(ok, f.clock.now(), 0).kind == Transition::Kind::None);
  CHECK(f.epoch.load() == epoch);  // the healthy path writes nothing shared
}

TEST_CASE("member state: timeouts put it in error only with failontimeout", "[balancer]") {
  Fixture f;
  MemberEvent timeout{.kind = MemberEventKind::Timeout};
  CHECK(f.state.onEvent(timeout, f.clock.now(), 0).kind == Transition::Kind::None);
  CHECK_FALSE(f.inError());
  CHECK(f.record->failures.load() == 1);
  timeout.failOnTimeout = true;
  CHECK(f.state.onEvent(timeout, f.clock.now(), 0).enteredError());
}

TEST_CASE("member state: malformed or truncated answers count, no error", "[balancer]") {
  Fixture f;
  CHECK(f.on(MemberEventKind::MalformedResponse).kind == Transition::Kind::None);
  CHECK(f.on(MemberEventKind::Truncated).kind == Transition::Kind::None);
  CHECK_FALSE(f.inError());
  CHECK(f.record->failures.load() == 2);
}

TEST_CASE("member state: failonstatus puts it in error", "[balancer]") {
  Fixture f;
  MemberEvent e{.kind = MemberEventKind::Response, .status = 503, .failOnStatus = true};
  CHECK(f.state.onEvent(e, f.clock.now(), 0).enteredError());
  CHECK(f.record->failures.load() == 1);
}

TEST_CASE("member state: status I ignores errors", "[balancer]") {
  Fixture f;
  f.record->status.store(config::kStatusIgnoreErrors);
  CHECK(f.on(MemberEventKind::ConnectFailed).kind == Transition::Kind::None);
  CHECK_FALSE(f.inError());
  CHECK(f.record->failures.load() == 1);
}

TEST_CASE("member state: probe results and manager changes", "[balancer]") {
  Fixture f;
  MemberEvent down{.kind = MemberEventKind::ProbeResult, .probeUp = false};
  CHECK(f.state.onEvent(down, f.clock.now(), 0).enteredError());
  CHECK(f.record->failures.load() == 0);  // a probe is not a request that failed
  MemberEvent up{.kind = MemberEventKind::ProbeResult, .probeUp = true};
  CHECK(f.state.onEvent(up, f.clock.now(), 0).leftError());

  MemberEvent disable{.kind = MemberEventKind::ManagerChange, .setFlags = config::kStatusDisabled};
  uint32_t epoch = f.epoch.load();
  f.state.onEvent(disable, f.clock.now(), 0);
  CHECK(f.epoch.load() == epoch + 1);
  CHECK_FALSE(balancer::usableNow(*f.record, f.clock.now()));
  CHECK((f.record->runtimeFields.load() & config::kStatusDisabled) != 0);
}

TEST_CASE("member state: usableNow reads D, S and E with its retry time", "[balancer]") {
  TimePoint now{Seconds(100)};
  CHECK(balancer::usableNow(0, {}, now));
  CHECK_FALSE(balancer::usableNow(config::kStatusDisabled, {}, now));
  CHECK_FALSE(balancer::usableNow(config::kStatusStopped, {}, now));
  CHECK(balancer::usableNow(config::kStatusDraining | config::kStatusHotStandby, {}, now));
  CHECK_FALSE(balancer::usableNow(config::kStatusInError, now + Seconds(1), now));
  CHECK(balancer::usableNow(config::kStatusInError, now, now));
}
