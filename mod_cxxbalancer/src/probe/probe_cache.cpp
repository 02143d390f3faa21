#include "probe/probe_cache.h"

#include <algorithm>

namespace cxxb::probe {

ProbeCache::ProbeCache(const Clock& clock, Millis ttl, size_t capacity)
    : clock_(clock), ttl_(ttl), capacity_(std::max<size_t>(capacity, 1)) {}

bool ProbeCache::fresh(const Entry& entry, TimePoint now) const noexcept {
  return now - entry.storedAt < ttl_;
}

std::optional<bool> ProbeCache::find(const std::string& key) const {
  const auto it = entries_.find(key);
  if (it == entries_.end() || !fresh(it->second, clock_.now())) {
    return std::nullopt;
  }
  return it->second.up;
}

void ProbeCache::store(const std::string& key, bool up) {
  if (ttl_ <= Millis::zero()) {
    return;
  }
  const TimePoint now = clock_.now();
  if (entries_.size() >= capacity_ && entries_.find(key) == entries_.end()) {
    makeRoom(now);
  }
  entries_[key] = Entry{now, up};
}

void ProbeCache::makeRoom(TimePoint now) {
  std::erase_if(entries_, [&](const auto& item) { return !fresh(item.second, now); });
  if (entries_.size() < capacity_) {
    return;
  }
  const auto oldest = std::min_element(
      entries_.begin(), entries_.end(),
      [](const auto& a, const auto& b) { return a.second.storedAt < b.second.storedAt; });
  entries_.erase(oldest);
}

}  // namespace cxxb::probe
