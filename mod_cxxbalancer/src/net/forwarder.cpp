#include "net/forwarder.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "balancer/sticky.h"
#include "core/string_util.h"

#include "http/url_map.h"
#include "net/ajp_exchange.h"

namespace cxxb::net {
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

/** host[:port] as a Host header names the member: its origin without the scheme. */
std::string hostHeaderFor(const config::MemberUrl& url) {
  std::string origin = url.origin();
  return origin.substr(origin.find("://") + 3);
}

const char* connectStatusText(ConnectStatus status) {
  switch (status) {
    case ConnectStatus::Refused:
      return "refused the connection";
    case ConnectStatus::Unreachable:
      return "is unreachable";
    case ConnectStatus::Timeout:
      return "did not accept the connection in time";
    case ConnectStatus::ResolveFailed:
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

}  // namespace

bool isIdempotentMethod(std::string_view m) noexcept {
  return m == "GET" || m == "HEAD" || m == "OPTIONS" || m == "TRACE" || m == "PUT" || m == "DELETE";
}

namespace {

/**
 * Keeps the request body it passes on, up to a limit, so an idempotent request can be sent
 * again to another member after the first failed before answering. Past the limit the body
 * is no longer replayable and the request is never sent twice.
 */
class ReplayableBody final : public RequestBody {
 public:
  ReplayableBody(RequestBody& source, size_t limit) : source_(source), limit_(limit) {}

  Piece next() override {
    if (replaying_) {
      if (replayPos_ < kept_.size()) {
        std::string_view piece(kept_);
        piece = piece.substr(replayPos_);
        replayPos_ = kept_.size();
        return {Status::Data, piece};
      }
      replaying_ = false;
      if (sourceDone_) {
        return {Status::End, {}};
      }
    }
    Piece piece = source_.next();
    if (piece.status == Status::End) {
      sourceDone_ = true;
    } else if (piece.status == Status::Data && replayable_) {
      if (kept_.size() + piece.data.size() <= limit_) {
        kept_.append(piece.data);
      } else {
        replayable_ = false;
        kept_.clear();
      }
    }
    return piece;
  }

  /** Rewinds for another member. @return false when the body can no longer be replayed. */
  bool rewind() {
    if (!replayable_) {
      return false;
    }
    replaying_ = true;
    replayPos_ = 0;
    return true;
  }

 private:
  RequestBody& source_;
  size_t limit_;
  std::string kept_;
  size_t replayPos_ = 0;
  bool replayable_ = true;
  bool replaying_ = false;
  bool sourceDone_ = false;
};

/** Sees the response head on its way to the client: failonstatus and route mismatches. */
class HeadTap final : public ResponseConsumer {
 public:
  explicit HeadTap(ResponseConsumer& next) : next_(next) {}

  void onMemberChosen(const MemberChoice& choice) override { next_.onMemberChosen(choice); }
  void onInformational(const http::ResponseHead& head) override { next_.onInformational(head); }
  void onHead(http::ResponseHead&& head) override {
    status_ = head.status;
    if (!stickyCookie_.empty()) {
      for (const auto& header : head.headers) {
        if (iequals(header.name, "Set-Cookie")) {
          if (auto route = balancer::routeFromSetCookie(header.value, stickyCookie_, separator_)) {
            sessionRoutes_.push_back(std::move(*route));
          }
        }
      }
    }
    next_.onHead(std::move(head));
  }
  void onBody(std::string_view data) override { next_.onBody(data); }
  void onComplete() override { next_.onComplete(); }
  void flush() override { next_.flush(); }
  bool clientFailed() const override { return next_.clientFailed(); }

  void watchSessionCookie(std::string_view cookie, char separator) {
    stickyCookie_ = cookie;
    separator_ = separator;
  }
  void resetAttempt() {
    status_ = 0;
    sessionRoutes_.clear();
  }
  int status() const noexcept { return status_; }
  const std::vector<std::string>& sessionRoutes() const noexcept { return sessionRoutes_; }

 private:
  ResponseConsumer& next_;
  std::string stickyCookie_;
  char separator_ = '.';
  int status_ = 0;
  std::vector<std::string> sessionRoutes_;
};

constexpr size_t kReplayLimit = 64 * 1024;

std::string_view pathOf(std::string_view rest) { return rest.substr(0, rest.find('?')); }

std::string_view queryOf(std::string_view rest) {
  size_t q = rest.find('?');
  return q == std::string_view::npos ? std::string_view() : rest.substr(q + 1);
}

}  // namespace

ForwardResult Forwarder::forward(BalancerRuntime& balancer, ForwardRequest& request,
                                 ResponseConsumer& client, std::span<char> buffer) {
  ForwardResult result;
  const auto& bconfig = balancer.config();
  size_t memberCount = balancer.members().size();
  uint32_t retries = bconfig.maxAttempts.value_or(memberCount > 0 ? uint32_t(memberCount - 1) : 0);
  std::vector<size_t> tried;
  http::ResponseParser parser;
  const bool headRequest = request.method == "HEAD";
  const std::string balancerUrl = "cxxbalancer://" + bconfig.name;
  HeadTap consumer(client);
  // What the client gets when no member serves: 503 when none could be reached, 502 when
  // one was reached and failed without answering.
  ForwardOutcome lastFailure = ForwardOutcome::Unavailable;
  bool stickyRefused = false;  // stickyforce/nofailover kept the request off other members

  std::unique_ptr<ReplayableBody> replayable;
  if (request.body != nullptr) {
    replayable = std::make_unique<ReplayableBody>(*request.body, kReplayLimit);
  }
  RequestBody* body = replayable.get();

  // The sticky session: which member the client's session lives on. The application's
  // session cookie first, then the module's own route cookie.
  std::vector<std::string_view> cookies;
  for (const auto& header : request.clientHeaders) {
    if (iequals(header.name, "Cookie")) {
      cookies.push_back(header.value);
    }
  }
  std::optional<balancer::StickyRoute> session;
  for (const auto* sticky : {&balancer.sticky(), &balancer.routeCookieSticky()}) {
    if (sticky->cookie.empty()) {
      continue;
    }
    session =
        balancer::findStickyRoute(*sticky, pathOf(request.rest), queryOf(request.rest), cookies);
    if (session && !session->route.empty()) {
      break;
    }
    session.reset();
  }
  // Responses that start a session are where a route mismatch shows: watch them all.
  if (!balancer.sticky().cookie.empty()) {
    consumer.watchSessionCookie(balancer.sticky().cookie, balancer.sticky().separator);
  }
  // A route no member has is balanced as if there were none.
  const bool pinned = session && balancer.hasRoute(session->route);
  const bool mustStay = pinned && (bconfig.stickyForce || bconfig.noFailover);
  int sessionMember = pinned ? balancer.memberForRoute(session->route, clock_.now()) : -1;
  if (mustStay && sessionMember < 0) {
    logStickyRefusal(bconfig, session->route);
    result.outcome = ForwardOutcome::Unavailable;
    return result;
  }

  for (uint32_t attempt = 0; attempt <= retries; ++attempt) {
    int index = -1;
    if (attempt == 0) {
      index = sessionMember;
    } else if (pinned) {
      // The session's member failed just now: its redirect= member, if any, takes over.
      int next = balancer.memberForRoute(session->route, clock_.now());
      if (next >= 0 && std::find(tried.begin(), tried.end(), size_t(next)) == tried.end()) {
        index = next;
      } else if (mustStay) {
        logStickyRefusal(bconfig, session->route);
        lastFailure = ForwardOutcome::Unavailable;
        stickyRefused = true;
        break;  // never move the session elsewhere
      }
    }
    if (index < 0) {
      index = balancer.pick(clock_.now(), tried);
    }
    if (index < 0) {
      break;
    }
    tried.push_back(size_t(index));
    MemberRuntime& member = *balancer.members()[size_t(index)];
    const auto& mconfig = member.config();
    result.member = &member;
    BusyGuard busy(member.busy);
    member.requests.fetch_add(1, std::memory_order_relaxed);

    MemberChoice choice;
    choice.balancer = balancerUrl;
    choice.member = member.name();
    choice.memberRoute = mconfig.route;
    std::string routeCookie;
    if (session) {
      choice.sessionRoute = session->route;
      choice.routeChanged = session->route != mconfig.route;
    }
    if (!bconfig.routeCookie.empty() && !mconfig.route.empty() &&
        (!session || choice.routeChanged)) {
      routeCookie = balancer::makeRouteCookie(bconfig.routeCookie, mconfig.route,
                                              request.client.tls, bconfig.stickySeparator);
      choice.setCookie = routeCookie;
    }
    consumer.onMemberChosen(choice);
    consumer.resetAttempt();

    Millis ioTimeout = mconfig.timeout.value_or(request.defaultTimeout);
    Millis connectTimeout = mconfig.connectTimeout.value_or(ioTimeout);
    Lease lease = member.pool()->acquire(ioTimeout);
    if (!lease) {
      logger_.log(
          LogLevel::Error, "CXB02003",
          "member " + member.name() + " has no free connection (max reached); trying another");
      continue;
    }

    const bool ajp = mconfig.url.scheme == config::Scheme::Ajp;
    std::string target = memberTarget(mconfig.url, request.rest);
    std::string headBytes;
    if (!ajp) {
      request.context.memberHost = hostHeaderFor(mconfig.url);
      headBytes = http::serializeRequestHead(
          http::buildMemberRequest(request.method, target, request.clientHeaders, request.context));
    }

    bool resentOnFresh = false;
    bool failOver = false;
    for (;;) {
      if (!lease.transport()) {
        std::string resolveError;
        auto addresses = member.addresses(clock_.now(), resolveError);
        ConnectResult connected;
        if (addresses.empty()) {
          connected.status = ConnectStatus::ResolveFailed;
          connected.message = resolveError;
        } else {
          connected = connectAny(addresses, connectTimeout, mconfig.keepalive);
        }
        if (connected.status != ConnectStatus::Ok) {
          member.failures.fetch_add(1, std::memory_order_relaxed);
          member.forgetAddresses();  // a stale address gets resolved again at once
          if (member.markInError(clock_.now())) {
            logger_.log(LogLevel::Error, "CXB02001",
                        "member " + member.name() + " " + connectStatusText(connected.status) +
                            " (" + connected.message + "); in error for " +
                            std::to_string(mconfig.retry.count()) + " s");
          }
          failOver = true;  // nothing was sent: safe for any method
          break;
        }
        lease.transport() = std::move(connected.transport);
      }

      // --- AJP: ping= sends CPING and waits for CPONG before every request --------------
      if (ajp && mconfig.ping) {
        PingResult ping = runAjpPing(*lease.transport(), *mconfig.ping, mconfig.packetSize, buffer);
        if (ping.status != PingStatus::Ok) {
          lease.transport().reset();
          if (lease.reused() && !resentOnFresh && ping.status == PingStatus::Closed) {
            logger_.log(LogLevel::Debug, "CXB02009",
                        "pooled connection to " + member.name() + " was closed; using a new one");
            resentOnFresh = true;
            continue;
          }
          // Nothing of the request was sent: any method may go to another member.
          member.failures.fetch_add(1, std::memory_order_relaxed);
          if (member.markInError(clock_.now())) {
            logger_.log(LogLevel::Error, "CXB02201",
                        "member " + member.name() + " did not answer CPING within " +
                            std::to_string(mconfig.ping->count()) + " ms (" + ping.detail +
                            "); in error for " + std::to_string(mconfig.retry.count()) + " s");
          }
          failOver = true;
          break;
        }
      }

      ExchangeOptions options;
      options.ioTimeout = ioTimeout;
      options.headRequest = headRequest;
      options.chunkedBody = request.context.chunkedBody;
      options.buffer = buffer;
      TimePoint started = clock_.now();
      ExchangeResult exchange =
          ajp ? runAjpExchange(*lease.transport(), request, body, target, mconfig, consumer,
                               options)
              : runHttpExchange(*lease.transport(), headBytes, body, parser, consumer, options);
      member.bytesSent.fetch_add(exchange.bytesSent, std::memory_order_relaxed);
      member.bytesReceived.fetch_add(exchange.bytesReceived, std::memory_order_relaxed);
      result.headDelivered = exchange.headDelivered;

      if (exchange.error == ExchangeError::None) {
        if (exchange.reusable) {
          lease.keep();
        }
        if (!exchange.refusal.empty()) {  // AJP: a wrong secret= (the 403 was relayed)
          logger_.log(LogLevel::Error, "CXB02202",
                      "member " + member.name() + ": " + exchange.refusal);
        }
        member.recordLatency(
            std::chrono::duration_cast<std::chrono::microseconds>(clock_.now() - started));
        afterResponse(balancer, member, size_t(index), consumer.status(), consumer.sessionRoutes());
        result.outcome = ForwardOutcome::Served;
        return result;
      }

      bool nothingBack =
          !exchange.responseStarted && (exchange.error == ExchangeError::SendFailed ||
                                        exchange.error == ExchangeError::NoResponse);
      bool bodyResendable = !exchange.bodyConsumed || (replayable && replayable->rewind());
      if (lease.reused() && !resentOnFresh && nothingBack && request.idempotent && bodyResendable) {
        // The member closed a pooled connection just as we used it: not a member failure.
        logger_.log(
            LogLevel::Debug, "CXB02009",
            "pooled connection to " + member.name() + " was closed; resending on a new one");
        lease.transport().reset();
        resentOnFresh = true;
        continue;
      }

      switch (exchange.error) {
        case ExchangeError::SendFailed:
        case ExchangeError::NoResponse:
          member.failures.fetch_add(1, std::memory_order_relaxed);
          if (member.markInError(clock_.now())) {
            logger_.log(LogLevel::Error, "CXB02004",
                        "member " + member.name() + " failed before answering (" + exchange.detail +
                            "); in error for " + std::to_string(mconfig.retry.count()) + " s");
          }
          lastFailure = ForwardOutcome::BadGateway;
          // A non-idempotent request may have been processed: never send it twice.
          if (nothingBack && request.idempotent && bodyResendable) {
            failOver = true;
            break;
          }
          result.outcome = ForwardOutcome::BadGateway;
          return result;
        case ExchangeError::Timeout:
          member.failures.fetch_add(1, std::memory_order_relaxed);
          if (bconfig.failOnTimeout && member.markInError(clock_.now())) {
            logger_.log(LogLevel::Error, "CXB02010",
                        "member " + member.name() + " did not answer within " +
                            std::to_string(ioTimeout.count()) +
                            " ms (failontimeout); in error for " +
                            std::to_string(mconfig.retry.count()) + " s");
          } else {
            logger_.log(LogLevel::Error, "CXB02005",
                        "member " + member.name() + " did not answer within " +
                            std::to_string(ioTimeout.count()) + " ms");
          }
          result.outcome = ForwardOutcome::Timeout;
          return result;
        case ExchangeError::BadResponse:
          member.failures.fetch_add(1, std::memory_order_relaxed);
          logger_.log(LogLevel::Error, "CXB02006",
                      "member " + member.name() + " sent a malformed response: " + exchange.detail);
          result.outcome = ForwardOutcome::BadGateway;
          return result;
        case ExchangeError::Truncated:
          member.failures.fetch_add(1, std::memory_order_relaxed);
          logger_.log(LogLevel::Error, "CXB02007",
                      "member " + member.name() + " closed the connection mid-response (" +
                          exchange.detail + "); aborting the client connection");
          result.outcome = ForwardOutcome::BadGateway;
          return result;
        case ExchangeError::ClientFailed:
          if (ajp && !exchange.detail.empty()) {  // AJP: a request or body refused, not sent
            logger_.log(LogLevel::Warn, "CXB02203",
                        "request to member " + member.name() + " refused: " + exchange.detail);
          }
          result.outcome = ForwardOutcome::ClientFailed;
          return result;
        case ExchangeError::None:
          break;
      }
      break;
    }
    if (!failOver) {
      break;
    }
  }
  logger_.log(LogLevel::Error, "CXB02008",
              "no member of balancer " + bconfig.name + " could serve the request");
  result.outcome = lastFailure;
  if (lastFailure == ForwardOutcome::Unavailable && !stickyRefused &&
      balancer.sorryMember() != nullptr) {
    return serveSorry(balancer, request, client, buffer);
  }
  return result;
}

ForwardResult Forwarder::serveSorry(BalancerRuntime& balancer, const ForwardRequest& request,
                                    ResponseConsumer& consumer, std::span<char> buffer) {
  // The maintenance page comes from the sorry URL itself: the client's path and query never
  // reach it, and the client's URL stays as it is (F5 works once the service is back).
  ForwardResult result;
  result.outcome = ForwardOutcome::Unavailable;
  MemberRuntime& sorry = *balancer.sorryMember();
  const auto& url = sorry.config().url;
  MemberChoice choice;
  std::string balancerUrl = "cxxbalancer://" + balancer.name();
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
  context.memberHost = hostHeaderFor(url);
  std::string target = memberTarget(url, "");
  std::string head = http::serializeRequestHead(http::buildMemberRequest(
      request.method == "HEAD" ? "HEAD" : "GET", target, request.clientHeaders, context));
  Millis timeout = sorry.config().timeout.value_or(request.defaultTimeout);
  Lease lease = sorry.pool()->acquire(timeout);
  if (!lease) {
    return result;
  }
  if (!lease.transport()) {
    std::string resolveError;
    auto addresses = sorry.addresses(clock_.now(), resolveError);
    ConnectResult connected = connectAny(addresses, sorry.config().connectTimeout.value_or(timeout),
                                         sorry.config().keepalive);
    if (connected.status != ConnectStatus::Ok) {
      logger_.log(LogLevel::Error, "CXB02014",
                  "sorry page " + sorry.name() + " is unreachable too (" + connected.message + ")");
      return result;
    }
    lease.transport() = std::move(connected.transport);
  }
  http::ResponseParser parser;
  ExchangeOptions options;
  options.ioTimeout = timeout;
  options.headRequest = request.method == "HEAD";
  options.buffer = buffer;
  ExchangeResult exchange =
      runHttpExchange(*lease.transport(), head, nullptr, parser, consumer, options);
  result.headDelivered = exchange.headDelivered;
  if (exchange.error == ExchangeError::None) {
    if (exchange.reusable) {
      lease.keep();
    }
    result.outcome = ForwardOutcome::Sorry;
  } else {
    logger_.log(LogLevel::Error, "CXB02014",
                "sorry page " + sorry.name() + " failed: " + exchange.detail);
  }
  return result;
}

void Forwarder::logStickyRefusal(const config::BalancerConfig& balancer, std::string_view route) {
  logger_.log(LogLevel::Error, "CXB02012",
              "the member of session route " + std::string(route) + " in balancer " +
                  balancer.name + " cannot serve, and " +
                  (balancer.stickyForce ? "stickyforce" : "nofailover") + " is on: 503");
}

void Forwarder::afterResponse(BalancerRuntime& balancer, MemberRuntime& member, size_t index,
                              int status, const std::vector<std::string>& sessionRoutes) {
  const auto& bconfig = balancer.config();
  bool failStatus = std::find(bconfig.failOnStatus.begin(), bconfig.failOnStatus.end(), status) !=
                    bconfig.failOnStatus.end();
  if (failStatus) {
    member.failures.fetch_add(1, std::memory_order_relaxed);
    if (member.markInError(clock_.now())) {
      logger_.log(LogLevel::Error, "CXB02011",
                  "member " + member.name() + " answered " + std::to_string(status) +
                      ", listed in failonstatus; in error for " +
                      std::to_string(member.config().retry.count()) + " s");
    }
  } else {
    member.markHealthy();
  }
  for (const auto& route : sessionRoutes) {
    if (auto warning =
            balancer.routeMismatch().observe(index, member.name(), member.config().route, route)) {
      logger_.log(LogLevel::Warn, "CXB02301", *warning);
    }
  }
}

}  // namespace cxxb::net
