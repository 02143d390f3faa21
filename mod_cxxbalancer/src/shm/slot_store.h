#pragma once
// SlotStore: a block of memory shared by every process (or thread) that serves requests,
// plus the one lock that guards structural changes to it. The pure code (MemberTable) works
// on this interface; production uses apr_shm and an apr_global_mutex (httpd/apr_shm_store.h),
// unit tests use InProcessSlotStore. This is mod_pagespeed's AbstractSharedMem idea.
#include <cstddef>
#include <span>
#include <string>

#include "core/result.h"

namespace cxxb::shm {

class SlotStore {
 public:
  virtual ~SlotStore() = default;

  /**
   * The shared bytes: aligned to kSegmentAlignment (slot_layout.h) and zero-filled when the
   * store was created. The address differs between processes (no pointers into it may be
   * stored in it); the size never changes.
   */
  virtual std::span<std::byte> bytes() noexcept = 0;

  /**
   * Takes the structural lock, blocking until it is free. Held only for short, bounded work
   * (adding a member, changing a route); the request path never takes it.
   * @return an error when the lock could not be taken (then it is not held)
   */
  virtual Result<void> lock() = 0;

  /** Releases the lock taken by lock(). */
  virtual void unlock() noexcept = 0;
};

/** Holds a SlotStore's structural lock for its lifetime, when it could be taken. */
class StructuralLock {
 public:
  explicit StructuralLock(SlotStore& store) : store_(store), result_(store.lock()) {}
  ~StructuralLock() {
    if (result_.ok()) {
      store_.unlock();
    }
  }
  StructuralLock(const StructuralLock&) = delete;
  StructuralLock& operator=(const StructuralLock&) = delete;

  bool held() const noexcept { return result_.ok(); }
  /** @return why the lock is not held; only valid when !held(). */
  const std::string& error() const { return result_.error(); }

 private:
  SlotStore& store_;
  Result<void> result_;
};

}  // namespace cxxb::shm
