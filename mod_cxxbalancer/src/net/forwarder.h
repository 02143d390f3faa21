#pragma once
// Forwards one request to a balancer: picks a member, takes a pooled connection or opens
// one, runs the exchange, and fails over to another member when that is safe. Member
// failures update the member's state and are logged once, with the member's URL.
//
// It knows nothing of httpd: the adapter supplies the request as values, the body and the
// response sink as interfaces, and maps the result to a status.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/logger.h"
#include "http/header_rules.h"
#include "net/balancer_runtime.h"
#include "net/http_exchange.h"

namespace cxxb::net {

/** The client connection as the member may need to see it (AJP carries all of it). */
struct ClientInfo {
  std::string protocol = "HTTP/1.1";  ///< the client's request protocol
  std::string remoteAddr;             ///< the client's address (r->useragent_ip)
  uint16_t remotePort = 0;
  std::string localAddr;  ///< the address the client connected to
  uint16_t localPort = 0;
  std::string serverName;   ///< the host the client asked for (vhost name otherwise)
  uint16_t serverPort = 0;  ///< the port the client connected to
  bool tls = false;         ///< the client came over TLS
  std::string tlsProtocol;  ///< e.g. TLSv1.3
  std::string tlsCipher;
  std::string tlsSessionId;
  std::string tlsClientCert;  ///< PEM, when the client sent one
  int tlsKeySize = -1;        ///< cipher key bits, -1 when unknown
  std::string remoteUser;     ///< authenticated user, if any
  std::string authType;
};

struct ForwardRequest {
  std::string method;
  std::string rest;  ///< path after the balancer name ("/x/y"), with "?query"; encoded
  http::Headers clientHeaders;
  http::ForwardContext context;  ///< memberHost is filled in per member
  ClientInfo client;
  RequestBody* body = nullptr;  ///< null when the request has no body
  bool idempotent = false;
  Millis defaultTimeout{60000};  ///< ProxyTimeout or the server's Timeout
};

enum class ForwardOutcome {
  Served,        ///< a complete response reached the consumer
  Unavailable,   ///< no member could take the request (503)
  Timeout,       ///< the member did not answer in time (504)
  BadGateway,    ///< the member failed or answered garbage (502)
  ClientFailed,  ///< the client went away or sent a broken body
  Sorry,         ///< no member could serve; the sorry page was sent with 503
};

struct ForwardResult {
  ForwardOutcome outcome = ForwardOutcome::Unavailable;
  bool headDelivered = false;       ///< the client already has a status line: abort, do not answer
  MemberRuntime* member = nullptr;  ///< the member that answered (or failed last)
};

class Forwarder {
 public:
  Forwarder(const Clock& clock, Logger& logger) : clock_(clock), logger_(logger) {}

  /** @param buffer scratch space for reads, at least 8 KiB */
  ForwardResult forward(BalancerRuntime& balancer, ForwardRequest& request,
                        ResponseConsumer& consumer, std::span<char> buffer);

 private:
  /** The sorry= URL, fetched and relayed with 503 when no member can serve. */
  ForwardResult serveSorry(BalancerRuntime& balancer, const ForwardRequest& request,
                           ResponseConsumer& consumer, std::span<char> buffer);
  void logStickyRefusal(const config::BalancerConfig& balancer, std::string_view route);
  /** failonstatus, route-mismatch warnings and recovery after a complete response. */
  void afterResponse(BalancerRuntime& balancer, MemberRuntime& member, size_t index, int status,
                     const std::vector<std::string>& sessionRoutes);

  const Clock& clock_;
  Logger& logger_;
};

/** GET, HEAD, OPTIONS, TRACE, PUT, DELETE (RFC 9110 §9.2.2). */
bool isIdempotentMethod(std::string_view method) noexcept;

}  // namespace cxxb::net
