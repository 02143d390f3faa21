#pragma once
// Per-child keep-alive pool for one member (mod_proxy's max/smax/ttl/disablereuse).
//
// Thread-safe: under worker/event many request threads of one child share it. It never
// connects by itself; callers connect when acquire() hands them an empty lease.
// Every Lease must be destroyed before its pool.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <vector>

#include "core/clock.h"
#include "net/transport.h"

namespace cxxb::net {

struct PoolLimits {
  uint32_t max = 25;           ///< hard cap: connections in use + idle
  uint32_t smax = 25;          ///< idle connections above smax expire after ttl
  std::optional<Seconds> ttl;  ///< unset: idle connections never expire
  bool disableReuse = false;   ///< close every connection after one request
};

class ConnectionPool;

/** One unit of the pool's capacity; returns itself (and its connection) when destroyed. */
class Lease {
 public:
  Lease() = default;
  Lease(Lease&& other) noexcept;
  Lease& operator=(Lease&& other) noexcept;
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  ~Lease();

  explicit operator bool() const noexcept { return pool_ != nullptr; }
  /** The pooled connection handed out, or nullptr: the caller must connect. */
  TransportPtr& transport() noexcept { return transport_; }
  /** True when transport() came from the idle list (it may have been closed by the peer). */
  bool reused() const noexcept { return reused_; }
  /** Keep the connection for the next request (the response was complete and reusable). */
  void keep() noexcept { keep_ = true; }

 private:
  friend class ConnectionPool;
  ConnectionPool* pool_ = nullptr;
  TransportPtr transport_;
  bool reused_ = false;
  bool keep_ = false;
  uint64_t epoch_ = 0;  ///< the pool's generation when the lease was taken
};

class ConnectionPool {
 public:
  /** `max` below 1 is taken as 1 and `smax` above `max` as `max`. `clock` drives ttl only;
   *  acquire() waits in real time. */
  ConnectionPool(PoolLimits limits, const Clock& clock);
  ~ConnectionPool();

  /**
   * Takes capacity for one request, waiting at most `wait` while `max` are in use.
   * Idle connections past their ttl, or that reusable() rejects, are closed on the way.
   * @return an empty Lease (false) when the wait timed out
   */
  Lease acquire(Millis wait);

  /**
   * Retires every connection made so far: idle ones are closed now, those in use are
   * closed when their lease ends instead of being pooled. Used when the member's host name
   * resolves to other addresses (seed 003: a load balancer whose addresses change).
   */
  void retire() noexcept;

  uint32_t idleCount() const;
  uint32_t inUseCount() const;

 private:
  friend class Lease;
  void release(Lease& lease) noexcept;
  /** Idle connections above smax older than ttl move to `doomed`; caller holds mutex_. */
  void expireIdle(std::vector<TransportPtr>& doomed);
  /** Caller holds mutex_. */
  bool hasRoom() const noexcept { return !idle_.empty() || inUse_ + idle_.size() < limits_.max; }

  struct Idle {
    TransportPtr transport;
    TimePoint since;
  };
  PoolLimits limits_;
  const Clock& clock_;
  mutable std::mutex mutex_;
  std::condition_variable available_;
  std::deque<Idle> idle_;  ///< most recently used at the back
  uint32_t inUse_ = 0;
  uint64_t epoch_ = 0;  ///< bumped by retire()
};

}  // namespace cxxb::net
