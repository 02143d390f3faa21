#include "net/forwarder.h"

#include <string>
#include <vector>

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

ForwardResult Forwarder::forward(BalancerRuntime& balancer, ForwardRequest& request,
                                 ResponseConsumer& consumer, std::span<char> buffer) {
  ForwardResult result;
  const auto& bconfig = balancer.config();
  size_t memberCount = balancer.members().size();
  uint32_t retries = bconfig.maxAttempts.value_or(memberCount > 0 ? uint32_t(memberCount - 1) : 0);
  std::vector<size_t> tried;
  http::ResponseParser parser;
  bool headRequest = request.method == "HEAD";
  // What the client gets when no member serves: 503 when none could be reached, 502 when
  // one was reached and failed without answering.
  ForwardOutcome lastFailure = ForwardOutcome::Unavailable;

  for (uint32_t attempt = 0; attempt <= retries; ++attempt) {
    int index = balancer.pick(clock_.now(), tried);
    if (index < 0) {
      break;
    }
    tried.push_back(size_t(index));
    MemberRuntime& member = *balancer.members()[size_t(index)];
    const auto& mconfig = member.config();
    result.member = &member;
    BusyGuard busy(member.busy);
    member.requests.fetch_add(1, std::memory_order_relaxed);
    const TimePoint started = clock_.now();  // for the member's shared latency average

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
          failOver = true;
          break;
        }
        lease.transport() = std::move(connected.transport);
      }

      ExchangeOptions options;
      options.ioTimeout = ioTimeout;
      options.headRequest = headRequest;
      options.chunkedBody = request.context.chunkedBody;
      options.buffer = buffer;
      ExchangeResult exchange =
          ajp ? runAjpExchange(*lease.transport(), request, target, mconfig, consumer, options)
              : runHttpExchange(*lease.transport(), headBytes, request.body, parser, consumer,
                                options);
      member.bytesSent.fetch_add(exchange.bytesSent, std::memory_order_relaxed);
      member.bytesReceived.fetch_add(exchange.bytesReceived, std::memory_order_relaxed);
      result.headDelivered = exchange.headDelivered;

      if (exchange.error == ExchangeError::None) {
        if (exchange.reusable) {
          lease.keep();
        }
        member.recordLatency(
            std::chrono::duration_cast<std::chrono::microseconds>(clock_.now() - started));
        member.markHealthy();
        result.outcome = ForwardOutcome::Served;
        return result;
      }

      bool nothingBack = !exchange.responseStarted && !exchange.bodyConsumed &&
                         (exchange.error == ExchangeError::SendFailed ||
                          exchange.error == ExchangeError::NoResponse);
      if (lease.reused() && !resentOnFresh && nothingBack && request.idempotent) {
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
          if (nothingBack && request.idempotent) {
            failOver = true;
            break;
          }
          result.outcome = ForwardOutcome::BadGateway;
          return result;
        case ExchangeError::Timeout:
          logger_.log(LogLevel::Error, "CXB02005",
                      "member " + member.name() + " did not answer within " +
                          std::to_string(ioTimeout.count()) + " ms");
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
  return result;
}

}  // namespace cxxb::net
