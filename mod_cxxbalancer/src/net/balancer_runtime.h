#pragma once
// The live state of balancers and members inside one httpd child: configuration, status
// flags, counters, connection pools and resolved addresses.
//
// Lifetime: built from the configuration in post_config (one generation), inherited by the
// children at fork; connection pools are created in each child by initChild().
// Status and counters are atomics: request threads read and update them without a lock.
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "balancer/lb_method.h"
#include "config/balancer_config.h"
#include "core/clock.h"
#include "net/connection_pool.h"
#include "net/tcp_transport.h"

namespace cxxb::net {

class MemberRuntime {
 public:
  explicit MemberRuntime(config::MemberConfig member);

  const config::MemberConfig& config() const noexcept { return config_; }
  /** scheme://host:port[path]: how logs and the manager name the member. */
  const std::string& name() const noexcept { return name_; }

  std::atomic<uint32_t> status{0};    ///< config::StatusFlag bits
  std::atomic<int64_t> retryAtNs{0};  ///< steady-clock time it may be tried again
  std::atomic<uint64_t> requests{0};  ///< requests sent (elected)
  std::atomic<uint64_t> failures{0};  ///< connection and protocol failures
  std::atomic<uint64_t> bytesSent{0};
  std::atomic<uint64_t> bytesReceived{0};
  std::atomic<uint64_t> busy{0};  ///< requests in flight

  /** Per-child pool; null until initChild(). */
  ConnectionPool* pool() noexcept { return pool_.get(); }
  void initChild(uint32_t threadsPerChild, const Clock& clock);

  /** Addresses of the member's host, resolved again after `addressttl`. */
  std::vector<ResolvedAddress> addresses(TimePoint now, std::string& error);
  /** Forgets the resolved addresses, so the next connection resolves again. */
  void forgetAddresses();

  /** Puts the member in error until now + retry. @return true if it was not already. */
  bool markInError(TimePoint now);
  /** Clears the error flag (a request succeeded). */
  void markHealthy() noexcept;

 private:
  config::MemberConfig config_;
  std::string name_;
  std::unique_ptr<ConnectionPool> pool_;
  std::mutex addressMutex_;
  std::vector<ResolvedAddress> addresses_;
  TimePoint resolvedAt_{};
};

class BalancerRuntime {
 public:
  explicit BalancerRuntime(config::BalancerConfig balancer);

  const config::BalancerConfig& config() const noexcept { return config_; }
  const std::string& name() const noexcept { return config_.name; }
  std::vector<std::unique_ptr<MemberRuntime>>& members() noexcept { return members_; }

  /**
   * Picks a member for a new request, skipping `tried`.
   * @return index into members(), or -1 when no member can serve
   */
  int pick(TimePoint now, const std::vector<size_t>& tried);

  /** Absolute base URLs of every member, for mapping Location headers back. */
  const std::vector<std::string>& memberBases() const noexcept { return memberBases_; }

  void initChild(uint32_t threadsPerChild, const Clock& clock);

 private:
  config::BalancerConfig config_;
  std::vector<std::unique_ptr<MemberRuntime>> members_;
  balancer::LbMethodPtr method_;
  std::mutex lbMutex_;  ///< guards lbSlots_ (per child until shared memory takes over)
  std::vector<balancer::LbSlot> lbSlots_;
  std::vector<std::string> memberBases_;
};

/** Every balancer of one configuration generation, by lowercase name. */
class BalancerRegistry {
 public:
  BalancerRuntime* find(std::string_view name) noexcept;
  void add(config::BalancerConfig balancer);
  void initChild(uint32_t threadsPerChild, const Clock& clock);
  std::map<std::string, std::unique_ptr<BalancerRuntime>, std::less<>>& all() noexcept {
    return balancers_;
  }

 private:
  std::map<std::string, std::unique_ptr<BalancerRuntime>, std::less<>> balancers_;
};

}  // namespace cxxb::net
