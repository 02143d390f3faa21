#include "proxy/forwarder.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "balancer/sticky.h"
#include "config/balancer_url.h"
#include "core/message_ids.h"
#include "core/string_util.h"
#include "http/url_map.h"

namespace cxxb::proxy {
namespace {

/** Counts a request in flight for as long as it lives, so `busy` can never drift. */
class BusyGuard {
 public:
  explicit BusyGuard(std::atomic<uint64_t>& busy) : busy_(busy) {
    busy_.fetch_add(1, std::memory_order_relaxed);
  }
  ~BusyGuard() { busy_.fetch_sub(1, std::memory_order_relaxed); }
  BusyGuard(const BusyGuard&) = delete;
  BusyGuard& operator=(const BusyGuard&) = delete;

 private:
  std::atomic<uint64_t>& busy_;
};

const char* connectStatusText(net::ConnectStatus status) {
  switch (status) {
    case net::ConnectStatus::Refused:
      return "refused the connection";
    case net::ConnectStatus::Unreachable:
      return "is unreachable";
    case net::ConnectStatus::Timeout:
      return "did not accept the connection in time";
    case net::ConnectStatus::ResolveFailed:
      return "could not be resolved";
    default:
      return "could not be connected";
  }
}

/** Splits "/path?query" into the path and "?query" (kept together with the path). */
std::string memberTarget(const config::MemberUrl& url, std::string_view rest) {
  size_t q = rest.find('?');
  std::string_view path = rest.substr(0, q);
  std::string target = http::joinPath(url.path, path);
  if (q != std::string_view::npos) {
    target.append(rest.substr(q));
  }
  return target;
}

/** Sees the response head on its way to the client: the routes of sessions it starts. */
class SessionTap final : public ConsumerTap {
 public:
  explicit SessionTap(net::ResponseConsumer& next) : ConsumerTap(next) {}

  void onMemberChosen(const net::MemberChoice& choice) override {
    sessionRoutes_.clear();
    ConsumerTap::onMemberChosen(choice);
  }
  void onHead(http::ResponseHead&& head) override {
    if (!stickyCookie_.empty()) {
      for (const auto& header : head.headers) {
        if (iequals(header.name, "Set-Cookie")) {
          if (auto route = balancer::routeFromSetCookie(header.value, stickyCookie_, separator_)) {
            sessionRoutes_.push_back(std::move(*route));
          }
        }
      }
    }
    ConsumerTap::onHead(std::move(head));
  }

  void watchSessionCookie(std::string_view cookie, char separator) {
    stickyCookie_ = cookie;
    separator_ = separator;
  }
  const std::vector<std::string>& sessionRoutes() const noexcept { return sessionRoutes_; }

 private:
  std::string stickyCookie_;
  char separator_ = '.';
  std::vector<std::string> sessionRoutes_;
};

constexpr size_t kReplayLimit = 64 * 1024;

std::string_view pathOf(std::string_view rest) { return rest.substr(0, rest.find('?')); }

std::string_view queryOf(std::string_view rest) {
  size_t q = rest.find('?');
  return q == std::string_view::npos ? std::string_view() : rest.substr(q + 1);
}

/** The sticky session: the application's session cookie first, then the route cookie. */
std::optional<balancer::StickyRoute> findSession(net::BalancerRuntime& balancer,
                                                 const ForwardRequest& request) {
  std::vector<std::string_view> cookies;
  for (const auto& header : request.clientHeaders) {
    if (iequals(header.name, "Cookie")) {
      cookies.push_back(header.value);
    }
  }
  for (const auto* sticky : {&balancer.sticky(), &balancer.routeCookieSticky()}) {
    if (sticky->cookie.empty()) {
      continue;
    }
    auto session =
        balancer::findStickyRoute(*sticky, pathOf(request.rest), queryOf(request.rest), cookies);
    if (session && !session->route.empty()) {
      return session;
    }
  }
  return std::nullopt;
}

/** The worse of two ways of failing, for the answer when no member is left. */
ForwardOutcome worse(ForwardOutcome a, ForwardOutcome b) noexcept {
  return a == ForwardOutcome::BadGateway || b == ForwardOutcome::BadGateway
             ? ForwardOutcome::BadGateway
             : ForwardOutcome::Unavailable;
}

constexpr int kNoMember = -1;
constexpr int kStickyRefused = -2;

}  // namespace

bool isIdempotentMethod(std::string_view m) noexcept {
  return m == "GET" || m == "HEAD" || m == "OPTIONS" || m == "TRACE" || m == "PUT" || m == "DELETE";
}

/** The request's sticky session, as far as picking is concerned. */
struct Forwarder::Session {
  std::optional<balancer::StickyRoute> route;
  bool pinned = false;    ///< a member has the session's route
  bool mustStay = false;  ///< stickyforce/nofailover: never another member
  int member = -1;        ///< the session's member now, -1 when it cannot serve
};

ForwardResult Forwarder::forward(net::BalancerRuntime& balancer, ForwardRequest& request,
                                 net::ResponseConsumer& client, std::span<char> buffer) {
  ForwardResult result;
  const Session session = sessionOf(balancer, request);
  if (session.mustStay && session.member < 0) {
    logStickyRefusal(balancer.config(), session.route->route);
    return result;
  }
  SessionTap consumer(client);
  if (!balancer.sticky().cookie.empty()) {  // a route mismatch shows in new sessions
    consumer.watchSessionCookie(balancer.sticky().cookie, balancer.sticky().separator);
  }
  std::unique_ptr<ReplayableBody> body;
  if (request.body != nullptr) {
    body = std::make_unique<ReplayableBody>(*request.body, kReplayLimit);
  }
  const size_t memberCount = balancer.members().size();
  const uint32_t retries =
      balancer.config().maxAttempts.value_or(memberCount > 0 ? uint32_t(memberCount - 1) : 0);
  // No member served: 503 when none could be reached, 502 when one failed without answering.
  ForwardOutcome lastFailure = ForwardOutcome::Unavailable;
  std::vector<size_t> tried;
  for (uint32_t attempt = 0; attempt <= retries; ++attempt) {
    int index = chooseMember(balancer, session, attempt, tried);
    if (index == kStickyRefused) {
      return result;  // never move the session elsewhere; no sorry page either
    }
    if (index == kNoMember) {
      break;
    }
    tried.push_back(size_t(index));
    net::MemberRuntime& member = *balancer.members()[size_t(index)];
    result.member = &member;
    BusyGuard busy(member.busy);
    member.requests.fetch_add(1, std::memory_order_relaxed);
    announce(balancer, member, session, request, consumer);
    AttemptResult outcome = attemptOn(balancer, member, request, body.get(), consumer, buffer);
    Verdict verdict = judge(outcome.facts);
    tellMember(member, verdict, outcome);
    result.headDelivered = outcome.headDelivered;
    if (verdict.outcome == ForwardOutcome::Served) {
      checkSessionRoutes(balancer, member, size_t(index), consumer.sessionRoutes());
    }
    if (!verdict.tryAnother) {
      result.outcome = verdict.outcome;
      return result;
    }
    lastFailure = worse(lastFailure, verdict.outcome);
  }
  logger_.log(LogLevel::Error, "CXB02008",
              "no member of balancer " + balancer.name() + " could serve the request");
  result.outcome = lastFailure;
  if (lastFailure == ForwardOutcome::Unavailable && balancer.sorryMember() != nullptr) {
    return serveSorry(balancer, request, client, buffer);
  }
  return result;
}

Forwarder::Session Forwarder::sessionOf(net::BalancerRuntime& balancer,
                                        const ForwardRequest& request) const {
  const auto& config = balancer.config();
  Session session;
  session.route = findSession(balancer, request);
  session.pinned = session.route && balancer.hasRoute(session.route->route);
  session.mustStay = session.pinned && (config.stickyForce || config.noFailover);
  session.member =
      session.pinned ? balancer.memberForRoute(session.route->route, clock_.now()) : -1;
  return session;
}

void Forwarder::announce(const net::BalancerRuntime& balancer, net::MemberRuntime& member,
                         const Session& session, const ForwardRequest& request,
                         net::ResponseConsumer& consumer) {
  // Who answers, published before the head goes out (BALANCER_* and the route cookie).
  const auto& config = balancer.config();
  const std::string balancerUrl = config::balancerUrlOf(config.name);
  net::MemberChoice choice;
  choice.balancer = balancerUrl;
  choice.member = member.name();
  const std::string_view memberRoute = member.route();
  choice.memberRoute = memberRoute;
  if (session.route) {
    choice.sessionRoute = session.route->route;
    choice.routeChanged = session.route->route != memberRoute;
  }
  std::string routeCookie;
  if (!config.routeCookie.empty() && !memberRoute.empty() &&
      (!session.route || choice.routeChanged)) {
    routeCookie = balancer::makeRouteCookie(config.routeCookie, memberRoute, request.client.tls,
                                            config.stickySeparator);
    choice.setCookie = routeCookie;
  }
  consumer.onMemberChosen(choice);
}

AttemptResult Forwarder::attemptOn(const net::BalancerRuntime& balancer, net::MemberRuntime& member,
                                   ForwardRequest& request, ReplayableBody* body,
                                   net::ResponseConsumer& consumer, std::span<char> buffer) {
  const auto& bconfig = balancer.config();
  const auto& mconfig = member.config();
  AttemptRequest spec;
  spec.request = &request;
  const std::string target = memberTarget(mconfig.url, request.rest);
  std::string head;
  if (mconfig.url.scheme == config::Scheme::Ajp) {
    spec.target = target;
  } else {
    request.context.memberHost = mconfig.url.hostHeader();
    head = http::serializeRequestHead(
        http::buildMemberRequest(request.method, target, request.clientHeaders, request.context));
    spec.httpHead = head;
  }
  spec.body = body;
  spec.idempotent = request.idempotent;
  spec.headRequest = request.method == "HEAD";
  spec.chunkedBody = request.context.chunkedBody;
  spec.failOnTimeout = bconfig.failOnTimeout;
  spec.ioTimeout = mconfig.timeout.value_or(request.defaultTimeout);
  spec.connectTimeout = mconfig.connectTimeout.value_or(spec.ioTimeout);
  AttemptResult outcome = runAttempt(member, spec, consumer, buffer, connector_, clock_, logger_);
  outcome.facts.failOnStatus = std::find(bconfig.failOnStatus.begin(), bconfig.failOnStatus.end(),
                                         outcome.facts.status) != bconfig.failOnStatus.end();
  return outcome;
}

int Forwarder::chooseMember(net::BalancerRuntime& balancer, const Session& session,
                            uint32_t attempt, const std::vector<size_t>& tried) {
  if (attempt == 0 && session.member >= 0) {
    return session.member;
  }
  if (attempt > 0 && session.pinned) {
    // The session's member failed just now: its redirect= member, if any, takes over.
    int next = balancer.memberForRoute(session.route->route, clock_.now());
    if (next >= 0 && std::find(tried.begin(), tried.end(), size_t(next)) == tried.end()) {
      return next;
    }
    if (session.mustStay) {
      logStickyRefusal(balancer.config(), session.route->route);
      logger_.log(LogLevel::Error, "CXB02008",
                  "no member of balancer " + balancer.name() + " could serve the request");
      return kStickyRefused;
    }
  }
  int picked = balancer.pick(clock_.now(), tried);
  return picked >= 0 ? picked : kNoMember;
}

void Forwarder::tellMember(net::MemberRuntime& member, const Verdict& verdict,
                           const AttemptResult& attempt) {
  const Millis ioTimeout = attempt.ioTimeout;
  balancer::Transition transition;
  if (verdict.memberEvent) {
    transition = member.onEvent(*verdict.memberEvent, clock_);
  }
  const std::string& name = member.name();
  // Built only for the lines that use them: the answered path is the hot one.
  const auto inError = [&member] {
    return "; in error for " + std::to_string(member.config().retry.count()) + " s";
  };
  const auto detail = [&attempt] { return " (" + attempt.detail + ")"; };
  switch (attempt.facts.end) {
    case AttemptEnd::Answered:
      member.recordLatency(attempt.toHead);
      if (!attempt.refusal.empty()) {  // AJP: a wrong secret= (the 403 was relayed)
        logger_.log(LogLevel::Error, "CXB02202", "member " + name + ": " + attempt.refusal);
      }
      if (transition.enteredError()) {
        logger_.log(LogLevel::Error, "CXB02011",
                    "member " + name + " answered " + std::to_string(attempt.facts.status) +
                        ", listed in failonstatus" + inError());
      } else if (transition.leftError()) {
        logger_.log(LogLevel::Info, msg::kMemberBackInRotation,
                    "member " + name + " answered again; back in rotation");
      }
      return;
    case AttemptEnd::NoFreeConnection:
      logger_.log(LogLevel::Error, "CXB02003",
                  "member " + name + " has no free connection (max reached); trying another");
      return;
    case AttemptEnd::ConnectFailed:
      if (transition.enteredError()) {
        logger_.log(LogLevel::Error, "CXB02001",
                    "member " + name + " " + connectStatusText(attempt.connectStatus) + detail() +
                        inError());
      }
      return;
    case AttemptEnd::TlsFailed:
      if (transition.enteredError()) {
        logger_.log(LogLevel::Error, "CXB02015",
                    "member " + name + ": " + attempt.detail + inError());
      }
      return;
    case AttemptEnd::PingFailed:
      if (transition.enteredError()) {
        logger_.log(LogLevel::Error, "CXB02201",
                    "member " + name + " did not answer CPING within " +
                        std::to_string(member.config().ping.value_or(Millis(0)).count()) + " ms" +
                        detail() + inError());
      }
      return;
    case AttemptEnd::SendFailed:
    case AttemptEnd::NoResponse:
      if (transition.enteredError()) {
        logger_.log(LogLevel::Error, "CXB02004",
                    "member " + name + " failed before answering" + detail() + inError());
      }
      return;
    case AttemptEnd::Timeout:
      if (transition.enteredError()) {
        logger_.log(LogLevel::Error, "CXB02010",
                    "member " + name + " did not answer within " +
                        std::to_string(ioTimeout.count()) + " ms (failontimeout)" + inError());
      } else {
        logger_.log(LogLevel::Error, "CXB02005",
                    "member " + name + " did not answer within " +
                        std::to_string(ioTimeout.count()) + " ms");
      }
      return;
    case AttemptEnd::BadResponse:
      logger_.log(LogLevel::Error, "CXB02006",
                  "member " + name + " sent a malformed response: " + attempt.detail);
      return;
    case AttemptEnd::Truncated:
      logger_.log(LogLevel::Error, "CXB02007",
                  "member " + name + " closed the connection mid-response" + detail() +
                      "; aborting the client connection");
      return;
    case AttemptEnd::ClientFailed:
      if (member.config().url.scheme == config::Scheme::Ajp && !attempt.detail.empty()) {
        // AJP: a request or body refused, not sent
        logger_.log(LogLevel::Warn, "CXB02203",
                    "request to member " + name + " refused: " + attempt.detail);
      }
      return;
  }
}

ForwardResult Forwarder::serveSorry(net::BalancerRuntime& balancer, const ForwardRequest& request,
                                    net::ResponseConsumer& consumer, std::span<char> buffer) {
  // The maintenance page comes from the sorry URL itself: the client's path and query never
  // reach it, and the client's URL stays as it is (F5 works once the service is back).
  ForwardResult result;
  result.outcome = ForwardOutcome::Unavailable;
  net::MemberRuntime& sorry = *balancer.sorryMember();
  const auto& url = sorry.config().url;
  net::MemberChoice choice;
  const std::string balancerUrl = config::balancerUrlOf(balancer.name());
  choice.balancer = balancerUrl;
  choice.member = sorry.name();
  choice.sorry = true;
  choice.retryAfter = balancer.retryAfterSeconds(clock_.now());
  consumer.onMemberChosen(choice);

  http::ForwardContext context = request.context;
  context.contentLength.reset();
  context.chunkedBody = false;
  context.expectContinue = false;
  context.preserveHost = false;
  context.memberHost = url.hostHeader();
  const bool headRequest = request.method == "HEAD";
  std::string head = http::serializeRequestHead(http::buildMemberRequest(
      headRequest ? "HEAD" : "GET", memberTarget(url, ""), request.clientHeaders, context));
  AttemptRequest spec;
  spec.request = &request;
  spec.httpHead = head;
  spec.idempotent = true;
  spec.headRequest = headRequest;
  spec.ioTimeout = sorry.config().timeout.value_or(request.defaultTimeout);
  spec.connectTimeout = sorry.config().connectTimeout.value_or(spec.ioTimeout);
  AttemptResult outcome = runAttempt(sorry, spec, consumer, buffer, connector_, clock_, logger_);
  result.headDelivered = outcome.headDelivered;
  switch (outcome.facts.end) {
    case AttemptEnd::Answered:
      result.outcome = ForwardOutcome::Sorry;
      break;
    case AttemptEnd::NoFreeConnection:
      break;
    case AttemptEnd::ConnectFailed:
    case AttemptEnd::TlsFailed:
      logger_.log(LogLevel::Error, "CXB02014",
                  "sorry page " + sorry.name() + " is unreachable too (" + outcome.detail + ")");
      break;
    default:
      logger_.log(LogLevel::Error, "CXB02014",
                  "sorry page " + sorry.name() + " failed: " + outcome.detail);
      break;
  }
  return result;
}

void Forwarder::logStickyRefusal(const config::BalancerConfig& balancer, std::string_view route) {
  logger_.log(LogLevel::Error, "CXB02012",
              "the member of session route " + std::string(route) + " in balancer " +
                  balancer.name + " cannot serve, and " +
                  (balancer.stickyForce ? "stickyforce" : "nofailover") + " is on: 503");
}

void Forwarder::checkSessionRoutes(net::BalancerRuntime& balancer, net::MemberRuntime& member,
                                   size_t index, const std::vector<std::string>& sessionRoutes) {
  for (const auto& route : sessionRoutes) {
    if (auto warning =
            balancer.routeMismatch().observe(index, member.name(), member.route(), route)) {
      logger_.log(LogLevel::Warn, "CXB02301", *warning);
    }
  }
}

}  // namespace cxxb::proxy
