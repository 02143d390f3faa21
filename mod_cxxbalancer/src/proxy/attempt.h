#pragma once
// One attempt of one request against one member, as a unit: a connection from the member's
// pool or a new one (resolve, connect, TLS), CPING for AJP members with ping=, the exchange,
// and the one resend on a fresh connection when a pooled one turns out to be closed
// (failure_policy.h: resendOnFreshConnection). The forwarder and the sorry page both use it.
//
// It tells the member nothing and logs only the debug line of a resend (CXB02009): what the
// ending means is the failure policy's to say and the forwarder's to log.
#include <chrono>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/logger.h"
#include "net/balancer_runtime.h"
#include "net/client_request.h"
#include "net/http_exchange.h"
#include "net/tcp_transport.h"
#include "proxy/failure_policy.h"

namespace cxxb::proxy {

/** How a new connection to a member is made: DNS, TCP and TLS. Tests replace it. */
class Connector {
 public:
  struct Outcome {
    net::TransportPtr transport;                            ///< set on success
    AttemptEnd failure = AttemptEnd::ConnectFailed;         ///< ConnectFailed or TlsFailed
    net::ConnectStatus status = net::ConnectStatus::Error;  ///< ConnectFailed: why
    std::string detail;                                     ///< for the log
  };
  virtual ~Connector() = default;
  /** A connected transport to `member` (TLS done for https), within `timeout` per step. */
  virtual Outcome connect(net::MemberRuntime& member, Millis timeout, TimePoint now) = 0;

  /** The real one: member.addresses(), connectAny(), member.secure(). */
  static Connector& system();
};

/** Passes everything on to another consumer; taps that watch the response derive from it. */
class ConsumerTap : public net::ResponseConsumer {
 public:
  explicit ConsumerTap(net::ResponseConsumer& next) : next_(next) {}

  void onMemberChosen(const net::MemberChoice& choice) override { next_.onMemberChosen(choice); }
  void onInformational(const http::ResponseHead& head) override { next_.onInformational(head); }
  void onHead(http::ResponseHead&& head) override { next_.onHead(std::move(head)); }
  void onBody(std::string_view data) override { next_.onBody(data); }
  void onComplete() override { next_.onComplete(); }
  void flush() override { next_.flush(); }
  bool clientFailed() const override { return next_.clientFailed(); }

 private:
  net::ResponseConsumer& next_;
};

/** A request body that can be sent again to another member, up to a limit. */
class ReplayableBody final : public net::RequestBody {
 public:
  ReplayableBody(net::RequestBody& source, size_t limit) : source_(source), limit_(limit) {}
  Piece next() override;
  /** Rewinds for another send. @return false when the body can no longer be replayed */
  bool rewind();

 private:
  net::RequestBody& source_;
  size_t limit_;
  std::string kept_;
  size_t replayPos_ = 0;
  bool replayable_ = true;
  bool replaying_ = false;
  bool sourceDone_ = false;
};

/** What is sent in one attempt, the same for every member but the head and target. */
struct AttemptRequest {
  const net::ClientRequest* request = nullptr;  ///< AJP reads the client's details from it
  std::string_view httpHead;                    ///< HTTP members: the serialized request head
  std::string_view target;         ///< AJP members: member path + forwarded path [+ "?query"]
  ReplayableBody* body = nullptr;  ///< null when there is none
  bool idempotent = false;
  bool headRequest = false;
  bool chunkedBody = false;
  bool failOnTimeout = false;
  Millis ioTimeout{60000};
  Millis connectTimeout{60000};
};

struct AttemptResult {
  AttemptFacts facts;          ///< for judge(); status is the response's when Answered
  bool headDelivered = false;  ///< the client has a status line: no other answer possible
  std::string detail;          ///< why it failed, for the log
  net::ConnectStatus connectStatus = net::ConnectStatus::Ok;  ///< ConnectFailed: why
  std::string refusal;  ///< AJP: the member refused the request itself (wrong secret)
  std::chrono::microseconds toHead{0};  ///< Answered: from sending to the response head
  Millis ioTimeout{0};                  ///< the I/O timeout the attempt ran with
};

/**
 * Runs one attempt. The response goes to `consumer` as it arrives.
 * @param buffer scratch for reads, at least 8 KiB
 */
AttemptResult runAttempt(net::MemberRuntime& member, const AttemptRequest& request,
                         net::ResponseConsumer& consumer, std::span<char> buffer,
                         Connector& connector, const Clock& clock, Logger& logger);

}  // namespace cxxb::proxy
