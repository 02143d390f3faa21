// Feeds arbitrary bytes to the sticky-session parsers. The first byte chooses the settings
// (scolonpathdelim, separator, cookie names); the rest is split on '\n' into the path, the
// query and Cookie header values. Beyond "no crash, no UB" it checks what the API promises:
// the route is what follows the first separator of a session value that really occurs in
// the input it came from, Set-Cookie routes are non-empty, and a route cookie the module
// makes carries nothing but its own pair and reads back to the same value.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "balancer/sticky.h"

namespace {

using namespace cxxb::balancer;

void require(bool condition) {
  if (!condition) {
    std::abort();
  }
}

std::vector<std::string_view> splitLines(std::string_view input) {
  std::vector<std::string_view> lines;
  while (true) {
    const size_t end = input.find('\n');
    lines.push_back(input.substr(0, end));
    if (end == std::string_view::npos) {
      return lines;
    }
    input.remove_prefix(end + 1);
  }
}

void checkRoute(const StickyRoute& found, char separator) {
  require(!found.session.empty());
  require(found.route.size() <= found.session.size());
  if (separator == '\0') {
    require(found.route == found.session);
    return;
  }
  const size_t at = found.session.find(separator);
  if (at == std::string::npos) {
    require(found.route.empty());
  } else {
    require(found.route == found.session.substr(at + 1));
  }
}

void checkFound(const StickyConfig& config, std::string_view path, std::string_view query,
                const std::vector<std::string_view>& cookies) {
  const auto found = findStickyRoute(config, path, query, cookies);
  if (!found) {
    return;
  }
  require(!config.cookie.empty());
  checkRoute(*found, config.separator);
  switch (found->source) {
    case RouteSource::PathParam:
      require(path.find(found->session) != std::string_view::npos);
      break;
    case RouteSource::QueryParam:
      require(query.find(found->session) != std::string_view::npos);
      break;
    case RouteSource::Cookie: {
      bool seen = false;
      for (std::string_view header : cookies) {
        seen = seen || header.find(found->session) != std::string_view::npos;
      }
      require(seen);
      break;
    }
    case RouteSource::None:
      require(false);
  }
}

void checkRouteCookie(std::string_view name, std::string_view route, char separator) {
  const std::string header = makeRouteCookie(name, route, (route.size() & 1) != 0, separator);
  const size_t attributes = header.find("; Path=/; HttpOnly");
  require(attributes != std::string::npos);
  const std::string pair = header.substr(0, attributes);
  for (const char c : pair) {
    require(c > 0x20 && c < 0x7f && c != ';' && c != ',' && c != '"' && c != '\\');
  }
  const size_t equals = pair.find('=');
  require(equals != std::string::npos);
  const std::string cookieName = pair.substr(0, equals);
  const std::string value = pair.substr(equals + 1);
  if (cookieName.empty() || value.empty()) {
    return;
  }
  const StickyConfig config{
      .cookie = cookieName, .urlParam = "", .separator = separator, .scolonPathDelim = false};
  const std::vector<std::string_view> cookies{pair};
  const auto found = findStickyRoute(config, "", "", cookies);
  require(found.has_value() && found->session == value && found->source == RouteSource::Cookie);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    return 0;
  }
  static constexpr char kSeparators[] = {'.', '_', '\0', ';', ',', '=', '-', ':'};
  const uint8_t flags = data[0];
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);

  StickyConfig config;
  config.scolonPathDelim = (flags & 1) != 0;
  config.separator = kSeparators[(flags >> 1) & 7];
  switch ((flags >> 4) & 3) {
    case 0:
      config.cookie = "JSESSIONID";
      config.urlParam = "jsessionid";
      break;
    case 1:
      config.cookie = "ROUTEID";
      config.urlParam = "ROUTEID";
      break;
    case 2:
      config.cookie = "S";  // a one-letter name is a suffix of many others
      config.urlParam = "";
      break;
    default:
      break;  // no stickysession
  }

  const std::vector<std::string_view> lines = splitLines(input);
  const std::string_view path = lines[0];
  const std::string_view query = lines.size() > 1 ? lines[1] : std::string_view();
  const std::vector<std::string_view> cookies(lines.begin() + (lines.size() > 2 ? 2 : 1),
                                              lines.end());
  checkFound(config, path, query, cookies);

  RouteMismatchDetector detector(2, 2);
  int warnings = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    if (const auto route = routeFromSetCookie(line, config.cookie, config.separator)) {
      require(!route->empty());
      require(line.find(*route) != std::string_view::npos);
      if (detector.observe(i & 1, line, "jvm1", *route)) {
        ++warnings;
      }
    }
    checkRouteCookie(config.cookie, line, config.separator);
    checkRouteCookie(line, "jvm1", config.separator);
  }
  require(warnings <= 2);
  return 0;
}
