#pragma once
// The shared-memory segment across configuration generations (STYLE.md §2.7 and §2.8).
//
// - post_config (real pass only) creates this generation's segment in the *process* pool,
//   so it outlives pconf: at the next graceful restart the new generation copies member
//   state from it, then unmaps it in the parent (old children keep their own mapping until
//   they exit). The handle of the current segment is kept in httpd's retained data, which
//   survives the unload and reload of this DSO at every restart; a static would not.
// - the structural lock is an apr_global_mutex of the registered type "cxxbalancer-shm"
//   (`Mutex` directive), owned by pconf; child_init re-opens it in each child.
// - a full stop ends the process and the segment with it: the next start begins clean.
#include <memory>
#include <vector>

#include "config/balancer_config.h"
#include "httpd/apr_shm_store.h"
#include "httpd/httpd_includes.h"
#include "shm/member_table.h"

namespace cxxb::httpd {

/** The mutex type, as named in `Mutex MECH cxxbalancer-shm`. */
inline constexpr char kShmMutexType[] = "cxxbalancer-shm";

/** pre_config: registers the mutex type with httpd. */
apr_status_t registerShmMutex(apr_pool_t* pconf);

/** One generation's segment and its typed view. Owned by ServerState (pconf). */
class SharedSegment {
 public:
  /**
   * post_config: creates and initializes the segment for `balancers`, carrying state over
   * from the previous generation's segment when there is one, then releases that one.
   * Logs what happened (CXB00701..CXB00704, msg::kShm*). @throws std::runtime_error on failure
   */
  static std::unique_ptr<SharedSegment> create(
      apr_pool_t* pconf, server_rec* s, const std::vector<config::BalancerConfig>& balancers);

  SharedSegment(apr_shm_t* segment, apr_global_mutex_t* mutex) noexcept
      : store_(segment, mutex), table_(store_) {}
  SharedSegment(const SharedSegment&) = delete;
  SharedSegment& operator=(const SharedSegment&) = delete;

  shm::MemberTable& table() noexcept { return table_; }
  AprShmStore& store() noexcept { return store_; }

  /** child_init: re-opens the structural lock in this child. */
  void childInit(apr_pool_t* pchild, server_rec* s);

 private:
  AprShmStore store_;
  shm::MemberTable table_;
};

}  // namespace cxxb::httpd
