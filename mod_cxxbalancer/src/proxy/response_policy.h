#pragma once
// What the client's response head is made of, given the member's: the response-head policy
// of the request path, pure so it is tested without httpd. The adapter copies the result into
// r->headers_out and applies httpd's own ProxyPassReverse/ProxyPassReverseCookie* maps to the
// headers marked for them.
//
// The rules:
// - the sorry page answers for a service that is down: 503 with Retry-After and
//   Cache-Control: no-store, whatever it said; its own Set-Cookie and Cache-Control mean
//   nothing for the site it stands in for and are dropped;
// - the route cookie (`routecookie`) is added ahead of the member's headers;
// - hop-by-hop headers are removed (http::filterResponseHeaders);
// - Location, Content-Location and URI pointing at any member are mapped back to the front
//   (http::reverseMapLocation), then through ProxyPassReverse; Set-Cookie goes through
//   ProxyPassReverseCookieDomain/Path.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "http/http_message.h"

namespace cxxb::proxy {

/** What the adapter still has to do with a header. */
enum class HeaderUse {
  Copy,         ///< into headers_out as it is
  ContentType,  ///< ap_set_content_type
  Location,     ///< already mapped from the members to the front; then ProxyPassReverse
  Cookie,       ///< ProxyPassReverseCookieDomain/Path
};

struct ClientHeader {
  std::string name;
  std::string value;
  HeaderUse use = HeaderUse::Copy;
  bool operator==(const ClientHeader&) const = default;
};

struct ClientHead {
  int status = 0;
  std::string reason;  ///< "" keeps httpd's reason phrase for `status`
  std::vector<ClientHeader> headers;
};

/** What the policy needs to know besides the member's head. */
struct ResponseFacts {
  bool sorry = false;                                     ///< the head is the sorry page's
  uint32_t retryAfter = 0;                                ///< with `sorry`: seconds for Retry-After
  std::string_view setCookie;                             ///< the route cookie to add ("" none)
  const std::vector<std::string>* memberBases = nullptr;  ///< every member's base URL
  std::string_view frontBase;  ///< the front URL of the balancer's root ("" unknown)
};

/** The client's head for the member's `head`. */
ClientHead clientHeadFor(http::ResponseHead&& head, const ResponseFacts& facts);

/** Whether `head` has a header that clientHeadFor() maps back to the front URL (Location,
 *  Content-Location, URI): only then does it need ResponseFacts::memberBases. */
bool hasLocationHeaders(const http::ResponseHead& head) noexcept;

}  // namespace cxxb::proxy
