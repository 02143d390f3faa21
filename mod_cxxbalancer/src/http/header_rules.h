#pragma once
// Which headers cross the proxy and how the request head to a member is built, as
// mod_proxy_http does it (RFC 9110 §7.6.1 for hop-by-hop headers).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "http/http_message.h"

namespace cxxb::http {

/** Connection, Keep-Alive, Proxy-Connection, TE, Trailer, Transfer-Encoding, Upgrade,
 *  Proxy-Authenticate, Proxy-Authorization (case-insensitive). */
bool isHopByHop(std::string_view name) noexcept;

/** Removes hop-by-hop headers and every header named in a Connection header, except
 *  X-Forwarded-* (which the proxy itself adds and a client must not be able to drop). */
void removeHopByHop(Headers& headers);

/** Value of the first header with this name, case-insensitive. */
std::optional<std::string_view> findHeader(const Headers& headers, std::string_view name);

/** What the proxy knows about the client side of a request. */
struct ForwardContext {
  std::string clientIp;       ///< r->useragent_ip
  std::string clientHost;     ///< Host header the client sent ("" if none)
  std::string serverName;     ///< ServerName of the vhost (X-Forwarded-Server)
  std::string memberHost;     ///< host[:port] of the member, for Host without ProxyPreserveHost
  bool preserveHost = false;  ///< ProxyPreserveHost
  bool addForwardedHeaders = true;  ///< ProxyAddHeaders
  /** Request body: Content-Length when known; chunked when body without length. */
  std::optional<uint64_t> contentLength;
  bool chunkedBody = false;
  bool expectContinue = false;  ///< member ping= on HTTP: send Expect: 100-continue
};

/**
 * Builds the request head for a member from the client's method, forwarded target and
 * headers, as mod_proxy_http does:
 * - hop-by-hop headers and those the client named in Connection are removed, and so are
 *   the client's Host, Content-Length, Transfer-Encoding and Expect;
 * - Host comes first: clientHost with preserveHost (when non-empty), else memberHost;
 * - the other client headers keep their order;
 * - X-Forwarded-For/-Host/-Server (when addForwardedHeaders and the value is non-empty) are
 *   appended with ", " to the last existing header of that name, or added at the end;
 * - then `Transfer-Encoding: chunked` if chunkedBody (it wins over contentLength: it is how
 *   the caller will write the body), else `Content-Length` if contentLength is set (0 too);
 * - `Expect: 100-continue` if expectContinue and the request has content (chunked or
 *   length > 0; RFC 9110 §10.1.1 forbids it otherwise): check with findHeader() whether to
 *   wait for the 100;
 * - no Connection header: keep-alive is the HTTP/1.1 default.
 */
RequestHead buildMemberRequest(std::string_view method, std::string target, Headers clientHeaders,
                               const ForwardContext& context);

/** Serializes a request head: "METHOD target HTTP/1.1\r\n" headers "\r\n". CR, LF and NUL
 *  anywhere are replaced by SP (RFC 9110 §5.5), so no value can split the head. */
std::string serializeRequestHead(const RequestHead& head);

/** Appends one chunk of a chunked body ("hex\r\n" data "\r\n"); empty data appends nothing. */
void appendChunk(std::string& out, std::string_view data);

/** The last chunk and the end of a chunked body. */
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

/** Removes hop-by-hop headers (and those named in Connection) from a member's response
 *  before it goes to the client. A 101 upgrade needs its Upgrade/Connection re-added by
 *  the tunnel code. */
void filterResponseHeaders(Headers& headers);

}  // namespace cxxb::http
