#include "balancer/sticky.h"

#include "core/string_util.h"

namespace cxxb::balancer {
namespace {

/** Splits off the text before the first of `delimiters` (all of `rest` when none). */
std::string_view nextPart(std::string_view& rest, std::string_view delimiters) noexcept {
  const size_t end = rest.find_first_of(delimiters);
  const std::string_view part = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
  return part;
}

std::string_view unquote(std::string_view value) noexcept {
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    value.remove_prefix(1);
    value.remove_suffix(1);
  }
  return value;
}

/**
 * Reads one cookie pair such as ` NAME = "value" `. @return the value when the pair is named
 * `name`, trimmed and unquoted (possibly empty); nullopt for another name or no '='.
 */
std::optional<std::string_view> cookiePairValue(std::string_view pair, std::string_view name) {
  const size_t equals = pair.find('=');
  if (equals == std::string_view::npos || trimSpace(pair.substr(0, equals)) != name) {
    return std::nullopt;
  }
  return unquote(trimSpace(pair.substr(equals + 1)));
}

std::string_view routeOf(std::string_view session, char separator) noexcept {
  if (separator == '\0') {
    return session;  // httpd: no separator configured, the whole value is the route
  }
  const size_t at = session.find(separator);
  return at == std::string_view::npos ? std::string_view() : session.substr(at + 1);
}

StickyRoute makeRoute(std::string_view session, char separator, RouteSource source) {
  return StickyRoute{std::string(session), std::string(routeOf(session, separator)), source};
}

/** `;NAME=value` path parameters; the first with a value. */
std::optional<std::string_view> findPathParam(std::string_view path, std::string_view name,
                                              std::string_view delimiters) {
  size_t from = 0;
  while (true) {
    const size_t semicolon = path.find(';', from);
    if (semicolon == std::string_view::npos) {
      return std::nullopt;
    }
    from = semicolon + 1;
    std::string_view rest = path.substr(from);
    if (rest.size() > name.size() && rest.substr(0, name.size()) == name &&
        rest[name.size()] == '=') {
      rest.remove_prefix(name.size() + 1);
      const std::string_view value = nextPart(rest, delimiters);
      if (!value.empty()) {
        return value;
      }
    }
  }
}

/** `NAME=value` query parameters; the first with a value. */
std::optional<std::string_view> findQueryParam(std::string_view query, std::string_view name,
                                               std::string_view delimiters) {
  while (!query.empty()) {
    const std::string_view param = nextPart(query, delimiters);
    if (param.size() > name.size() + 1 && param.substr(0, name.size()) == name &&
        param[name.size()] == '=') {
      return param.substr(name.size() + 1);
    }
  }
  return std::nullopt;
}

bool isCookieOctet(char c) noexcept {
  // RFC 6265 cookie-octet: visible ASCII except DQUOTE, comma, semicolon and backslash.
  return c > 0x20 && c < 0x7f && c != '"' && c != ',' && c != ';' && c != '\\';
}

void appendCookieOctets(std::string& out, std::string_view text, bool isName) {
  for (const char c : text) {
    if (isCookieOctet(c) && !(isName && c == '=')) {
      out += c;
    }
  }
}

/** `text` for a log line: at most 64 characters, anything unprintable as \xHH. */
std::string printable(std::string_view text) { return escapeForLog(text, 64); }

}  // namespace

StickyConfig stickyConfigFrom(const config::BalancerConfig& balancer) {
  // routecookie without stickysession: the module's own cookie is the session.
  bool routeCookieOnly = balancer.stickyCookie.empty();
  return StickyConfig{.cookie = routeCookieOnly ? balancer.routeCookie : balancer.stickyCookie,
                      .urlParam = routeCookieOnly ? std::string() : balancer.stickyUrlParam,
                      .separator = balancer.stickySeparator,
                      .scolonPathDelim = balancer.scolonPathDelim};
}

std::optional<StickyRoute> findStickyRoute(const StickyConfig& config, std::string_view path,
                                           std::string_view query,
                                           std::span<const std::string_view> cookieHeaders) {
  if (config.cookie.empty()) {
    return std::nullopt;
  }
  // httpd's value delimiters ("?&", plus ';' with scolonpathdelim); a path parameter also
  // ends with its segment.
  const std::string_view pathDelimiters = config.scolonPathDelim ? "/?&;" : "/?&";
  const std::string_view queryDelimiters = config.scolonPathDelim ? "?&;" : "?&";
  if (!config.urlParam.empty()) {
    if (auto value = findPathParam(path, config.urlParam, pathDelimiters)) {
      return makeRoute(*value, config.separator, RouteSource::PathParam);
    }
    if (auto value = findQueryParam(query, config.urlParam, queryDelimiters)) {
      return makeRoute(*value, config.separator, RouteSource::QueryParam);
    }
  }
  for (std::string_view header : cookieHeaders) {
    while (!header.empty()) {
      const auto value = cookiePairValue(nextPart(header, ";,"), config.cookie);
      if (value && !value->empty()) {
        return makeRoute(*value, config.separator, RouteSource::Cookie);
      }
    }
  }
  return std::nullopt;
}

std::optional<std::string> routeFromSetCookie(std::string_view setCookie,
                                              std::string_view cookieName, char separator) {
  // Set-Cookie carries one cookie; its attributes follow the first ';'.
  const auto value = cookiePairValue(setCookie.substr(0, setCookie.find(';')), cookieName);
  if (!value || value->empty()) {
    return std::nullopt;
  }
  const std::string_view route = routeOf(*value, separator);
  if (route.empty()) {
    return std::nullopt;
  }
  return std::string(route);
}

std::string makeRouteCookie(std::string_view name, std::string_view route, bool secure) {
  return makeRouteCookie(name, route, secure, '.');
}

std::string makeRouteCookie(std::string_view name, std::string_view route, bool secure,
                            char separator) {
  std::string out;
  out.reserve(name.size() + route.size() + 32);
  appendCookieOctets(out, name, /*isName=*/true);
  out += '=';
  appendCookieOctets(out, std::string_view(&separator, 1), /*isName=*/false);
  appendCookieOctets(out, route, /*isName=*/false);
  out += "; Path=/; HttpOnly";
  if (secure) {
    out += "; Secure";
  }
  return out;
}

RouteMismatchDetector::RouteMismatchDetector(size_t members, uint32_t threshold)
    : states_(std::make_unique<State[]>(members)),
      size_(members),
      threshold_(threshold == 0 ? 1 : threshold) {}

std::optional<std::string> RouteMismatchDetector::observe(size_t member,
                                                          std::string_view memberName,
                                                          std::string_view configuredRoute,
                                                          std::string_view sessionRoute) {
  if (member >= size_) {
    return std::nullopt;
  }
  State& state = states_[member];
  if (!configuredRoute.empty() && sessionRoute == configuredRoute) {
    // The common case: read first, so a matching member's cache line stays shared.
    if (!state.matched.load(std::memory_order_relaxed)) {
      state.matched.store(true, std::memory_order_relaxed);
    }
    return std::nullopt;
  }
  if (state.matched.load(std::memory_order_relaxed) ||
      state.warned.load(std::memory_order_relaxed)) {
    return std::nullopt;
  }
  const uint32_t seen = state.mismatches.fetch_add(1, std::memory_order_relaxed) + 1;
  if (seen < threshold_ || state.matched.load(std::memory_order_relaxed) ||
      state.warned.exchange(true, std::memory_order_relaxed)) {
    return std::nullopt;
  }
  const std::string shownRoute = printable(sessionRoute);
  std::string text = "member " + printable(memberName);
  if (configuredRoute.empty()) {
    text += " has no route=, but the sessions its responses create carry route " + shownRoute;
  } else {
    text += " has route=" + printable(configuredRoute) +
            ", but the sessions its responses create carry route " + shownRoute;
  }
  text += " (" + std::to_string(seen) + " of its responses, none with its own route)";
  text += ": requests of those sessions do not stick to it; set route=" + shownRoute +
          " or make the backend use the member's route (Tomcat: jvmRoute)";
  return text;
}

void RouteMismatchDetector::reset(size_t member) noexcept {
  if (member >= size_) {
    return;
  }
  State& state = states_[member];
  state.mismatches.store(0, std::memory_order_relaxed);
  state.matched.store(false, std::memory_order_relaxed);
  state.warned.store(false, std::memory_order_relaxed);
}

}  // namespace cxxb::balancer
