#pragma once
// One AJP13 request/response exchange with a member (Tomcat, WildFly) over a Transport,
// driving the sans-I/O codec of src/ajp. The counterpart of http_exchange.h.
//
// What goes to the member, as mod_proxy_ajp sends it (AJP13.md A4, A12):
// - the request line as FORWARD_REQUEST fields: method (coded, or stored as attribute 0x0D),
//   the client's protocol, the path still percent-encoded, the query in attribute 0x05;
// - remote_addr from the client, remote_host null (Tomcat then reports the address);
// - server_name/server_port: with ProxyPreserveHost the name the client asked for and the
//   port it connected to, and its Host header; without, the member's host and port (as
//   mod_proxy_http sends Host), so links an application builds point where mod_proxy
//   would point them;
// - is_ssl and the client's TLS details (cert, cipher, session, key size, AJP_SSL_PROTOCOL);
// - secret (0x0C), remote user, auth type, the member's route (0x06), AJP_REMOTE_PORT and
//   AJP_LOCAL_ADDR. Nothing derived from client input becomes an attribute (Ghostcat).
// - the client's headers minus hop-by-hop ones (RFC 9110 §7.6.1), Expect (httpd answered
//   it), and Host/Content-Length, which are set from the framing decided by the HTTP layer.
//
// Body framing (A5, CVE-2022-26377): with a Content-Length, the first min(CL, P - 6) bytes
// are read from the client BEFORE anything is written, so a short small body never reaches
// the member; they go right after the FORWARD_REQUEST. Later bytes go only in answer to
// GET_BODY_CHUNK, never more than the Content-Length; a body shorter or longer than its
// Content-Length ends the exchange with ClientFailed and the connection is closed. A chunked
// body goes with no Content-Length, in answer to GET_BODY_CHUNK, ending with the empty
// packet.
//
// The response is relayed as it arrives: SEND_HEADERS becomes onHead() (Content-Length and
// Transfer-Encoding dropped: AJP frames the body itself), SEND_BODY_CHUNK onBody(), a
// zero-length chunk a flush, and the consumer is flushed whenever the member pauses.
// END_RESPONSE with reuse=1 on a quiet connection is the only way to `reusable`.
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "config/balancer_config.h"
#include "core/clock.h"
#include "net/client_request.h"
#include "net/http_exchange.h"

namespace cxxb::net {

/**
 * Runs one exchange: FORWARD_REQUEST (with the client's connection details as attributes),
 * request body packets on GET_BODY_CHUNK, SEND_HEADERS and SEND_BODY_CHUNK relayed to
 * `consumer`, END_RESPONSE's reuse flag reported as ExchangeResult::reusable.
 *
 * Errors, as the forwarder expects them: a request that cannot be encoded in one packet
 * (too large, forbidden bytes) or a client body that does not match its Content-Length is
 * ClientFailed with `detail` set; a malformed, oversized or out-of-sequence packet is
 * BadResponse; the member closing after SEND_HEADERS is Truncated. A 403 that also closes
 * the connection (Tomcat's answer to a wrong or missing secret) is relayed to the client as
 * it is and reported in `refusal`.
 * @param body the request body (the forwarder may wrap it to replay it), or null
 * @param target the member path + forwarded path, with "?query" when there is one
 */
ExchangeResult runAjpExchange(Transport& transport, const ClientRequest& request, RequestBody* body,
                              std::string_view target, const config::MemberConfig& member,
                              ResponseConsumer& consumer, const ExchangeOptions& options);

enum class PingStatus {
  Ok,         ///< CPONG received
  Closed,     ///< the connection was closed or reset (a stale pooled connection)
  Timeout,    ///< no CPONG within the timeout: the member is hung or overloaded
  BadAnswer,  ///< something else than CPONG came back
};

struct PingResult {
  PingStatus status = PingStatus::Ok;
  int sysError = 0;
  std::string detail;  ///< for the log
};

/**
 * CPING/CPONG before a request (worker `ping=`, AJP13.md A7). Nothing of the request has
 * been sent, so on any failure the request may go to another connection or member.
 * @param timeout the whole probe, write and answer
 * @param packetSize the member's `packetsize` (the CPONG is checked by the same decoder)
 * @param buffer scratch for the read
 * @param clock for the deadline
 */
PingResult runAjpPing(Transport& transport, Millis timeout, size_t packetSize,
                      std::span<char> buffer, const Clock& clock = SystemClock::instance());

}  // namespace cxxb::net
