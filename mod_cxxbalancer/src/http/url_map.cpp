#include "http/url_map.h"

#include <optional>

#include "core/string_util.h"

namespace cxxb::http {

namespace {

/** The parts of an absolute URL that decide whether it lies under a base. Views into the
 *  URL; nothing is allocated. */
struct UrlParts {
  std::string_view scheme;
  std::string_view userinfo;  ///< compared exactly; almost always empty
  std::string_view host;      ///< brackets kept for IPv6 literals
  long port = -1;             ///< -1: the scheme's default is unknown and none was given
  std::string_view path;      ///< everything after the authority: "" or starts with / ? #
};

constexpr bool isAlpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
constexpr bool isDigit(char c) noexcept { return c >= '0' && c <= '9'; }

long defaultPort(std::string_view scheme) noexcept {
  if (iequals(scheme, "http") || iequals(scheme, "ws")) {
    return 80;
  }
  if (iequals(scheme, "https") || iequals(scheme, "wss")) {
    return 443;
  }
  if (iequals(scheme, "ajp")) {
    return 8009;
  }
  return -1;
}

std::optional<UrlParts> splitAbsolute(std::string_view url) noexcept {
  size_t sep = url.find("://");
  if (sep == std::string_view::npos || sep == 0 || !isAlpha(url[0])) {
    return std::nullopt;  // relative reference: nothing to map
  }
  UrlParts parts;
  parts.scheme = url.substr(0, sep);
  for (char c : parts.scheme) {
    if (!isAlpha(c) && !isDigit(c) && c != '+' && c != '-' && c != '.') {
      return std::nullopt;
    }
  }
  std::string_view rest = url.substr(sep + 3);
  size_t authorityEnd = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authorityEnd);
  parts.path =
      authorityEnd == std::string_view::npos ? std::string_view() : rest.substr(authorityEnd);
  size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    parts.userinfo = authority.substr(0, at);
    authority.remove_prefix(at + 1);
  }
  std::string_view portText;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return std::nullopt;
    }
    parts.host = authority.substr(0, close + 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return std::nullopt;
      }
      portText = after.substr(1);
    }
  } else {
    size_t colon = authority.rfind(':');
    parts.host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      portText = authority.substr(colon + 1);
    }
  }
  if (parts.host.empty()) {
    return std::nullopt;
  }
  if (portText.empty()) {
    parts.port = defaultPort(parts.scheme);  // "http://h:/" is "http://h/" (RFC 3986 §6.2.3)
  } else {
    auto port = parseDecimal<long>(portText);
    if (!port || *port > 65535) {
      return std::nullopt;
    }
    parts.port = *port;
  }
  return parts;
}

bool sameOrigin(const UrlParts& a, const UrlParts& b) noexcept {
  return iequals(a.scheme, b.scheme) && iequals(a.host, b.host) && a.port == b.port &&
         a.userinfo == b.userinfo;
}

}  // namespace

std::string joinPath(std::string_view memberPath, std::string_view rest) {
  std::string out;
  out.reserve(memberPath.size() + rest.size() + 2);
  out.append(memberPath);
  if (!rest.empty()) {
    const bool memberSlash = !memberPath.empty() && memberPath.back() == '/';
    const bool restSlash = rest.front() == '/';
    if (memberSlash && restSlash) {
      rest.remove_prefix(1);  // one of the two junction slashes; inner "//" stay as sent
    } else if (!memberSlash && !restSlash && rest.front() != '?') {
      out.push_back('/');
    }
    out.append(rest);
  }
  if (out.empty() || out.front() != '/') {
    out.insert(out.begin(), '/');  // origin-form always starts with '/'
  }
  return out;
}

// Worked example: bases {"http://10.0.0.1:8080/app/"}, front "/webapp/".
//   "http://10.0.0.1:8080/app/login?x=1" -> base path "/app" (trailing slash trimmed) is a
//   prefix and the rest "/login?x=1" starts with '/', so the result is "/webapp" + rest.
//   "http://10.0.0.1:8080/application" -> rest "lication": not under the base, unchanged.
//   "HTTP://10.0.0.1:8080/app/" and "http://10.0.0.1:8080/app/" map alike; with base
//   "http://h/" the value "http://h:80/x" maps too (same default port).
// When several bases match, the one with the longest path wins: it is the most specific.
std::string reverseMapLocation(std::string_view value, const std::vector<std::string>& memberBases,
                               std::string_view frontBase) {
  auto target = splitAbsolute(value);
  if (!target) {
    return std::string(value);
  }
  std::optional<std::string_view> bestRest;
  size_t bestLength = 0;
  bool bestAtRoot = false;
  for (const std::string& baseText : memberBases) {
    auto base = splitAbsolute(baseText);
    if (!base || !sameOrigin(*base, *target)) {
      continue;
    }
    std::string_view basePath = base->path;
    const bool baseSlash = !basePath.empty() && basePath.back() == '/';
    if (baseSlash) {
      basePath.remove_suffix(1);
    }
    std::string_view rest;
    if (basePath.empty()) {
      rest = target->path;  // the whole origin: "", "/…", "?…" or "#…"
    } else {
      if (target->path.substr(0, basePath.size()) != basePath) {
        continue;  // paths compare case-sensitively
      }
      rest = target->path.substr(basePath.size());
      // "/app/" needs the slash; "/app" also accepts the end, a query or a fragment, but
      // never "/apple".
      bool boundary = baseSlash ? (!rest.empty() && rest.front() == '/')
                                : (rest.empty() || rest.front() == '/' || rest.front() == '?' ||
                                   rest.front() == '#');
      if (!boundary) {
        continue;
      }
    }
    if (!bestRest || basePath.size() > bestLength) {
      bestRest = rest;
      bestLength = basePath.size();
      bestAtRoot = basePath.empty();
    }
  }
  if (!bestRest) {
    return std::string(value);
  }
  std::string_view rest = *bestRest;
  std::string_view frontTrim = frontBase;
  if (!frontTrim.empty() && frontTrim.back() == '/') {
    frontTrim.remove_suffix(1);
  }
  std::string out;
  out.reserve(frontBase.size() + rest.size() + 1);
  if (!rest.empty() && rest.front() == '/') {
    out.append(frontTrim).append(rest);
  } else if (bestAtRoot) {
    // "http://h" and "http://h?x" are "http://h/" and "http://h/?x" (RFC 3986 §6.2.3).
    out.append(frontTrim).append("/").append(rest);
  } else {
    // Exactly the slash-less base, maybe with a query: stands for the front base itself.
    out.append(frontBase).append(rest);
  }
  return out;
}

}  // namespace cxxb::http
