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
#include "balancer/selector.h"
#include "balancer/sticky.h"
#include "config/balancer_config.h"
#include "core/clock.h"
#include "net/connection_pool.h"
#include "net/tcp_transport.h"
#include "net/tls_transport.h"

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
  std::atomic<uint64_t> busy{0};           ///< requests in flight
  std::atomic<uint64_t> latencyEwmaUs{0};  ///< moving average of complete exchanges

  /** Per-child pool; null until initChild(). */
  ConnectionPool* pool() noexcept { return pool_.get(); }
  void initChild(uint32_t threadsPerChild, const Clock& clock);

  /** Addresses of the member's host, resolved again after `addressttl`. */
  std::vector<ResolvedAddress> addresses(TimePoint now, std::string& error);
  /** Forgets the resolved addresses, so the next connection resolves again. */
  void forgetAddresses();

  /** Puts the member in error until now + retry, unless it ignores errors (status I).
   *  @return true if it was not in error before (log the cause once) */
  bool markInError(TimePoint now);
  /** Folds one exchange's duration into latencyEwmaUs (weight 1/8 for the new sample). */
  void recordLatency(std::chrono::nanoseconds took) noexcept;
  /** Clears the error flag (a request succeeded). */
  void markHealthy() noexcept;

  /** Not disabled or stopped, and not in error (or its retry time has come). */
  bool usableNow(TimePoint now) const noexcept;

  // --- TLS to https members (tls_transport.h) -----------------------------------------
  /** Builds the TLS context of an https member once; other schemes have none. post_config
   *  calls it in the parent, as root (keys readable by root only load, a bad file stops the
   *  start, each child inherits its own copy); initChild() tries again if that did not
   *  happen. @return the reason, naming the key and file, when the context cannot be built */
  Result<void> initTls();
  /** https: the TLS handshake over a connected TCP transport, within `timeout`; other
   *  schemes: `tcp` unchanged. */
  Result<TransportPtr> secure(TransportPtr tcp, Millis timeout);
  /** The TLS context; null for other schemes or when initTls() failed. */
  TlsClientContext* tls() noexcept { return tls_.get(); }

 private:
  config::MemberConfig config_;
  std::string name_;
  std::unique_ptr<TlsClientContext> tls_;  ///< before pool_: outlives the pooled connections
  std::string tlsError_;                   ///< why tls_ is null for an https member
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

  const balancer::StickyConfig& sticky() const noexcept { return sticky_; }
  /** The member serving sessions with `route` (following redirect=), or -1. */
  int memberForRoute(std::string_view route, TimePoint now);
  /** Whether any member has this route: an unknown route is balanced as if absent. */
  bool hasRoute(std::string_view route) const noexcept;
  balancer::RouteMismatchDetector& routeMismatch() noexcept { return *routeMismatch_; }
  /** The sorry= URL as a member of its own, or null when sorry= is unset or a local path. */
  MemberRuntime* sorryMember() noexcept { return sorry_.get(); }
  /** Seconds until a member may be tried again, for Retry-After: the soonest retry of the
   *  members in error, at least 1; the shortest retry= when none is. */
  uint32_t retryAfterSeconds(TimePoint now) const;

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
  balancer::StickyConfig sticky_;
  std::vector<std::string_view> routes_;     ///< views into members' configs
  std::vector<std::string_view> redirects_;  ///< likewise
  std::unique_ptr<balancer::RouteMismatchDetector> routeMismatch_;
  std::unique_ptr<MemberRuntime> sorry_;

  std::vector<balancer::MemberStatusView> statusViews() const;
};

/** Every balancer of one configuration generation, by lowercase name. */
class BalancerRegistry {
 public:
  BalancerRuntime* find(std::string_view name) noexcept;
  void add(config::BalancerConfig balancer);
  void initChild(uint32_t threadsPerChild, const Clock& clock);
  /** MemberRuntime::initTls() for every https member and sorry= URL.
   *  @return one message per failure: "BalancerMember URL (file:line): reason" */
  std::vector<std::string> initTls();
  std::map<std::string, std::unique_ptr<BalancerRuntime>, std::less<>>& all() noexcept {
    return balancers_;
  }

 private:
  std::map<std::string, std::unique_ptr<BalancerRuntime>, std::less<>> balancers_;
};

}  // namespace cxxb::net
