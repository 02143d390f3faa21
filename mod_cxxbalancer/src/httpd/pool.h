#pragma once
// Ties C++ objects to APR pool lifetimes (STYLE.md §2.6).
#include <memory>
#include <utility>

#include "httpd/httpd_includes.h"

namespace cxxb::httpd {

template <class T>
apr_status_t destroyPoolOwned(void* object) noexcept {
  delete static_cast<T*>(object);  // destructors must not throw
  return APR_SUCCESS;
}

/** Creates a T owned by `pool`: destroyed when the pool is cleared or destroyed. */
template <class T, class... Args>
T& makePoolOwned(apr_pool_t* pool, Args&&... args) {
  auto object = std::make_unique<T>(std::forward<Args>(args)...);
  apr_pool_cleanup_register(pool, object.get(), &destroyPoolOwned<T>, apr_pool_cleanup_null);
  return *object.release();
}

}  // namespace cxxb::httpd
