#pragma once
// A SlotStore on the heap, guarded by a std::mutex: the same contract as the shared-memory
// store, for unit tests and for threads of one process.
#include <cstddef>
#include <memory>
#include <mutex>

#include "shm/slot_store.h"

namespace cxxb::shm {

class InProcessSlotStore final : public SlotStore {
 public:
  /** @param size bytes, zero-filled, aligned to kSegmentAlignment */
  explicit InProcessSlotStore(size_t size);

  std::span<std::byte> bytes() noexcept override { return {memory_.get(), size_}; }
  Result<void> lock() override;
  void unlock() noexcept override;

 private:
  struct AlignedFree {
    void operator()(std::byte* p) const noexcept;
  };
  size_t size_;
  std::unique_ptr<std::byte[], AlignedFree> memory_;
  std::mutex mutex_;
};

}  // namespace cxxb::shm
