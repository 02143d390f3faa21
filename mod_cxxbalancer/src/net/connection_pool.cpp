// Capacity accounting: every Lease holds one unit, every idle connection holds one, and
// inUse_ + idle_.size() never exceeds max. Transports are probed (reusable()) and closed
// outside the mutex so a slow close or peek never stalls the other request threads.
#include "net/connection_pool.h"

#include <algorithm>
#include <utility>

namespace cxxb::net {

// --- Lease ----------------------------------------------------------------------------

Lease::Lease(Lease&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)),
      transport_(std::move(other.transport_)),
      reused_(std::exchange(other.reused_, false)),
      keep_(std::exchange(other.keep_, false)),
      epoch_(other.epoch_) {}

Lease& Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    if (pool_ != nullptr) {
      pool_->release(*this);
    }
    pool_ = std::exchange(other.pool_, nullptr);
    transport_ = std::move(other.transport_);
    reused_ = std::exchange(other.reused_, false);
    keep_ = std::exchange(other.keep_, false);
    epoch_ = other.epoch_;
  }
  return *this;
}

Lease::~Lease() {
  if (pool_ != nullptr) {
    pool_->release(*this);
  }
}

// --- ConnectionPool -------------------------------------------------------------------

ConnectionPool::ConnectionPool(PoolLimits limits, const Clock& clock)
    : limits_(limits), clock_(clock) {
  limits_.max = std::max<uint32_t>(limits_.max, 1);
  limits_.smax = std::min(limits_.smax, limits_.max);
}

ConnectionPool::~ConnectionPool() {
  for (auto& idle : idle_) {
    idle.transport->close();
  }
}

void ConnectionPool::expireIdle(std::vector<TransportPtr>& doomed) {
  if (!limits_.ttl || idle_.size() <= limits_.smax) {
    return;
  }
  const TimePoint now = clock_.now();
  // The front holds the least recently used: those are the ones above smax.
  while (idle_.size() > limits_.smax && idle_.front().since + *limits_.ttl <= now) {
    doomed.push_back(std::move(idle_.front().transport));
    idle_.pop_front();
  }
}

Lease ConnectionPool::acquire(Millis wait) {
  std::vector<TransportPtr> doomed;
  Lease lease;
  {
    std::unique_lock lock(mutex_);
    if (!hasRoom()) {
      // Real time on purpose: this blocks a thread, which no injected clock can wake.
      if (wait <= Millis::zero() ||
          !available_.wait_for(lock, wait, [this] { return hasRoom(); })) {
        return lease;
      }
    }
    expireIdle(doomed);
    ++inUse_;
    lease.pool_ = this;
    lease.epoch_ = epoch_;
    if (!idle_.empty()) {
      lease.transport_ = std::move(idle_.back().transport);  // LIFO: the warmest one
      idle_.pop_back();
    }
  }
  // Our unit of capacity stays with the lease while stale connections are swapped for the
  // next idle one; each swap frees the dropped connection's unit for a waiter.
  while (lease.transport_ && !lease.transport_->reusable()) {
    doomed.push_back(std::move(lease.transport_));
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      lease.transport_ = std::move(idle_.back().transport);
      idle_.pop_back();
      available_.notify_one();
    }
  }
  lease.reused_ = lease.transport_ != nullptr;
  if (!doomed.empty()) {
    available_.notify_all();  // expired connections freed room too
    for (auto& transport : doomed) {
      transport->close();
    }
  }
  return lease;
}

void ConnectionPool::release(Lease& lease) noexcept {
  TransportPtr transport = std::move(lease.transport_);
  const bool keep = lease.keep_ && transport && !limits_.disableReuse;
  lease.pool_ = nullptr;
  lease.reused_ = false;
  lease.keep_ = false;
  const TimePoint now = keep ? clock_.now() : TimePoint{};
  {
    std::lock_guard lock(mutex_);
    --inUse_;
    if (keep && lease.epoch_ == epoch_) {  // a retired generation is never pooled again
      try {
        idle_.push_back(Idle{std::move(transport), now});
      } catch (...) {
        // Out of memory: the connection is dropped (its destructor closes it), the unit of
        // capacity is returned all the same.
      }
    }
  }
  available_.notify_one();
  if (transport) {
    transport->close();
  }
}

void ConnectionPool::retire() noexcept {
  std::deque<Idle> doomed;
  {
    std::lock_guard lock(mutex_);
    ++epoch_;
    doomed.swap(idle_);
  }
  available_.notify_all();
  for (auto& idle : doomed) {
    idle.transport->close();
  }
}

uint32_t ConnectionPool::idleCount() const {
  std::lock_guard lock(mutex_);
  return uint32_t(idle_.size());
}

uint32_t ConnectionPool::inUseCount() const {
  std::lock_guard lock(mutex_);
  return inUse_;
}

}  // namespace cxxb::net
