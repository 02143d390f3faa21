#include "net/balancer_runtime.h"

#include <algorithm>
#include <stdexcept>

#include "balancer/selector.h"
#include "config/settings.h"
#include "core/string_util.h"

namespace cxxb::net {
namespace {

int64_t toNs(TimePoint t) noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

TimePoint fromNs(int64_t ns) noexcept { return TimePoint(std::chrono::nanoseconds(ns)); }

}  // namespace

MemberRuntime::MemberRuntime(config::MemberConfig member)
    : config_(std::move(member)), name_(config_.url.text()) {
  status.store(config_.status, std::memory_order_relaxed);
}

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
    auto resolved = resolve(config_.url.host, config_.url.port, error);
    if (resolved.empty()) {
      return addresses_;  // keep using the last good answer while DNS is failing
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

bool MemberRuntime::markInError(TimePoint now) {
  if ((status.load(std::memory_order_relaxed) & config::kStatusIgnoreErrors) != 0) {
    return false;
  }
  retryAtNs.store(toNs(now + config_.retry), std::memory_order_relaxed);
  uint32_t before = status.fetch_or(config::kStatusInError, std::memory_order_acq_rel);
  return (before & config::kStatusInError) == 0;
}

void MemberRuntime::markHealthy() noexcept {
  if (status.load(std::memory_order_relaxed) & config::kStatusInError) {
    status.fetch_and(~uint32_t(config::kStatusInError), std::memory_order_acq_rel);
  }
}

void MemberRuntime::recordLatency(std::chrono::nanoseconds took) noexcept {
  auto sample = uint64_t(
      std::max<int64_t>(1, std::chrono::duration_cast<std::chrono::microseconds>(took).count()));
  uint64_t old = latencyEwmaUs.load(std::memory_order_relaxed);
  // Races between threads lose a sample now and then; an average does not need more.
  uint64_t next = old == 0 ? sample : old - old / 8 + sample / 8;
  latencyEwmaUs.store(next, std::memory_order_relaxed);
}

bool MemberRuntime::usableNow(TimePoint now) const noexcept {
  uint32_t flags = status.load(std::memory_order_relaxed);
  if ((flags & (config::kStatusDisabled | config::kStatusStopped)) != 0) {
    return false;
  }
  return (flags & config::kStatusInError) == 0 ||
         now >= fromNs(retryAtNs.load(std::memory_order_relaxed));
}

BalancerRuntime::BalancerRuntime(config::BalancerConfig balancer) : config_(std::move(balancer)) {
  method_ = balancer::makeLbMethod(config_.lbMethod);
  if (!method_) {
    method_ = balancer::makeLbMethod("byrequests");
  }
  for (const auto& member : config_.members) {
    members_.push_back(std::make_unique<MemberRuntime>(member));
    balancer::LbSlot slot;
    slot.loadFactor = member.loadFactor;
    lbSlots_.push_back(slot);
    std::string base = member.url.origin();
    base += member.url.path.empty() ? "/" : member.url.path;
    memberBases_.push_back(std::move(base));
  }
  for (const auto& member : members_) {
    routes_.push_back(member->config().route);
    redirects_.push_back(member->config().redirect);
  }
  routeMismatch_ = std::make_unique<balancer::RouteMismatchDetector>(members_.size());
  // routecookie without stickysession: the module's own cookie is the session.
  sticky_.cookie = config_.stickyCookie.empty() ? config_.routeCookie : config_.stickyCookie;
  sticky_.urlParam = config_.stickyCookie.empty() ? std::string() : config_.stickyUrlParam;
  sticky_.separator = config_.stickySeparator;
  sticky_.scolonPathDelim = config_.scolonPathDelim;
  if (config_.sorry.rfind("http://", 0) == 0 || config_.sorry.rfind("https://", 0) == 0) {
    auto url = config::parseMemberUrl(config_.sorry);
    if (url) {
      config::MemberConfig sorry;
      sorry.url = std::move(*url);
      sorry_ = std::make_unique<MemberRuntime>(std::move(sorry));
    }
  }
}

std::vector<balancer::MemberStatusView> BalancerRuntime::statusViews() const {
  std::vector<balancer::MemberStatusView> views;
  views.reserve(members_.size());
  for (const auto& member : members_) {
    balancer::MemberStatusView view;
    view.lbset = member->config().lbset;
    view.status = member->status.load(std::memory_order_relaxed);
    view.retryAt = fromNs(member->retryAtNs.load(std::memory_order_relaxed));
    views.push_back(view);
  }
  return views;
}

int BalancerRuntime::memberForRoute(std::string_view route, TimePoint now) {
  auto views = statusViews();
  auto index = balancer::memberForRoute(views, routes_, redirects_, route, now);
  return index ? static_cast<int>(*index) : -1;
}

bool BalancerRuntime::hasRoute(std::string_view route) const noexcept {
  return !route.empty() && std::find(routes_.begin(), routes_.end(), route) != routes_.end();
}

uint32_t BalancerRuntime::retryAfterSeconds(TimePoint now) const {
  int64_t soonest = -1;
  int64_t shortestRetry = -1;
  for (const auto& member : members_) {
    int64_t retry = member->config().retry.count();
    shortestRetry = shortestRetry < 0 ? retry : std::min(shortestRetry, retry);
    if (member->status.load(std::memory_order_relaxed) & config::kStatusInError) {
      auto left = std::chrono::duration_cast<Seconds>(
                      fromNs(member->retryAtNs.load(std::memory_order_relaxed)) - now)
                      .count();
      soonest = soonest < 0 ? left : std::min(soonest, left);
    }
  }
  int64_t seconds = soonest >= 0 ? soonest : shortestRetry;
  return uint32_t(std::max<int64_t>(seconds, 1));
}

int BalancerRuntime::pick(TimePoint now, const std::vector<size_t>& tried) {
  auto views = statusViews();
  balancer::SelectOptions options;
  options.forceRecovery = config_.forceRecovery;
  auto eligible = balancer::eligibleMembers(views, now, tried, options);
  if (eligible.empty()) {
    return -1;
  }
  std::lock_guard<std::mutex> lock(lbMutex_);
  for (size_t i = 0; i < members_.size(); ++i) {
    lbSlots_[i].busy = members_[i]->busy.load(std::memory_order_relaxed);
    lbSlots_[i].latencyUs = members_[i]->latencyEwmaUs.load(std::memory_order_relaxed);
    lbSlots_[i].transferred = members_[i]->bytesSent.load(std::memory_order_relaxed) +
                              members_[i]->bytesReceived.load(std::memory_order_relaxed);
  }
  return static_cast<int>(method_->pick(lbSlots_, eligible));
}

void BalancerRuntime::initChild(uint32_t threadsPerChild, const Clock& clock) {
  for (auto& member : members_) {
    member->initChild(threadsPerChild, clock);
  }
  if (sorry_) {
    sorry_->initChild(threadsPerChild, clock);
  }
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
  auto it = balancers_.find(toLower(name));
  return it == balancers_.end() ? nullptr : it->second.get();
}

void BalancerRegistry::add(config::BalancerConfig balancer) {
  std::string key = toLower(balancer.name);
  balancers_[key] = std::make_unique<BalancerRuntime>(std::move(balancer));
}

void BalancerRegistry::initChild(uint32_t threadsPerChild, const Clock& clock) {
  for (auto& [name, balancer] : balancers_) {
    balancer->initChild(threadsPerChild, clock);
  }
}

}  // namespace cxxb::net
