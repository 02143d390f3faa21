#include "httpd/apr_shm_store.h"

#include <apr_errno.h>

#include <cstdint>
#include <cstring>
#include <string>

#include "shm/slot_layout.h"

namespace cxxb::httpd {

std::string aprError(const char* what, apr_status_t status) {
  char buffer[256];
  apr_strerror(status, buffer, sizeof(buffer));
  return std::string(what) + ": " + buffer + " (" + std::to_string(status) + ")";
}

Result<apr_shm_t*> AprShmStore::createSegment(apr_pool_t* pool, size_t size) {
  // APR keeps its own bookkeeping at the start of the mapping, so the usable base is only
  // 8-byte aligned: ask for one alignment unit more and align in bytes().
  apr_shm_t* segment = nullptr;
  apr_status_t rv = apr_shm_create(&segment, size + shm::kSegmentAlignment, nullptr, pool);
  if (rv != APR_SUCCESS) {
    return unexpected(aprError(
        ("creating " + std::to_string(size) + " bytes of anonymous shared memory").c_str(), rv));
  }
  std::memset(apr_shm_baseaddr_get(segment), 0, apr_shm_size_get(segment));
  return segment;
}

AprShmStore::AprShmStore(apr_shm_t* segment, apr_global_mutex_t* mutex) noexcept
    : segment_(segment), mutex_(mutex) {
  auto* base = static_cast<std::byte*>(apr_shm_baseaddr_get(segment_));
  size_t size = apr_shm_size_get(segment_);
  auto address = reinterpret_cast<uintptr_t>(base);
  size_t skip =
      (shm::kSegmentAlignment - address % shm::kSegmentAlignment) % shm::kSegmentAlignment;
  bytes_ = skip < size ? std::span<std::byte>(base + skip, size - skip) : std::span<std::byte>();
}

std::span<std::byte> AprShmStore::bytes() noexcept { return bytes_; }

Result<void> AprShmStore::lock() {
  if (mutex_ == nullptr) {
    return unexpected("this shared-memory segment has no structural lock");
  }
  apr_status_t rv = apr_global_mutex_lock(mutex_);
  if (rv != APR_SUCCESS) {
    return unexpected(aprError("taking the shared-memory lock", rv));
  }
  return {};
}

void AprShmStore::unlock() noexcept {
  if (mutex_ != nullptr) {
    apr_global_mutex_unlock(mutex_);
  }
}

Result<void> AprShmStore::childInit(apr_pool_t* pchild) {
  if (mutex_ == nullptr) {
    return {};
  }
  apr_status_t rv = apr_global_mutex_child_init(&mutex_, apr_global_mutex_lockfile(mutex_), pchild);
  if (rv != APR_SUCCESS) {
    return unexpected(aprError("re-opening the shared-memory lock in the child", rv));
  }
  return {};
}

}  // namespace cxxb::httpd
