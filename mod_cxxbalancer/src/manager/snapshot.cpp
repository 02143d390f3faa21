#include "manager/snapshot.h"

#include <array>
#include <utility>

#include "balancer/member_state.h"
#include "core/string_util.h"
#include "core/version.h"

namespace cxxb::manager {
namespace {

constexpr int64_t kNsPerMs = 1000 * 1000;

const char* healthName(uint32_t value) {
  switch (static_cast<shm::HealthStatus>(value)) {
    case shm::HealthStatus::Up:
      return "up";
    case shm::HealthStatus::Down:
      return "down";
    case shm::HealthStatus::Unknown:
      break;
  }
  return "unknown";
}

MemberSnapshot memberOf(const shm::MemberRecord& record, TimePoint steadyNow) {
  constexpr auto relaxed = std::memory_order_relaxed;
  MemberSnapshot m;
  m.name = std::string(shm::textOf(record.url));
  m.route = std::string(shm::textOf(record.route));
  m.redirect = std::string(shm::textOf(record.redirect));
  m.lbset = record.lbset.load(relaxed);
  m.loadFactor = record.loadFactor.load(relaxed);
  m.status = record.status.load(relaxed);
  m.runtimeStatus = record.runtimeFields.load(relaxed) & shm::kRuntimeStatusMask & m.status;
  m.inError = (m.status & config::kStatusInError) != 0;
  if (m.inError) {
    m.errorSinceMs = record.errorSinceWallNs.load(relaxed) / kNsPerMs;
    int64_t left = std::chrono::duration_cast<std::chrono::nanoseconds>(
                       balancer::retryAtOf(record) - steadyNow)
                       .count();
    m.retryInMs = left > 0 ? (left + kNsPerMs - 1) / kNsPerMs : 0;
  }
  m.health.status = healthName(record.healthStatus.load(relaxed));
  m.health.lastCheckMs = record.lastCheckWallNs.load(relaxed) / kNsPerMs;
  m.health.lastCheckStatus = record.lastCheckStatus.load(relaxed);
  m.health.passes = record.consecutivePasses.load(relaxed);
  m.health.fails = record.consecutiveFails.load(relaxed);
  m.requests = record.requests.load(relaxed);
  m.failures = record.failures.load(relaxed);
  m.bytesSent = record.bytesSent.load(relaxed);
  m.bytesReceived = record.bytesReceived.load(relaxed);
  m.busy = record.busy.load(relaxed);
  m.latencyUs = record.latencyEwmaUs.load(relaxed);
  return m;
}

}  // namespace

Snapshot takeSnapshot(const shm::MemberTable& table,
                      const std::vector<config::BalancerConfig>& configs, int64_t wallNowNs,
                      TimePoint steadyNow) {
  Snapshot snapshot;
  snapshot.version = std::string(productVersion());
  snapshot.nowMs = wallNowNs / kNsPerMs;
  if (!table.valid()) {
    return snapshot;
  }
  snapshot.generation = table.header().generation;
  snapshot.startedMs = table.header().firstCreatedWallNs / kNsPerMs;
  for (uint32_t b = 0; b < table.balancerCount(); ++b) {
    const shm::BalancerRecord& record = table.balancer(b);
    BalancerSnapshot balancer;
    balancer.name = std::string(shm::textOf(record.name));
    balancer.capacity = record.capacity;
    for (const auto& config : configs) {
      if (iequals(config.name, balancer.name)) {
        balancer.lbMethod = config.lbMethod;
        break;
      }
    }
    for (const shm::MemberRecord& member : table.members(record)) {
      balancer.members.push_back(memberOf(member, steadyNow));
    }
    snapshot.balancers.push_back(std::move(balancer));
  }
  return snapshot;
}

std::string statusLetters(uint32_t status) {
  static constexpr std::array<std::pair<uint32_t, char>, 6> kLetters{{
      {config::kStatusDisabled, 'D'},
      {config::kStatusStopped, 'S'},
      {config::kStatusHotStandby, 'H'},
      {config::kStatusDraining, 'N'},
      {config::kStatusIgnoreErrors, 'I'},
      {config::kStatusInError, 'E'},
  }};
  std::string out;
  for (const auto& [bit, letter] : kLetters) {
    if (status & bit) {
      out += letter;
    }
  }
  return out;
}

}  // namespace cxxb::manager
