#include "httpd/shared_segment.h"

#include <stdexcept>
#include <string>

#include "core/clock.h"
#include "core/message_ids.h"

namespace cxxb::httpd {
namespace {

constexpr char kRetainedKey[] = "mod_cxxbalancer.c-shm";

/**
 * What survives a restart in the parent. Plain data only: this DSO is unloaded and loaded
 * again at every restart, so nothing here may point at our code (no vtable, no cleanup of
 * ours). The segment itself is APR's, with APR's own cleanup in the process pool.
 */
struct Retained {
  apr_shm_t* current;  ///< the segment the running generation uses; null before the first
};

Retained& retained() {
  auto* data = static_cast<Retained*>(ap_retained_data_get(kRetainedKey));
  if (data == nullptr) {
    data = static_cast<Retained*>(ap_retained_data_create(kRetainedKey, sizeof(Retained)));
  }
  return *data;
}

}  // namespace

apr_status_t registerShmMutex(apr_pool_t* pconf) {
  return ap_mutex_register(pconf, kShmMutexType, nullptr, APR_LOCK_DEFAULT, 0);
}

std::unique_ptr<SharedSegment> SharedSegment::create(
    apr_pool_t* pconf, server_rec* s, const std::vector<config::BalancerConfig>& balancers) {
  Retained& kept = retained();
  const shm::Layout layout = shm::MemberTable::layoutFor(balancers);

  auto created = AprShmStore::createSegment(s->process->pool, layout.totalSize);
  if (!created) {
    ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "%s: %s", msg::kShmCreateFailed,
                 created.error().c_str());
    throw std::runtime_error("no shared memory");
  }
  apr_shm_t* segment = *created;
  auto destroyNew = [&] { apr_shm_destroy(segment); };

  apr_global_mutex_t* mutex = nullptr;
  apr_status_t rv = ap_global_mutex_create(&mutex, nullptr, kShmMutexType, nullptr, s, pconf, 0);
  if (rv != APR_SUCCESS) {
    destroyNew();
    // ap_global_mutex_create has logged the details.
    throw std::runtime_error(aprError("creating the cxxbalancer-shm mutex", rv));
  }
  auto fresh = std::make_unique<SharedSegment>(segment, mutex);

  // The previous generation's table, read without its lock: its children may still update
  // counters (atomics), and nothing structural changes during a restart.
  std::unique_ptr<AprShmStore> previousStore;
  std::unique_ptr<shm::MemberTable> previous;
  if (kept.current != nullptr) {
    previousStore = std::make_unique<AprShmStore>(kept.current, nullptr);
    previous = std::make_unique<shm::MemberTable>(*previousStore);
    if (auto attached = previous->attach(); !attached) {
      ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s,
                   "%s: the previous generation's shared memory cannot be read (%s); "
                   "member state starts fresh",
                   msg::kShmPreviousUnreadable, attached.error().c_str());
      previous.reset();
    }
  }

  auto report =
      fresh->table_.initialize(balancers, previous.get(), SystemClock::instance().wallNowNs());
  if (!report) {
    destroyNew();
    ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "%s: shared memory: %s", msg::kShmInitFailed,
                 report.error().c_str());
    throw std::runtime_error("shared memory could not be initialized");
  }
  ap_log_error(APLOG_MARK, APLOG_INFO, 0, s,
               "%s: shared memory generation %u: %u balancer(s), %u member record(s), "
               "%lu bytes; %u member(s) kept, %u new, %u dropped",
               msg::kShmGenerationReady, report->generation, layout.balancerCount,
               layout.memberCapacity, static_cast<unsigned long>(layout.totalSize), report->kept,
               report->added, report->dropped);

  // Unmaps the old segment in the parent only; old children keep their mapping.
  previous.reset();
  previousStore.reset();
  if (kept.current != nullptr) {
    apr_shm_destroy(kept.current);
  }
  kept.current = segment;
  return fresh;
}

void SharedSegment::childInit(apr_pool_t* pchild, server_rec* s) {
  if (auto done = store_.childInit(pchild); !done) {
    // The request path never takes this lock; only structural changes are refused.
    ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, "%s: %s", msg::kShmChildLockFailed,
                 done.error().c_str());
  }
}

}  // namespace cxxb::httpd
