#include "net/balancer_runtime.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "balancer/selector.h"
#include "config/settings.h"
#include "core/random.h"
#include "core/string_util.h"

namespace cxxb::net {

MemberRuntime::MemberRuntime(config::MemberConfig member, shm::MemberRecord& record)
    : status(record.status),
      retryAtNs(record.retryAtNs),
      requests(record.requests),
      failures(record.failures),
      bytesSent(record.bytesSent),
      bytesReceived(record.bytesReceived),
      busy(record.busy),
      record_(record),
      config_(std::move(member)),
      name_(config_.url.text()) {}

void MemberRuntime::initChild(uint32_t threadsPerChild, const Clock& clock) {
  PoolLimits limits;
  limits.max = config_.max.value_or(std::max<uint32_t>(threadsPerChild, 1));
  limits.smax = config_.smax.value_or(limits.max);
  limits.ttl = config_.ttl;
  limits.disableReuse = config_.disableReuse;
  pool_ = std::make_unique<ConnectionPool>(limits, clock);
  (void)initTls();  // a failure is kept in tlsError_ and reported by secure()
}

// --- TLS to https members -------------------------------------------------------------

Result<void> MemberRuntime::initTls() {
  if (config_.url.scheme != config::Scheme::Https || tls_) {
    return {};
  }
  auto context = TlsClientContext::create(TlsSettings::forMember(config_));
  if (!context) {
    tlsError_ = context.error();
    return unexpected(tlsError_);
  }
  tls_ = std::move(*context);
  tlsError_.clear();
  return {};
}

Result<TransportPtr> MemberRuntime::secure(TransportPtr tcp, Millis timeout) {
  if (config_.url.scheme != config::Scheme::Https) {
    return tcp;
  }
  if (!tls_) {
    return unexpected("TLS settings unusable: " +
                      (tlsError_.empty() ? std::string("not initialised") : tlsError_));
  }
  return tls_->secure(std::move(tcp), timeout);
}

std::vector<ResolvedAddress> MemberRuntime::addresses(TimePoint now, std::string& error) {
  std::lock_guard<std::mutex> lock(addressMutex_);
  bool fresh = !addresses_.empty() &&
               (config_.addressTtl.count() == 0 || now - resolvedAt_ < config_.addressTtl);
  if (!fresh) {
    auto resolved = resolver_(config_.url.host, config_.url.port, error);
    if (resolved.empty()) {
      return addresses_;  // keep using the last good answer while DNS is failing
    }
    // Another set of addresses (not merely another order: DNS rotates them) means the old
    // ones may be gone: pooled connections to them are retired, new ones go to the new set.
    auto ips = [](const std::vector<ResolvedAddress>& list) {
      std::vector<std::string> out;
      for (const auto& address : list) {
        out.push_back(address.ip);
      }
      std::sort(out.begin(), out.end());
      return out;
    };
    if (!addresses_.empty() && ips(addresses_) != ips(resolved) && pool_) {
      pool_->retire();
    }
    addresses_ = std::move(resolved);
    resolvedAt_ = now;
  }
  return addresses_;
}

void MemberRuntime::forgetAddresses() {
  std::lock_guard<std::mutex> lock(addressMutex_);
  resolvedAt_ = TimePoint{};
}

balancer::Transition MemberRuntime::onEvent(const balancer::MemberEvent& event,
                                            const Clock& clock) noexcept {
  // The wall clock is for the manager's "in error since" (slot_layout.h explains the clocks).
  return balancer::MemberState(record_, config_.retry, statusEpoch_)
      .onEvent(event, clock.now(), clock.wallNowNs());
}

void MemberRuntime::recordLatency(std::chrono::microseconds elapsed) noexcept {
  shm::recordLatency(record_, uint64_t(std::max<int64_t>(elapsed.count(), 0)));
}

BalancerRuntime::BalancerRuntime(config::BalancerConfig balancer, const shm::MemberTable& table)
    : config_(std::move(balancer)), table_(&table) {
  method_ = balancer::makeLbMethod(config_.lbMethod);
  if (!method_) {
    method_ = balancer::makeLbMethod("byrequests");
  }
  auto index = table.findBalancer(config_.name);
  if (!index) {
    throw std::runtime_error("balancer " + config_.name + " has no shared-memory record");
  }
  record_ = &table.balancer(*index);
  statusEpoch_ = &record_->statusEpoch;
  structuralEpoch_ = record_->structuralEpoch.load(std::memory_order_acquire);
  std::span<shm::MemberRecord> records = table.members(*record_);
  if (records.size() != config_.members.size()) {
    throw std::runtime_error("balancer " + config_.name + " has " + std::to_string(records.size()) +
                             " shared-memory records for " +
                             std::to_string(config_.members.size()) + " members");
  }
  capacity_ = std::max<uint32_t>(record_->capacity, uint32_t(records.size()));
  members_ = std::make_unique<std::unique_ptr<MemberRuntime>[]>(capacity_);
  memberBases_ = std::make_shared<const std::vector<std::string>>();
  for (size_t i = 0; i < config_.members.size(); ++i) {
    bind(config_.members[i], records[i]);
  }
  routeMismatch_ = std::make_unique<balancer::RouteMismatchDetector>(capacity_);
  sticky_ = balancer::stickyConfigFrom(config_);
  if (!config_.routeCookie.empty() && config_.routeCookie != sticky_.cookie) {
    routeCookieSticky_.cookie = config_.routeCookie;
    routeCookieSticky_.separator = config_.stickySeparator;
  }
  if (config::sorryKindOf(config_.sorry) == config::SorryKind::Url) {
    auto url = config::parseMemberUrl(config_.sorry);
    if (url) {
      config::MemberConfig sorry;
      sorry.url = std::move(*url);
      sorryRecord_ = std::make_unique<shm::MemberRecord>();
      sorry_ = std::make_unique<MemberRuntime>(std::move(sorry), *sorryRecord_);
    }
  }
}

void BalancerRuntime::bind(config::MemberConfig member, shm::MemberRecord& record) {
  size_t index = memberCount_.load(std::memory_order_relaxed);
  if (index >= capacity_) {
    return;  // the table is never larger than the capacity it was made with
  }
  balancer::LbSlot slot;
  slot.loadFactor = member.loadFactor;
  lbSlots_.push_back(slot);
  auto bases = std::make_shared<std::vector<std::string>>(*memberBases());
  std::string base = member.url.origin();
  base += member.url.path.empty() ? "/" : member.url.path;
  bases->push_back(std::move(base));
  auto runtime = std::make_unique<MemberRuntime>(std::move(member), record);
  runtime->bindStatusEpoch(*statusEpoch_);
  if (clock_ != nullptr) {
    runtime->initChild(threadsPerChild_, *clock_);
  }
  members_[index] = std::move(runtime);
  {
    std::lock_guard<std::mutex> lock(basesMutex_);
    memberBases_ = std::move(bases);
  }
  memberCount_.store(index + 1, std::memory_order_release);
}

void BalancerRuntime::bindAddedMembers() {
  uint32_t epoch = record_->structuralEpoch.load(std::memory_order_acquire);
  if (epoch == structuralEpoch_) {
    return;
  }
  structuralEpoch_ = epoch;
  std::span<shm::MemberRecord> records = table_->members(*record_);
  for (size_t i = memberCount_.load(std::memory_order_relaxed); i < records.size(); ++i) {
    shm::MemberRecord& record = records[i];
    auto url = config::parseMemberUrl(shm::textOf(record.url));
    if (!url) {
      continue;  // written by this module's addMember(): cannot happen; never bind garbage
    }
    config::MemberConfig member;
    member.url = std::move(*url);
    member.route = std::string(shm::textOf(record.route));
    member.redirect = std::string(shm::textOf(record.redirect));
    member.loadFactor = record.loadFactor.load(std::memory_order_relaxed);
    member.lbset = record.lbset.load(std::memory_order_relaxed);
    member.status = record.status.load(std::memory_order_relaxed);
    bind(std::move(member), record);
  }
  eligibleCache_.valid = false;
}

BalancerRuntime::MemberBases BalancerRuntime::memberBases() const {
  std::lock_guard<std::mutex> lock(basesMutex_);
  return memberBases_;
}

std::vector<balancer::MemberStatusView> BalancerRuntime::statusViews() const {
  std::vector<balancer::MemberStatusView> views;
  auto members = this->members();
  views.reserve(members.size());
  for (const auto& member : members) {
    balancer::MemberStatusView view;
    view.lbset =
        member->record().lbset.load(std::memory_order_relaxed);  // the manager may change it
    view.status = member->status.load(std::memory_order_relaxed);
    view.retryAt = balancer::retryAtOf(member->record());
    views.push_back(view);
  }
  return views;
}

int BalancerRuntime::memberForRoute(std::string_view route, TimePoint now) {
  auto views = statusViews();
  // Routes and redirects as the shared records have them: the manager may change them.
  std::vector<std::string_view> routes;
  std::vector<std::string_view> redirects;
  for (const auto& member : members().first(views.size())) {
    routes.push_back(member->route());
    redirects.push_back(member->redirect());
  }
  auto index = balancer::memberForRoute(views, routes, redirects, route, now);
  return index ? static_cast<int>(*index) : -1;
}

bool BalancerRuntime::hasRoute(std::string_view route) const noexcept {
  if (route.empty()) {
    return false;
  }
  for (const auto& member : members()) {
    if (member->route() == route) {
      return true;
    }
  }
  return false;
}

uint32_t BalancerRuntime::retryAfterSeconds(TimePoint now) const {
  int64_t soonest = -1;
  int64_t shortestRetry = -1;
  for (const auto& member : members()) {
    int64_t retry = member->config().retry.count();
    shortestRetry = shortestRetry < 0 ? retry : std::min(shortestRetry, retry);
    if (member->status.load(std::memory_order_relaxed) & config::kStatusInError) {
      auto left =
          std::chrono::duration_cast<Seconds>(balancer::retryAtOf(member->record()) - now).count();
      soonest = soonest < 0 ? left : std::min(soonest, left);
    }
  }
  int64_t seconds = soonest >= 0 ? soonest : shortestRetry;
  return uint32_t(std::max<int64_t>(seconds, 1));
}

namespace {

/** The live counters of the members, as the lbmethods read them. */
class SharedSlots final : public balancer::SlotSource {
 public:
  explicit SharedSlots(std::span<const std::unique_ptr<MemberRuntime>> members)
      : members_(members) {}
  void refresh(size_t index, balancer::LbSlot& slot) noexcept override {
    const MemberRuntime& member = *members_[index];
    const shm::MemberRecord& record = member.record();
    slot.loadFactor = record.loadFactor.load(std::memory_order_relaxed);
    slot.busy = member.busy.load(std::memory_order_relaxed);
    slot.latencyUs = record.latencyEwmaUs.load(std::memory_order_relaxed);
    slot.transferred = member.bytesSent.load(std::memory_order_relaxed) +
                       member.bytesReceived.load(std::memory_order_relaxed);
  }

 private:
  std::span<const std::unique_ptr<MemberRuntime>> members_;
};

}  // namespace

int BalancerRuntime::pick(TimePoint now, const std::vector<size_t>& tried) {
  balancer::SelectOptions options;
  options.forceRecovery = config_.forceRecovery;
  std::lock_guard<std::mutex> lock(lbMutex_);
  bindAddedMembers();
  SharedSlots source(members());
  if (!tried.empty()) {
    // A failover: rare, so no cache; the members already tried are left out.
    auto eligible = balancer::eligibleMembers(statusViews(), now, tried, options);
    if (eligible.empty()) {
      return -1;
    }
    return static_cast<int>(method_->pickLive(lbSlots_, eligible, source));
  }
  // The epoch is read before the statuses: a change in between leaves the cache already
  // stale for the next pick, never wrongly fresh.
  uint32_t epoch = statusEpoch_->load(std::memory_order_acquire);
  EligibleCache& cache = eligibleCache_;
  if (!cache.valid || cache.epoch != epoch || now >= cache.validUntil) {
    auto views = statusViews();
    balancer::eligibleMembers(views, now, {}, options, cache.members);
    cache.validUntil = TimePoint::max();
    for (const auto& view : views) {
      if ((view.status & config::kStatusInError) != 0 && view.retryAt > now) {
        cache.validUntil = std::min(cache.validUntil, view.retryAt);
      }
    }
    cache.epoch = epoch;
    cache.valid = true;
  }
  if (cache.members.empty()) {
    return -1;
  }
  return static_cast<int>(method_->pickLive(lbSlots_, cache.members, source));
}

void BalancerRuntime::initChild(uint32_t threadsPerChild, const Clock& clock) {
  threadsPerChild_ = threadsPerChild;
  clock_ = &clock;
  for (const auto& member : members()) {
    member->initChild(threadsPerChild, clock);
  }
  if (sorry_) {
    sorry_->initChild(threadsPerChild, clock);
  }
  // Methods are built before the fork: without a new seed every child would draw the
  // same random sequence.
  method_->reseed(freshSeed());
}

std::vector<std::string> BalancerRegistry::initTls() {
  std::vector<std::string> errors;
  auto build = [&errors](MemberRuntime& member, const char* what) {
    if (auto ok = member.initTls(); !ok) {
      const auto& where = member.config().where;
      std::string place = where.file.empty()
                              ? std::string()
                              : " (" + where.file + ":" + std::to_string(where.line) + ")";
      errors.push_back(what + member.name() + place + ": " + ok.error());
    }
  };
  for (auto& [name, balancer] : balancers_) {
    for (auto& member : balancer->members()) {
      build(*member, "BalancerMember ");
    }
    if (MemberRuntime* sorry = balancer->sorryMember()) {
      build(*sorry, "sorry=");
    }
  }
  return errors;
}

BalancerRuntime* BalancerRegistry::find(std::string_view name) noexcept {
  auto it = balancers_.find(name);
  return it == balancers_.end() ? nullptr : it->second.get();
}

void BalancerRegistry::add(config::BalancerConfig balancer, const shm::MemberTable& table) {
  std::string key = toLower(balancer.name);
  balancers_[key] = std::make_unique<BalancerRuntime>(std::move(balancer), table);
}

void BalancerRegistry::initChild(uint32_t threadsPerChild, const Clock& clock) {
  for (auto& [name, balancer] : balancers_) {
    balancer->initChild(threadsPerChild, clock);
  }
}

}  // namespace cxxb::net
