#pragma once
// Remembers each target's last answer for a while, so a busy site asking mod_rewrite for
// the same key on every request costs one check per period, not one per request.
// Pure: time comes from the injected Clock. One thread (the program is sequential).
#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/clock.h"

namespace cxxb::probe {

class ProbeCache {
 public:
  /** Bounds memory when a client sends many different keys; far above any real setup. */
  static constexpr size_t kDefaultCapacity = 4096;

  /**
   * @param ttl how long an answer is reused after it was stored; zero caches nothing
   * @param capacity targets kept at most; when full, expired answers go first, then the
   *        oldest
   */
  ProbeCache(const Clock& clock, Millis ttl, size_t capacity = kDefaultCapacity);

  /** @return the stored answer (true for UP) while younger than ttl, else nullopt */
  std::optional<bool> find(const std::string& key) const;

  /** Stores an answer as of now, replacing an older one. */
  void store(const std::string& key, bool up);

  size_t size() const noexcept { return entries_.size(); }

 private:
  struct Entry {
    TimePoint storedAt;
    bool up = false;
  };
  bool fresh(const Entry& entry, TimePoint now) const noexcept;
  void makeRoom(TimePoint now);

  const Clock& clock_;
  Millis ttl_;
  size_t capacity_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace cxxb::probe
