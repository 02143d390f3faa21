#pragma once
// The live state of balancers and members: configuration, status flags, counters,
// connection pools and resolved addresses.
//
// Lifetime: built from the configuration in post_config (one generation), inherited by the
// children at fork; connection pools are created in each child by initChild().
// Status, timers and counters live in the shared-memory segment (shm::MemberRecord): what
// one child learns about a member, every child sees at once. MemberRuntime's atomic fields
// are references to that record, so request threads read and update them without a lock.
// Connection pools, resolved addresses and the methods' running credit stay per child.
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
#include "shm/member_table.h"

namespace cxxb::net {

class MemberRuntime {
 public:
  /** Binds the member to its shared record, which outlives this object. */
  MemberRuntime(config::MemberConfig member, shm::MemberRecord& record);

  const config::MemberConfig& config() const noexcept { return config_; }
  /** scheme://host:port[path]: how logs and the manager name the member. */
  const std::string& name() const noexcept { return name_; }

  /** The shared record: every child's view of this member. */
  shm::MemberRecord& record() const noexcept { return record_; }

  // Bound to the fields of record() of the same names.
  std::atomic<uint32_t>& status;    ///< config::StatusFlag bits
  std::atomic<int64_t>& retryAtNs;  ///< steady-clock time it may be tried again
  std::atomic<uint64_t>& requests;  ///< requests sent (elected)
  std::atomic<uint64_t>& failures;  ///< connection and protocol failures
  std::atomic<uint64_t>& bytesSent;
  std::atomic<uint64_t>& bytesReceived;
  std::atomic<uint64_t>& busy;  ///< requests in flight, server-wide

  /** Per-child pool; null until initChild(). */
  ConnectionPool* pool() noexcept { return pool_.get(); }
  void initChild(uint32_t threadsPerChild, const Clock& clock);

  /** Addresses of the member's host, resolved again after `addressttl`. When they change,
   *  the member's pooled connections are retired (ConnectionPool::retire). */
  std::vector<ResolvedAddress> addresses(TimePoint now, std::string& error);

  using Resolver = std::vector<ResolvedAddress> (*)(const std::string& host, uint16_t port,
                                                    std::string& error);
  /** Replaces DNS (tests). */
  void setResolver(Resolver resolver) noexcept { resolver_ = resolver; }
  /** Forgets the resolved addresses, so the next connection resolves again. */
  void forgetAddresses();

  /**
   * Puts the member in error until now + retry, for every child, unless it ignores
   * errors (status I).
   * @return true if it was not already: exactly one caller server-wide sees true per
   *         transition, so the failure is logged once.
   */
  bool markInError(TimePoint now);
  /** Clears the error flag (a request succeeded). */
  void markHealthy() noexcept;
  /** Folds a successful request's duration into the shared latency average. */
  void recordLatency(std::chrono::microseconds elapsed) noexcept;

  /** The balancer's status epoch, bumped on every status change of this member. */
  void bindStatusEpoch(std::atomic<uint32_t>& epoch) noexcept { statusEpoch_ = &epoch; }

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
  shm::MemberRecord& record_;
  void bumpStatusEpoch() noexcept {
    if (statusEpoch_ != nullptr) {
      statusEpoch_->fetch_add(1, std::memory_order_release);
    }
  }

  config::MemberConfig config_;
  std::string name_;
  std::atomic<uint32_t>* statusEpoch_ = nullptr;
  std::unique_ptr<TlsClientContext> tls_;  ///< before pool_: outlives the pooled connections
  std::string tlsError_;                   ///< why tls_ is null for an https member
  std::unique_ptr<ConnectionPool> pool_;
  std::mutex addressMutex_;
  std::vector<ResolvedAddress> addresses_;
  Resolver resolver_ = &resolve;
  TimePoint resolvedAt_{};
};

class BalancerRuntime {
 public:
  /**
   * Binds each configured member to its record in `table` (initialized from the same
   * configuration). @throws std::runtime_error if the table does not hold this balancer
   */
  BalancerRuntime(config::BalancerConfig balancer, const shm::MemberTable& table);

  const config::BalancerConfig& config() const noexcept { return config_; }
  const std::string& name() const noexcept { return config_.name; }
  std::vector<std::unique_ptr<MemberRuntime>>& members() noexcept { return members_; }

  /**
   * Picks a member for a new request, skipping `tried`.
   * @return index into members(), or -1 when no member can serve
   */
  int pick(TimePoint now, const std::vector<size_t>& tried);

  /** Tells every child that a member's status, tier or retry time changed outside
   *  markInError/markHealthy (the manager, health checks), so eligibility is recomputed. */
  void noteStatusChange() noexcept { statusEpoch_->fetch_add(1, std::memory_order_release); }

  const balancer::StickyConfig& sticky() const noexcept { return sticky_; }
  /** The module's own route cookie as a session (`routecookie`), read after sticky(); its
   *  cookie is empty when that would only repeat sticky(). */
  const balancer::StickyConfig& routeCookieSticky() const noexcept { return routeCookieSticky_; }
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
  std::mutex lbMutex_;  ///< guards lbSlots_: the running credit stays per child
  std::vector<balancer::LbSlot> lbSlots_;
  std::vector<std::string> memberBases_;
  balancer::StickyConfig sticky_;
  balancer::StickyConfig routeCookieSticky_;
  std::vector<std::string_view> routes_;     ///< views into members' configs
  std::vector<std::string_view> redirects_;  ///< likewise
  std::unique_ptr<balancer::RouteMismatchDetector> routeMismatch_;
  std::unique_ptr<shm::MemberRecord> sorryRecord_;  ///< per child: nobody balances to it
  std::unique_ptr<MemberRuntime> sorry_;

  std::vector<balancer::MemberStatusView> statusViews() const;

  /** The eligible members for a first attempt, kept until a member's status changes
   *  (statusEpoch) or a retry timer runs out: picking then reads no other member. */
  struct EligibleCache {
    bool valid = false;
    uint32_t epoch = 0;
    TimePoint validUntil{};
    std::vector<size_t> members;
  };
  EligibleCache eligibleCache_;  ///< guarded by lbMutex_
  std::atomic<uint32_t>* statusEpoch_ = nullptr;
};

/** Every balancer of one configuration generation, by lowercase name. */
class BalancerRegistry {
 public:
  BalancerRuntime* find(std::string_view name) noexcept;
  /** Adds a balancer whose members are bound to their records in `table`. */
  void add(config::BalancerConfig balancer, const shm::MemberTable& table);
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
