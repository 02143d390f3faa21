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
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "balancer/lb_method.h"
#include "balancer/member_state.h"
#include "balancer/selector.h"
#include "balancer/sticky.h"
#include "config/balancer_config.h"
#include "core/clock.h"
#include "core/string_util.h"
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
  /** route= and redirect= as the shared record has them now (the manager may change them
   *  in any child). */
  std::string_view route() const noexcept { return shm::textOf(record_.route); }
  std::string_view redirect() const noexcept { return shm::textOf(record_.redirect); }

  /** The shared record: every child's view of this member. */
  shm::MemberRecord& record() const noexcept { return record_; }

  // Bound to the fields of record() of the same names. Status, retry time and failures are
  // read-only here: onEvent() is their one writer.
  const std::atomic<uint32_t>& status;    ///< config::StatusFlag bits
  const std::atomic<int64_t>& retryAtNs;  ///< steady-clock time it may be tried again
  std::atomic<uint64_t>& requests;        ///< requests sent (elected)
  const std::atomic<uint64_t>& failures;  ///< connection and protocol failures
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
   * Tells the member's state (balancer/member_state.h, the one writer of its status, retry
   * time and failure counter) what happened.
   * @return the transition it caused: exactly one caller server-wide sees each one
   */
  balancer::Transition onEvent(const balancer::MemberEvent& event, const Clock& clock) noexcept;
  /** Folds a successful request's duration into the shared latency average. */
  void recordLatency(std::chrono::microseconds elapsed) noexcept;

  /** The balancer's status epoch, bumped on every status change of this member. */
  void bindStatusEpoch(std::atomic<uint32_t>& epoch) noexcept { statusEpoch_ = &epoch; }

  /** balancer::usableNow() of the shared record. */
  bool usableNow(TimePoint now) const noexcept { return balancer::usableNow(record_, now); }

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
  /** The members bound so far: the configured ones, then those added at run time into the
   *  balancer's `growth` records (picked up by pick()). Safe to read while another thread
   *  binds: the storage never moves and the count is published with release order. */
  std::span<const std::unique_ptr<MemberRuntime>> members() const noexcept {
    return {members_.get(), memberCount_.load(std::memory_order_acquire)};
  }

  /**
   * Picks a member for a new request, skipping `tried`.
   * @return index into members(), or -1 when no member can serve
   */
  int pick(TimePoint now, const std::vector<size_t>& tried);

  /** Tells every child that a member's status, tier or retry time changed outside
   *  onEvent() (the manager, health checks), so eligibility is recomputed. */
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

  using MemberBases = std::shared_ptr<const std::vector<std::string>>;
  /** Absolute base URLs of every member, for mapping Location headers back; a snapshot that
   *  stays valid while members are added. */
  MemberBases memberBases() const;

  void initChild(uint32_t threadsPerChild, const Clock& clock);

 private:
  /** Binds one record as member members().size(). Caller holds lbMutex_ (or is the
   *  constructor). */
  void bind(config::MemberConfig member, shm::MemberRecord& record);
  /** Binds members another child (the manager) added to the shared table since the last
   *  call: cheap when the balancer's structural epoch did not move. pick() calls it,
   *  holding lbMutex_. */
  void bindAddedMembers();

  config::BalancerConfig config_;
  const shm::MemberTable* table_ = nullptr;
  shm::BalancerRecord* record_ = nullptr;
  uint32_t capacity_ = 0;  ///< configured members + growth: the size of members_
  std::unique_ptr<std::unique_ptr<MemberRuntime>[]> members_;
  std::atomic<size_t> memberCount_{0};
  uint32_t structuralEpoch_ = 0;  ///< the record's epoch when last bound; guarded by lbMutex_
  uint32_t threadsPerChild_ = 0;  ///< set by initChild(): members bound later get pools too
  const Clock* clock_ = nullptr;
  balancer::LbMethodPtr method_;
  std::mutex lbMutex_;  ///< guards lbSlots_: the running credit stays per child
  std::vector<balancer::LbSlot> lbSlots_;
  mutable std::mutex basesMutex_;
  MemberBases memberBases_;  ///< guarded by basesMutex_
  balancer::StickyConfig sticky_;
  balancer::StickyConfig routeCookieSticky_;
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

/** Orders names as their ASCII-lowercase forms do: a lookup needs no lowercase copy. */
struct CaseInsensitiveLess {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const noexcept {
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
      return asciiLower(x) < asciiLower(y);
    });
  }
};

/** Every balancer of one configuration generation, by name (case-insensitive). */
class BalancerRegistry {
 public:
  using Map = std::map<std::string, std::unique_ptr<BalancerRuntime>, CaseInsensitiveLess>;

  BalancerRuntime* find(std::string_view name) noexcept;
  /** Adds a balancer whose members are bound to their records in `table`. */
  void add(config::BalancerConfig balancer, const shm::MemberTable& table);
  void initChild(uint32_t threadsPerChild, const Clock& clock);
  /** MemberRuntime::initTls() for every https member and sorry= URL.
   *  @return one message per failure: "BalancerMember URL (file:line): reason" */
  std::vector<std::string> initTls();
  Map& all() noexcept { return balancers_; }

 private:
  Map balancers_;
};

}  // namespace cxxb::net
