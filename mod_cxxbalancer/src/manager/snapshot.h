#pragma once
// What the manager shows: a plain copy of the shared state at one instant, taken without a
// lock (every field is read atomically on its own). Renderers (render_json.h,
// render_html.h) take only this struct, so they are tested without shared memory.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/balancer_config.h"
#include "core/clock.h"
#include "shm/member_table.h"

namespace cxxb::manager {

struct HealthSnapshot {
  std::string status = "unknown";  ///< "unknown", "up" or "down"
  int64_t lastCheckMs = 0;         ///< wall clock, ms since the Unix epoch; 0: never
  int32_t lastCheckStatus = 0;     ///< HTTP status, < 0: no answer
  uint32_t passes = 0;             ///< consecutive
  uint32_t fails = 0;              ///< consecutive
};

struct MemberSnapshot {
  std::string name;  ///< the member's URL, scheme://host:port[path]
  std::string route;
  std::string redirect;
  uint32_t lbset = 0;
  uint32_t loadFactor = 1;
  uint32_t status = 0;         ///< config::StatusFlag bits
  uint32_t runtimeStatus = 0;  ///< which of those bits were set at run time
  bool inError = false;
  int64_t errorSinceMs = 0;  ///< wall clock, ms since the Unix epoch; 0 when not in error
  int64_t retryInMs = 0;     ///< in error: ms until it may be tried again (0: now)
  HealthSnapshot health;
  uint64_t requests = 0;
  uint64_t failures = 0;
  uint64_t bytesSent = 0;      ///< to the member
  uint64_t bytesReceived = 0;  ///< from the member
  uint64_t busy = 0;
  uint64_t latencyUs = 0;  ///< moving average of successful requests; 0: none yet
};

struct BalancerSnapshot {
  std::string name;
  std::string lbMethod;
  uint32_t capacity = 0;  ///< member records, spare ones included
  std::vector<MemberSnapshot> members;
};

struct Snapshot {
  std::string version;      ///< the product's version
  uint32_t generation = 0;  ///< configuration generation of the shared segment
  int64_t nowMs = 0;        ///< wall clock when taken
  int64_t startedMs = 0;    ///< when the first generation of this run was created
  std::vector<BalancerSnapshot> balancers;
};

/**
 * Copies the shared state. `configs` supply what shared memory does not hold (the lbmethod);
 * a balancer in the table but not in `configs` is shown without it.
 * @param wallNowNs system_clock now; @param steadyNow steady_clock now (for retry times)
 */
Snapshot takeSnapshot(const shm::MemberTable& table,
                      const std::vector<config::BalancerConfig>& configs, int64_t wallNowNs,
                      TimePoint steadyNow);

/** Status flags as letters, in the order D S H N I E ("" when none is set). */
std::string statusLetters(uint32_t status);

}  // namespace cxxb::manager
