#include "balancer/member_state.h"

#include "config/balancer_config.h"
#include "shm/member_table.h"

namespace cxxb::balancer {
namespace {

constexpr auto kRelaxed = std::memory_order_relaxed;

int64_t toNs(TimePoint t) noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

}  // namespace

bool countsAsFailure(const MemberEvent& event) noexcept {
  switch (event.kind) {
    case MemberEventKind::ConnectFailed:
    case MemberEventKind::TlsFailed:
    case MemberEventKind::PingFailed:
    case MemberEventKind::FailedBeforeAnswer:
    case MemberEventKind::Timeout:
    case MemberEventKind::MalformedResponse:
    case MemberEventKind::Truncated:
      return true;
    case MemberEventKind::Response:
      return event.failOnStatus;
    case MemberEventKind::ProbeResult:
    case MemberEventKind::ManagerChange:
      return false;
  }
  return false;
}

Transition MemberState::onEvent(const MemberEvent& event, TimePoint now,
                                int64_t wallNowNs) noexcept {
  if (countsAsFailure(event)) {
    record_.failures.fetch_add(1, kRelaxed);
  }
  switch (event.kind) {
    case MemberEventKind::ConnectFailed:
    case MemberEventKind::TlsFailed:
    case MemberEventKind::PingFailed:
    case MemberEventKind::FailedBeforeAnswer:
      return enterError(now, wallNowNs);
    case MemberEventKind::Timeout:
      return event.failOnTimeout ? enterError(now, wallNowNs) : Transition{};
    case MemberEventKind::MalformedResponse:
    case MemberEventKind::Truncated:
      // The member is up (it answered something): counted, not put in error.
      return {};
    case MemberEventKind::Response:
      return event.failOnStatus ? enterError(now, wallNowNs) : leaveError();
    case MemberEventKind::ProbeResult:
      return event.probeUp ? leaveError() : enterError(now, wallNowNs);
    case MemberEventKind::ManagerChange: {
      uint32_t before = record_.status.load(kRelaxed);
      shm::changeStatusAtRuntime(record_, event.setFlags, event.clearFlags);
      if ((event.clearFlags & config::kStatusInError) != 0) {
        record_.errorSinceWallNs.store(0, kRelaxed);
      }
      bumpEpoch();
      bool wasInError = (before & config::kStatusInError) != 0;
      bool isInError = (record_.status.load(kRelaxed) & config::kStatusInError) != 0;
      if (wasInError && !isInError) {
        return {Transition::Kind::LeftError, Seconds(0)};
      }
      return {};
    }
  }
  return {};
}

Transition MemberState::enterError(TimePoint now, int64_t wallNowNs) noexcept {
  if ((record_.status.load(kRelaxed) & config::kStatusIgnoreErrors) != 0) {
    return {};
  }
  record_.retryAtNs.store(toNs(now + retry_), kRelaxed);
  uint32_t before = record_.status.fetch_or(config::kStatusInError, std::memory_order_acq_rel);
  record_.runtimeFields.fetch_or(config::kStatusInError, kRelaxed);
  bumpEpoch();  // also when already in error: the retry time moved
  if ((before & config::kStatusInError) != 0) {
    return {};
  }
  record_.errorSinceWallNs.store(wallNowNs, kRelaxed);
  return {Transition::Kind::EnteredError, retry_};
}

Transition MemberState::leaveError() noexcept {
  // Read first: the common case (not in error) writes nothing to the shared line.
  if ((record_.status.load(kRelaxed) & config::kStatusInError) == 0) {
    return {};
  }
  uint32_t before =
      record_.status.fetch_and(~uint32_t(config::kStatusInError), std::memory_order_acq_rel);
  record_.runtimeFields.fetch_or(config::kStatusInError, kRelaxed);
  if ((before & config::kStatusInError) == 0) {
    return {};  // another thread cleared it first: it logs
  }
  record_.errorSinceWallNs.store(0, kRelaxed);
  bumpEpoch();
  return {Transition::Kind::LeftError, Seconds(0)};
}

void MemberState::bumpEpoch() noexcept {
  if (statusEpoch_ != nullptr) {
    statusEpoch_->fetch_add(1, std::memory_order_release);
  }
}

bool usableNow(uint32_t status, TimePoint retryAt, TimePoint now) noexcept {
  if ((status & (config::kStatusDisabled | config::kStatusStopped)) != 0) {
    return false;
  }
  return (status & config::kStatusInError) == 0 || now >= retryAt;
}

TimePoint retryAtOf(const shm::MemberRecord& record) noexcept {
  return TimePoint(std::chrono::nanoseconds(record.retryAtNs.load(kRelaxed)));
}

bool usableNow(const shm::MemberRecord& record, TimePoint now) noexcept {
  return usableNow(record.status.load(kRelaxed), retryAtOf(record), now);
}

}  // namespace cxxb::balancer
