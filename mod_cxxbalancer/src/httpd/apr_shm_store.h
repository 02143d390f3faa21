#pragma once
// SlotStore over APR: an anonymous apr_shm segment (mapped before fork, so every child
// inherits it) and an apr_global_mutex for structural changes.
//
// Only APR is used here, never httpd: the shared-memory conformance suite (test/shm) links
// this file with libapr alone and runs it in fork()ed processes.
//
// Ownership: the store wraps, and does not own, the segment and the mutex. The segment
// belongs to the pool it was created in (the process pool, see shared_segment.cpp, so it
// outlives a configuration generation); the mutex belongs to the generation's pconf.
#include <apr_global_mutex.h>
#include <apr_pools.h>
#include <apr_shm.h>

#include <string>

#include "core/result.h"
#include "shm/slot_store.h"

namespace cxxb::httpd {

class AprShmStore final : public shm::SlotStore {
 public:
  /**
   * Creates an anonymous segment with at least `size` usable bytes aligned to
   * shm::kSegmentAlignment, zero-filled, owned by `pool`.
   */
  static Result<apr_shm_t*> createSegment(apr_pool_t* pool, size_t size);

  /** @param mutex may be null: lock() then fails (a read-only view of an old segment) */
  AprShmStore(apr_shm_t* segment, apr_global_mutex_t* mutex) noexcept;

  std::span<std::byte> bytes() noexcept override;
  Result<void> lock() override;
  void unlock() noexcept override;

  /** In a new child process: re-opens the mutex (apr_global_mutex_child_init). */
  Result<void> childInit(apr_pool_t* pchild);

  apr_shm_t* segment() const noexcept { return segment_; }
  apr_global_mutex_t* mutex() const noexcept { return mutex_; }

 private:
  apr_shm_t* segment_;
  apr_global_mutex_t* mutex_;
  std::span<std::byte> bytes_;
};

/** "what failed: APR's message (code)" for logs and Result errors. */
std::string aprError(const char* what, apr_status_t status);

}  // namespace cxxb::httpd
