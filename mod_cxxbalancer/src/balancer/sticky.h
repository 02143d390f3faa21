#pragma once
// Sticky sessions: where a request's session route comes from (URL parameter or cookie),
// which route a member's response gives a new session, the module's own route cookie, and
// the warning for a member whose route= never matches what its responses set.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "config/balancer_config.h"

namespace cxxb::balancer {

/** The balancer's sticky-session settings (`stickysession`, `stickysessionsep`, ...). */
struct StickyConfig {
  std::string cookie;            ///< e.g. "JSESSIONID"; empty = no sticky sessions
  std::string urlParam;          ///< e.g. "jsessionid" (equals cookie when only one name was given)
  char separator = '.';          ///< before the route in the session value; '\0': the whole value
  bool scolonPathDelim = false;  ///< ';' also ends a URL parameter's value
};

/** The sticky settings of a parsed `<CxxBalancer>`; with only `routecookie=NAME`, the
 *  session is that cookie. */
StickyConfig stickyConfigFrom(const config::BalancerConfig& balancer);

enum class RouteSource { None, PathParam, QueryParam, Cookie };

struct StickyRoute {
  std::string session;  ///< the whole value, e.g. "ABC123.jvm2"
  std::string route;    ///< the part after the first separator, e.g. "jvm2" ("" if none)
  RouteSource source = RouteSource::None;
};

/**
 * The sticky session of a request, found as mod_proxy_balancer's find_session_route() finds
 * it: first the URL parameter `config.urlParam`, then the cookie `config.cookie`. Nothing
 * is looked up when `config.cookie` is empty (no stickysession). Names compare
 * case-sensitively, as in httpd (Tomcat's JSESSIONID and jsessionid are different names).
 *
 * URL parameter, in the raw (still percent-encoded) URL:
 * - a path parameter `;NAME=value` anywhere in `path`, then a query parameter `NAME=value`
 *   at the start of `query` or after '&' (httpd scans the whole URL left to right, so the
 *   path wins over the query);
 * - the value ends at '&' or the end, and also at ';' when `scolonPathDelim` is set (httpd's
 *   delimiters "?&" and ";?&"). Without scolonpathdelim, "/a;jsessionid=X.jvm1;foo=1" has
 *   the value "X.jvm1;foo=1", whose route "jvm1;foo=1" matches no member: the reason that
 *   setting exists. With it, ';' also separates query parameters.
 * Cookie: every `cookieHeaders` value in order, each a list of `name=value` pairs separated
 * by ';' or ',' (httpd ends a value at either). Spaces around names and values are skipped,
 * and a value in double quotes loses them. The first pair named exactly NAME wins.
 *
 * The route is what follows the first `separator` in the value; a value without one gives
 * a StickyRoute whose route is empty (httpd then balances the request normally, without
 * falling back to the cookie).
 *
 * Where this deliberately differs from httpd (each difference only turns a lookup httpd
 * gets wrong into one that works): httpd finds NAME= anywhere in the URL and the cookie
 * header, so "xjsessionid=" or "/jsessionid=" match; here the name must start a path
 * parameter, a query parameter or a cookie pair. A path parameter also ends at '/' (it
 * belongs to one path segment; httpd would take the rest of the path into the route).
 * An empty value is skipped and the search goes on (httpd's apr_strtok would skip the
 * delimiters and take the next parameter as the value). Cookie values lose surrounding
 * spaces and quotes, and every Cookie header is read (httpd reads the first only).
 *
 * @param cookieHeaders every Cookie header value of the request, in order
 */
std::optional<StickyRoute> findStickyRoute(const StickyConfig& config, std::string_view path,
                                           std::string_view query,
                                           std::span<const std::string_view> cookieHeaders);

/**
 * The route a member's `Set-Cookie` header gives its session: with cookie JSESSIONID,
 * "JSESSIONID=ABC.jvm2; Path=/" gives "jvm2". Spaces around the name and value and quotes
 * around the value are ignored. nullopt when the header sets another cookie, when the
 * value is empty (a deletion) or has no separator, or when nothing follows the separator.
 */
std::optional<std::string> routeFromSetCookie(std::string_view setCookie,
                                              std::string_view cookieName, char separator);

/**
 * The value of the `Set-Cookie` header for the module's own route cookie
 * (`routecookie=NAME`): "NAME=.ROUTE; Path=/; HttpOnly", plus "; Secure" when `secure`.
 *
 * Why these attributes:
 * - the value starts with the separator, so findStickyRoute() reads ROUTE back from it with
 *   the same rules as an application's session cookie (the mod_headers recipe in httpd's
 *   documentation, `ROUTEID=.%{BALANCER_WORKER_ROUTE}e`, has the same shape);
 * - `Path=/`: the cookie must come back on every URL the balancer serves, and where it is
 *   mounted is not known here; the same recipe uses path=/;
 * - no Expires or Max-Age: a session cookie, gone with the browser session, as the sessions
 *   it pins usually are; stale routes are harmless (an unknown route is balanced normally);
 * - `HttpOnly`: scripts have no business with it, and it is then out of reach of XSS;
 * - `Secure` only when the client came over TLS (pass `secure`): on plain HTTP a Secure
 *   cookie would never be sent back and stickiness would silently not work;
 * - no SameSite: browsers default to Lax, which sends it on every same-site request and
 *   top-level navigation, all that stickiness needs.
 * Characters that may not appear in a cookie name or value (controls, space, '"', ',', ';',
 * '\\', DEL and non-ASCII) are dropped, so the header can never carry extra attributes;
 * configuration only allows route characters anyway.
 */
std::string makeRouteCookie(std::string_view name, std::string_view route, bool secure);

/** The same with another `stickysessionsep` than '.' before the route. */
std::string makeRouteCookie(std::string_view name, std::string_view route, bool secure,
                            char separator);

/**
 * Notices a member whose configured route never matches the routes its own responses give
 * their sessions: Tomcat's jvmRoute is "tomcat1" while the member says route=jvm1, so every
 * session created there comes back as ".tomcat1", finds no member, and is balanced anew on
 * each request (logins "randomly" lost). Nothing fails loudly, hence the warning.
 *
 * The caller reports every response of a member that set the session cookie with a route
 * (routeFromSetCookie()). Once a member has set its own route even once, it is never
 * warned about. After `threshold` responses with another route and none with its own,
 * observe() returns a warning naming both routes, once per member; every later call for
 * that member returns nullopt.
 *
 * Thread safety: observe() and reset() may be called from any thread concurrently; state is
 * one set of atomics per member, no lock. The common path (the member set its own route)
 * is one comparison and at most one relaxed load: no allocation, no write once the member
 * is known to match. Only the one warning allocates. The state is per process: under
 * prefork each child warns once (a handful of lines, not one per request).
 */
class RouteMismatchDetector {
 public:
  static constexpr uint32_t kDefaultThreshold = 3;

  /** @param members how many member indices observe() may see (configured + growth) */
  explicit RouteMismatchDetector(size_t members, uint32_t threshold = kDefaultThreshold);

  /**
   * Records one response of member `member`.
   * @param memberName how the warning names the member, e.g. its URL
   * @param configuredRoute the member's route= ("" if it has none)
   * @param sessionRoute the route the response's Set-Cookie gave its session (not empty)
   * @return the warning text (without a log message id) the one time this member crosses
   *   the threshold; nullopt otherwise, and for indices out of range
   */
  std::optional<std::string> observe(size_t member, std::string_view memberName,
                                     std::string_view configuredRoute,
                                     std::string_view sessionRoute);

  /** Forgets what was seen of `member`, e.g. after the manager changed its route. */
  void reset(size_t member) noexcept;

  size_t size() const noexcept { return size_; }

 private:
  struct State {
    std::atomic<uint32_t> mismatches{0};
    std::atomic<bool> matched{false};
    std::atomic<bool> warned{false};
  };

  std::unique_ptr<State[]> states_;
  size_t size_;
  uint32_t threshold_;
};

}  // namespace cxxb::balancer
