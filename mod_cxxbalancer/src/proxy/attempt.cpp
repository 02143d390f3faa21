#include "proxy/attempt.h"

#include "net/ajp_exchange.h"

namespace cxxb::proxy {
namespace {

class SystemConnector final : public Connector {
 public:
  Outcome connect(net::MemberRuntime& member, Millis timeout, TimePoint now) override {
    Outcome out;
    std::string resolveError;
    auto addresses = member.addresses(now, resolveError);
    net::ConnectResult connected;
    if (addresses.empty()) {
      connected.status = net::ConnectStatus::ResolveFailed;
      connected.message = resolveError;
    } else {
      connected = net::connectAny(addresses, timeout, member.config().keepalive);
    }
    if (connected.status != net::ConnectStatus::Ok) {
      member.forgetAddresses();  // a stale address gets resolved again at once
      out.failure = AttemptEnd::ConnectFailed;
      out.status = connected.status;
      out.detail = std::move(connected.message);
      return out;
    }
    // https: the TLS handshake within the connect timeout (tls_transport.h).
    auto secured = member.secure(std::move(connected.transport), timeout);
    if (!secured) {
      out.failure = AttemptEnd::TlsFailed;
      out.detail = secured.error();
      return out;
    }
    out.transport = std::move(*secured);
    out.status = net::ConnectStatus::Ok;
    return out;
  }
};

/** Notes when the response head passes, for the latency sample, and its status. */
class HeadClock final : public ConsumerTap {
 public:
  HeadClock(net::ResponseConsumer& next, const Clock& clock) : ConsumerTap(next), clock_(clock) {}

  void onHead(http::ResponseHead&& head) override {
    headAt_ = clock_.now();
    status_ = head.status;
    ConsumerTap::onHead(std::move(head));
  }

  TimePoint headAt() const noexcept { return headAt_; }
  int status() const noexcept { return status_; }

 private:
  const Clock& clock_;
  TimePoint headAt_{};
  int status_ = 0;
};

AttemptEnd endOf(net::ExchangeError error) noexcept {
  switch (error) {
    case net::ExchangeError::None:
      return AttemptEnd::Answered;
    case net::ExchangeError::SendFailed:
      return AttemptEnd::SendFailed;
    case net::ExchangeError::NoResponse:
      return AttemptEnd::NoResponse;
    case net::ExchangeError::Timeout:
      return AttemptEnd::Timeout;
    case net::ExchangeError::BadResponse:
      return AttemptEnd::BadResponse;
    case net::ExchangeError::Truncated:
      return AttemptEnd::Truncated;
    case net::ExchangeError::ClientFailed:
      return AttemptEnd::ClientFailed;
  }
  return AttemptEnd::BadResponse;
}

}  // namespace

Connector& Connector::system() {
  static SystemConnector connector;
  return connector;
}

net::RequestBody::Piece ReplayableBody::next() {
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

bool ReplayableBody::rewind() {
  if (!replayable_) {
    return false;
  }
  replaying_ = true;
  replayPos_ = 0;
  return true;
}

AttemptResult runAttempt(net::MemberRuntime& member, const AttemptRequest& request,
                         net::ResponseConsumer& client, std::span<char> buffer,
                         Connector& connector, const Clock& clock, Logger& logger) {
  AttemptResult result;
  result.ioTimeout = request.ioTimeout;
  AttemptFacts& facts = result.facts;
  facts.idempotent = request.idempotent;
  facts.failOnTimeout = request.failOnTimeout;
  const auto& config = member.config();
  const bool ajp = config.url.scheme == config::Scheme::Ajp;

  net::Lease lease = member.pool()->acquire(request.ioTimeout);
  if (!lease) {
    facts.end = AttemptEnd::NoFreeConnection;
    result.detail = "no free connection (max reached)";
    return result;
  }
  HeadClock consumer(client, clock);
  bool resent = false;
  for (;;) {
    if (!lease.transport()) {
      Connector::Outcome connected = connector.connect(member, request.connectTimeout, clock.now());
      if (!connected.transport) {
        facts.end = connected.failure;
        result.connectStatus = connected.status;
        result.detail = std::move(connected.detail);
        return result;
      }
      lease.transport() = std::move(connected.transport);
    }

    // AJP: ping= sends CPING and waits for CPONG before every request.
    if (ajp && config.ping) {
      net::PingResult ping =
          net::runAjpPing(*lease.transport(), *config.ping, config.packetSize, buffer, clock);
      if (ping.status != net::PingStatus::Ok) {
        lease.transport().reset();
        if (resendOnFreshConnection(facts, lease.reused(), resent,
                                    ping.status == net::PingStatus::Closed)) {
          logger.log(LogLevel::Debug, "CXB02009",
                     "pooled connection to " + member.name() + " was closed; using a new one");
          resent = true;
          continue;
        }
        facts.end = AttemptEnd::PingFailed;
        result.detail = std::move(ping.detail);
        return result;
      }
    }

    net::ExchangeOptions options;
    options.ioTimeout = request.ioTimeout;
    options.headRequest = request.headRequest;
    options.chunkedBody = request.chunkedBody;
    options.buffer = buffer;
    net::RequestBody* body = request.body;
    TimePoint started = clock.now();
    net::ExchangeResult exchange;
    if (ajp) {
      exchange = net::runAjpExchange(*lease.transport(), *request.request, body, request.target,
                                     config, consumer, options);
    } else {
      http::ResponseParser parser;
      exchange = net::runHttpExchange(*lease.transport(), request.httpHead, body, parser, consumer,
                                      options);
    }
    member.bytesSent.fetch_add(exchange.bytesSent, std::memory_order_relaxed);
    member.bytesReceived.fetch_add(exchange.bytesReceived, std::memory_order_relaxed);
    result.headDelivered = exchange.headDelivered;
    facts.end = endOf(exchange.error);
    facts.responseStarted = exchange.responseStarted;
    facts.bodyReplayable =
        !exchange.bodyConsumed || (request.body != nullptr && request.body->rewind());
    result.detail = std::move(exchange.detail);

    if (exchange.error == net::ExchangeError::None) {
      if (exchange.reusable) {
        lease.keep();
      }
      facts.status = consumer.status();
      result.refusal = std::move(exchange.refusal);
      result.toHead =
          std::chrono::duration_cast<std::chrono::microseconds>(consumer.headAt() - started);
      return result;
    }
    if (resendOnFreshConnection(facts, lease.reused(), resent, false)) {
      // The member closed a pooled connection just as we used it: not a member failure.
      logger.log(LogLevel::Debug, "CXB02009",
                 "pooled connection to " + member.name() + " was closed; resending on a new one");
      lease.transport().reset();
      resent = true;
      continue;
    }
    return result;
  }
}

}  // namespace cxxb::proxy
