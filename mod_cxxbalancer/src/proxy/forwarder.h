#pragma once
// Forwards one request to a balancer: the sticky session's member first, else a pick; one
// attempt against it (proxy/attempt.h); the verdict of the failure policy
// (proxy/failure_policy.h) says what the member is told and whether another member may be
// tried. Every transition of a member is logged once, with the member's URL.
//
// It knows nothing of httpd: the adapter supplies the request as values, the body and the
// response sink as interfaces, and maps the result to a status.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/logger.h"
#include "net/balancer_runtime.h"
#include "net/client_request.h"
#include "net/http_exchange.h"
#include "proxy/attempt.h"
#include "proxy/failure_policy.h"

namespace cxxb::proxy {

using net::ClientInfo;

struct ForwardRequest : net::ClientRequest {
  std::string rest;                  ///< path after the balancer name ("/x/y"), with "?query"
  net::RequestBody* body = nullptr;  ///< null when the request has no body
  bool idempotent = false;
  Millis defaultTimeout{60000};  ///< ProxyTimeout or the server's Timeout
};

struct ForwardResult {
  ForwardOutcome outcome = ForwardOutcome::Unavailable;
  bool headDelivered = false;  ///< the client already has a status line: abort, do not answer
  net::MemberRuntime* member = nullptr;  ///< the member that answered (or failed last)
};

class Forwarder {
 public:
  /** @param connector how members are reached (Connector::system() outside tests) */
  Forwarder(const Clock& clock, Logger& logger, Connector& connector)
      : clock_(clock), logger_(logger), connector_(connector) {}

  /** @param buffer scratch space for reads, at least 8 KiB */
  ForwardResult forward(net::BalancerRuntime& balancer, ForwardRequest& request,
                        net::ResponseConsumer& consumer, std::span<char> buffer);

 private:
  struct Session;
  Session sessionOf(net::BalancerRuntime& balancer, const ForwardRequest& request) const;
  /** Tells the consumer who answers (BALANCER_* variables, the route cookie). */
  void announce(const net::BalancerRuntime& balancer, net::MemberRuntime& member,
                const Session& session, const ForwardRequest& request,
                net::ResponseConsumer& consumer);
  /** One attempt of `request` on `member`, with the facts failonstatus adds. */
  AttemptResult attemptOn(const net::BalancerRuntime& balancer, net::MemberRuntime& member,
                          ForwardRequest& request, ReplayableBody* body,
                          net::ResponseConsumer& consumer, std::span<char> buffer);
  /** The member for attempt `attempt`: the session's (or its redirect), else a pick; -1 none,
   *  -2 the session may not move (stickyforce/nofailover). */
  int chooseMember(net::BalancerRuntime& balancer, const Session& session, uint32_t attempt,
                   const std::vector<size_t>& tried);
  /** Tells the member what the verdict says and logs what it caused, once. */
  void tellMember(net::MemberRuntime& member, const Verdict& verdict, const AttemptResult& attempt);
  /** The sorry= URL, fetched and relayed with 503 when no member can serve. */
  ForwardResult serveSorry(net::BalancerRuntime& balancer, const ForwardRequest& request,
                           net::ResponseConsumer& consumer, std::span<char> buffer);
  void logStickyRefusal(const config::BalancerConfig& balancer, std::string_view route);
  /** Warnings about responses that set a session on another member's route. */
  void checkSessionRoutes(net::BalancerRuntime& balancer, net::MemberRuntime& member, size_t index,
                          const std::vector<std::string>& sessionRoutes);

  const Clock& clock_;
  Logger& logger_;
  Connector& connector_;
};

/** GET, HEAD, OPTIONS, TRACE, PUT, DELETE (RFC 9110 §9.2.2). */
bool isIdempotentMethod(std::string_view method) noexcept;

}  // namespace cxxb::proxy
