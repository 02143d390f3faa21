#include "shm/in_process_slot_store.h"

#include <cstring>
#include <new>

#include "shm/slot_layout.h"

namespace cxxb::shm {

void InProcessSlotStore::AlignedFree::operator()(std::byte* p) const noexcept {
  ::operator delete[](p, std::align_val_t(kSegmentAlignment));
}

InProcessSlotStore::InProcessSlotStore(size_t size)
    : size_(size),
      memory_(static_cast<std::byte*>(
          ::operator new[](size == 0 ? 1 : size, std::align_val_t(kSegmentAlignment)))) {
  std::memset(memory_.get(), 0, size_);
}

Result<void> InProcessSlotStore::lock() {
  mutex_.lock();
  return {};
}

void InProcessSlotStore::unlock() noexcept { mutex_.unlock(); }

}  // namespace cxxb::shm
