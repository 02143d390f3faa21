#include "config/settings.h"

#include <algorithm>
#include <array>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <variant>

#include "core/string_util.h"

namespace cxxb::config {
namespace {

// Every message has the shape `<key>=<value>: <what is wrong>; allowed: <what is allowed>`
// (or `<url>: ...` for URLs). Tests and operators match them word for word, so the texts
// below are part of the contract: change them only on purpose.

constexpr size_t kMaxShown = 128;
constexpr std::string_view kHidden = "***";
constexpr std::string_view kUrlForms = "scheme://host[:port][/path] with scheme http, https or ajp";
constexpr std::string_view kSchemes = "http, https, ajp";
constexpr std::string_view kPortRange = "1..65535";
constexpr std::string_view kDurationAllowed =
    "1ms..3600s, as seconds (5, 5s) or milliseconds (250ms)";
constexpr std::string_view kOnOff = "On, Off";
constexpr std::string_view kRouteAllowed = "1..64 characters of A-Z a-z 0-9 . _ -";
constexpr std::string_view kStatusAllowed =
    "flags D, S, H, N, I, E, each set by + (or no sign) and cleared by -, e.g. +H or +H-D";
constexpr std::string_view kSecretAllowed = "1..255 printable ASCII characters without spaces";
constexpr std::string_view kHcMethods = "NONE, TCP, OPTIONS, HEAD, GET, CPING";
constexpr std::string_view kHcMethodsHttp = "NONE, TCP, OPTIONS, HEAD, GET";
constexpr std::string_view kHcExpectAllowed =
    "status codes or ranges of 100..599, e.g. 200-399 or 200,204,300-399";
constexpr std::string_view kFailOnStatusAllowed =
    "comma-separated status codes of 100..599, e.g. 500,502,503";
constexpr std::string_view kSorryAllowed = "a local path starting with / or an http(s) URL";
constexpr std::string_view kPathChars = "printable ASCII, other bytes percent-encoded";
constexpr int64_t kMaxDurationMs = 3600 * 1000;
constexpr uint64_t kMaxPool = 100000;

/** Makes text safe to show on one line: escapes control and non-ASCII bytes, caps length. */
std::string shown(std::string_view s) { return escapeForLog(s, kMaxShown); }

/** Names one offending character: 'x' when printable, 0xHH otherwise. */
std::string charName(char ch) {
  auto c = static_cast<unsigned char>(ch);
  if (c < 0x20 || c >= 0x7f) {
    return std::string("0x") + kHexDigits[c >> 4] + kHexDigits[c & 0xf];
  }
  return std::string("'") + ch + "'";
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) {
      out += ", ";
    }
    out += item;
  }
  return out;
}

constexpr bool isDigit(char c) noexcept { return c >= '0' && c <= '9'; }
constexpr bool isAlpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
constexpr bool isHex(char c) noexcept {
  return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
constexpr bool isVisible(char c) noexcept { return c > 0x20 && c < 0x7f; }
constexpr bool isRouteChar(char c) noexcept {
  return isAlpha(c) || isDigit(c) || c == '.' || c == '_' || c == '-';
}
// RFC 9110 tchar: what cookie and parameter names may contain.
constexpr bool isTokenChar(char c) noexcept {
  return isAlpha(c) || isDigit(c) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool allDigits(std::string_view s) noexcept {
  return !s.empty() && std::all_of(s.begin(), s.end(), isDigit);
}

/** One `key=value` being applied, with what the key allows, to build messages. */
struct Arg {
  std::string_view key;  // canonical, lowercase
  std::string_view value;
  std::string_view allowed;
  bool hideValue = false;

  Unexpected fail(std::string_view what) const { return fail(what, allowed); }
  Unexpected fail(std::string_view what, std::string_view allowedText) const {
    std::string msg = shown(key);
    msg += '=';
    msg += hideValue ? std::string(kHidden) : shown(value);
    msg += ": ";
    msg += what;
    msg += "; allowed: ";
    msg += allowedText;
    return unexpected(std::move(msg));
  }
};

// --- Value parsers shared by member and balancer keys --------------------------------------

enum class NumberError { None, NotANumber, OutOfRange };

/** Parses a decimal in [lo, hi]; "-5" and overflowing digits count as out of range. */
std::variant<uint64_t, NumberError> parseNumber(std::string_view s, uint64_t lo, uint64_t hi) {
  bool negative = !s.empty() && s.front() == '-';
  std::string_view digits = negative ? s.substr(1) : s;
  if (!allDigits(digits)) {
    return NumberError::NotANumber;
  }
  if (negative) {
    return NumberError::OutOfRange;
  }
  auto value = parseDecimal<uint64_t>(digits);
  if (!value || *value < lo || *value > hi) {
    return NumberError::OutOfRange;
  }
  return *value;
}

Result<uint32_t> parseRanged(const Arg& a, uint64_t lo, uint64_t hi) {
  auto parsed = parseNumber(a.value, lo, hi);
  if (auto* err = std::get_if<NumberError>(&parsed)) {
    return a.fail(*err == NumberError::NotANumber ? "not a number" : "out of range");
  }
  return static_cast<uint32_t>(std::get<uint64_t>(parsed));
}

Result<bool> parseOnOff(const Arg& a) {
  if (iequals(a.value, "on")) {
    return true;
  }
  if (iequals(a.value, "off")) {
    return false;
  }
  return a.fail("not On or Off");
}

Result<std::string> parseRouteLike(const Arg& a) {
  if (a.value.size() > 64) {
    return a.fail("too long");
  }
  for (char c : a.value) {
    if (!isRouteChar(c)) {
      return a.fail("invalid character " + charName(c));
    }
  }
  return std::string(a.value);
}

Result<std::string> parseToken(const Arg& a, std::string_view token) {
  for (char c : token) {
    if (!isTokenChar(c)) {
      return a.fail("invalid character " + charName(c));
    }
  }
  return std::string(token);
}

/** Path-like values (file names): anything printable; spaces can arrive through quotes. */
Result<std::string> parseFilePath(const Arg& a) {
  for (char c : a.value) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      return a.fail("invalid character " + charName(c));
    }
  }
  return std::string(a.value);
}

/** A DNS host name: dot-separated labels of letters, digits and '-', as SNI requires. */
bool isHostName(std::string_view s) {
  if (s.empty() || s.size() > 253) {
    return false;
  }
  size_t start = 0;
  while (start <= s.size()) {
    size_t dot = s.find('.', start);
    std::string_view label = s.substr(start, dot == std::string_view::npos ? s.npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      if (!isAlpha(c) && !isDigit(c) && c != '-') {
        return false;
      }
    }
    if (dot == std::string_view::npos) {
      break;
    }
    start = dot + 1;
  }
  return true;
}

Result<HealthMethod> parseHcMethod(const Arg& a) {
  static constexpr std::array<std::pair<std::string_view, HealthMethod>, 6> kMethods{{
      {"none", HealthMethod::None},
      {"tcp", HealthMethod::Tcp},
      {"options", HealthMethod::Options},
      {"head", HealthMethod::Head},
      {"get", HealthMethod::Get},
      {"cping", HealthMethod::Cping},
  }};
  for (const auto& [name, method] : kMethods) {
    if (iequals(a.value, name)) {
      return method;
    }
  }
  return a.fail("unknown method");
}

Result<std::string> parseHcUri(const Arg& a) {
  if (a.value.front() != '/') {
    return a.fail("does not start with /");
  }
  for (char c : a.value) {
    if (!isVisible(c)) {
      return a.fail("invalid character " + charName(c));
    }
  }
  return std::string(a.value);
}

/** Splits on ',' keeping empty items, so "200,,300" is caught as an error. */
std::vector<std::string_view> splitCommas(std::string_view s) {
  std::vector<std::string_view> items;
  size_t start = 0;
  while (true) {
    size_t comma = s.find(',', start);
    if (comma == std::string_view::npos) {
      items.push_back(s.substr(start));
      return items;
    }
    items.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
}

Result<std::vector<StatusRange>> parseHcExpect(const Arg& a) {
  std::vector<StatusRange> ranges;
  for (std::string_view item : splitCommas(a.value)) {
    size_t dash = item.find('-');
    std::string_view low = item.substr(0, dash);
    std::string_view high = dash == std::string_view::npos ? low : item.substr(dash + 1);
    if (!allDigits(low) || !allDigits(high)) {
      return a.fail("not a status list");
    }
    auto lo = parseNumber(low, 100, 599);
    auto hi = parseNumber(high, 100, 599);
    if (!std::holds_alternative<uint64_t>(lo) || !std::holds_alternative<uint64_t>(hi)) {
      return a.fail("out of range");
    }
    StatusRange range{static_cast<int>(std::get<uint64_t>(lo)),
                      static_cast<int>(std::get<uint64_t>(hi))};
    if (range.low > range.high) {
      return a.fail("range runs backwards");
    }
    ranges.push_back(range);
  }
  return ranges;
}

Result<std::vector<int>> parseStatusList(const Arg& a) {
  std::vector<int> codes;
  for (std::string_view item : splitCommas(a.value)) {
    auto code = parseNumber(item, 100, 599);
    if (auto* err = std::get_if<NumberError>(&code)) {
      return a.fail(*err == NumberError::NotANumber || item.empty() ? "not a status list"
                                                                    : "out of range");
    }
    int value = static_cast<int>(std::get<uint64_t>(code));
    if (std::find(codes.begin(), codes.end(), value) == codes.end()) {
      codes.push_back(value);
    }
  }
  return codes;
}

Result<Millis> durationOf(const Arg& a) {
  std::string_view v = a.value;
  bool negative = !v.empty() && v.front() == '-';
  if (negative) {
    v.remove_prefix(1);
  }
  size_t digits = 0;
  while (digits < v.size() && isDigit(v[digits])) {
    ++digits;
  }
  std::string_view number = v.substr(0, digits);
  std::string_view unit = v.substr(digits);
  bool millis = iequals(unit, "ms");
  if (number.empty() || !(unit.empty() || millis || iequals(unit, "s"))) {
    return a.fail("not a duration");
  }
  if (negative) {
    return a.fail("out of range");
  }
  uint64_t limit = millis ? kMaxDurationMs : kMaxDurationMs / 1000;
  auto parsed = parseNumber(number, 0, limit);
  if (!std::holds_alternative<uint64_t>(parsed)) {
    return a.fail("out of range");
  }
  auto ms = static_cast<int64_t>(std::get<uint64_t>(parsed)) * (millis ? 1 : 1000);
  if (ms < 1) {
    return a.fail("out of range");
  }
  return Millis(ms);
}

// --- URLs ----------------------------------------------------------------------------------

struct UrlProblem {
  std::string what;
  std::string allowed;
};

bool isIpv4(std::string_view s) {
  int parts = 0;
  size_t start = 0;
  while (true) {
    size_t dot = s.find('.', start);
    std::string_view part = s.substr(start, dot == std::string_view::npos ? s.npos : dot - start);
    if (part.empty() || part.size() > 3 || !allDigits(part) || std::stoi(std::string(part)) > 255) {
      return false;
    }
    ++parts;
    if (dot == std::string_view::npos) {
      break;
    }
    start = dot + 1;
  }
  return parts == 4;
}

/** Counts the 16-bit groups of one side of "::"; -1 when malformed. */
int ipv6Groups(std::string_view side, bool mayEndInIpv4) {
  if (side.empty()) {
    return 0;
  }
  int groups = 0;
  size_t start = 0;
  while (true) {
    size_t colon = side.find(':', start);
    std::string_view group =
        side.substr(start, colon == std::string_view::npos ? side.npos : colon - start);
    bool last = colon == std::string_view::npos;
    if (last && mayEndInIpv4 && group.find('.') != std::string_view::npos) {
      return isIpv4(group) ? groups + 2 : -1;
    }
    if (group.empty() || group.size() > 4 || !std::all_of(group.begin(), group.end(), isHex)) {
      return -1;
    }
    ++groups;
    if (last) {
      return groups;
    }
    start = colon + 1;
  }
}

bool isIpv6(std::string_view s) {
  size_t gap = s.find("::");
  if (gap == std::string_view::npos) {
    return ipv6Groups(s, true) == 8;
  }
  std::string_view left = s.substr(0, gap);
  std::string_view right = s.substr(gap + 2);
  if (right.find("::") != std::string_view::npos) {
    return false;
  }
  int l = ipv6Groups(left, false);
  int r = ipv6Groups(right, true);
  return l >= 0 && r >= 0 && l + r <= 7;
}

/** The URL grammar without the message framing, shared by parseMemberUrl and sorry=. */
std::variant<MemberUrl, UrlProblem> parseUrl(std::string_view url) {
  auto problem = [](std::string what, std::string_view allowed) {
    return UrlProblem{std::move(what), std::string(allowed)};
  };
  size_t sep = url.find("://");
  if (sep == std::string_view::npos) {
    return problem("missing ://", kUrlForms);
  }
  std::string_view schemeText = url.substr(0, sep);
  MemberUrl out;
  if (iequals(schemeText, "http")) {
    out.scheme = Scheme::Http;
    out.port = 80;
  } else if (iequals(schemeText, "https")) {
    out.scheme = Scheme::Https;
    out.port = 443;
  } else if (iequals(schemeText, "ajp")) {
    out.scheme = Scheme::Ajp;
    out.port = 8009;
  } else if (schemeText.empty()) {
    return problem("missing scheme", kSchemes);
  } else {
    return problem("unsupported scheme '" + shown(schemeText) + "'", kSchemes);
  }

  std::string_view rest = url.substr(sep + 3);
  size_t extra = rest.find_first_of("?#");
  if (extra != std::string_view::npos) {
    return problem(rest[extra] == '?' ? "query not allowed" : "fragment not allowed", kUrlForms);
  }
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos) {
    return problem("user info not allowed", kUrlForms);
  }

  std::string_view host;
  std::optional<std::string_view> port;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return problem("missing ] after IPv6 address", kUrlForms);
    }
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return problem("invalid character " + charName(after.front()) + " after ]", kUrlForms);
      }
      port = after.substr(1);
    }
    if (host.empty()) {
      return problem("empty host", kUrlForms);
    }
    if (!isIpv6(host)) {
      return problem("invalid IPv6 address", "an IPv6 address in brackets, e.g. [::1]:8080");
    }
  } else {
    size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      if (port->find(':') != std::string_view::npos) {
        return problem("IPv6 address without brackets",
                       "an IPv6 address in brackets, e.g. [::1]:8080");
      }
    }
    if (host.empty()) {
      return problem("empty host", kUrlForms);
    }
    if (host.size() > 253) {
      return problem("host too long", "up to 253 characters");
    }
    for (char c : host) {
      if (!isAlpha(c) && !isDigit(c) && c != '-' && c != '.' && c != '_') {
        return problem("invalid character " + charName(c) + " in host",
                       "host names of A-Z a-z 0-9 . _ -, IPv4 or [IPv6] addresses");
      }
    }
  }
  if (port) {
    if (port->empty()) {
      return problem("empty port", kPortRange);
    }
    auto number = parseNumber(*port, 1, 65535);
    if (auto* err = std::get_if<NumberError>(&number)) {
      return problem(*err == NumberError::NotANumber ? "invalid port" : "port out of range",
                     kPortRange);
    }
    out.port = static_cast<uint16_t>(std::get<uint64_t>(number));
  }
  for (char c : path) {
    if (!isVisible(c)) {
      return problem("invalid character " + charName(c) + " in path", kPathChars);
    }
  }
  out.host = toLower(host);
  out.path = std::string(path);
  return out;
}

std::string_view schemeWord(Scheme scheme) {
  switch (scheme) {
    case Scheme::Http:
      return "http";
    case Scheme::Https:
      return "https";
    case Scheme::Ajp:
      return "ajp";
  }
  return "http";
}

// --- Key tables ----------------------------------------------------------------------------

using MemberApply = Result<void> (*)(MemberConfig&, const Arg&);
using BalancerApply = Result<void> (*)(BalancerConfig&, const Arg&);

struct MemberKey {
  std::string_view name;
  std::string_view allowed;
  MemberApply apply;
  bool hideValue = false;
};

struct BalancerKey {
  std::string_view name;
  std::string_view allowed;
  BalancerApply apply;
};

/** Checks the member's scheme before the value: a misplaced key is the likelier mistake. */
Result<void> requireScheme(const MemberConfig& m, const Arg& a, std::initializer_list<Scheme> ok,
                           std::string_view allowedMembers) {
  if (std::find(ok.begin(), ok.end(), m.url.scheme) != ok.end()) {
    return {};
  }
  return a.fail("not for " + std::string(schemeWord(m.url.scheme)) + " members", allowedMembers);
}

template <class T, class Parse>
Result<void> assign(T& target, const Arg& a, Parse parse) {
  auto parsed = parse(a);
  if (!parsed) {
    return unexpected(parsed.error());
  }
  target = std::move(*parsed);
  return {};
}

Result<void> setMemberMax(MemberConfig& m, const Arg& a) {
  auto max = parseRanged(a, 1, kMaxPool);
  if (!max) {
    return unexpected(max.error());
  }
  if (m.smax && *m.smax > *max) {
    return a.fail("less than smax=" + std::to_string(*m.smax),
                  std::to_string(*m.smax) + ".." + std::to_string(kMaxPool));
  }
  m.max = *max;
  return {};
}

Result<void> setMemberSmax(MemberConfig& m, const Arg& a) {
  std::string range = "0.." + std::to_string(m.max ? *m.max : kMaxPool);
  auto smax = parseRanged(Arg{a.key, a.value, range}, 0, kMaxPool);
  if (!smax) {
    return unexpected(smax.error());
  }
  if (m.max && *smax > *m.max) {
    return a.fail("greater than max=" + std::to_string(*m.max), range);
  }
  m.smax = *smax;
  return {};
}

Result<void> setMemberStatus(MemberConfig& m, const Arg& a) {
  static constexpr std::array<std::pair<char, uint32_t>, 6> kFlags{{
      {'D', kStatusDisabled},
      {'S', kStatusStopped},
      {'H', kStatusHotStandby},
      {'N', kStatusDraining},
      {'I', kStatusIgnoreErrors},
      {'E', kStatusInError},
  }};
  // As in httpd, a sign holds for the letters after it until the next sign: "+HD" sets both.
  uint32_t status = m.status;
  bool set = true;
  bool flagSinceSign = true;
  for (char c : a.value) {
    if (c == '+' || c == '-') {
      if (!flagSinceSign) {
        return a.fail("sign without a flag");
      }
      set = c == '+';
      flagSinceSign = false;
      continue;
    }
    char upper = c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c;
    auto it = std::find_if(kFlags.begin(), kFlags.end(),
                           [upper](const auto& flag) { return flag.first == upper; });
    if (it == kFlags.end()) {
      return a.fail("unknown flag " + charName(c));
    }
    status = set ? (status | it->second) : (status & ~it->second);
    flagSinceSign = true;
  }
  if (!flagSinceSign) {
    return a.fail("sign without a flag");
  }
  m.status = status;
  return {};
}

Result<void> setMemberSecret(MemberConfig& m, const Arg& a) {
  if (auto ok = requireScheme(m, a, {Scheme::Ajp}, "ajp members"); !ok) {
    return ok;
  }
  if (a.value.size() > 255) {
    return a.fail("too long");
  }
  if (!std::all_of(a.value.begin(), a.value.end(), isVisible)) {
    return a.fail("contains a space or a non-printable character");
  }
  m.secret = std::string(a.value);
  return {};
}

Result<void> setMemberUpgrade(MemberConfig& m, const Arg& a) {
  if (auto ok = requireScheme(m, a, {Scheme::Http, Scheme::Https}, "http and https members"); !ok) {
    return ok;
  }
  if (iequals(a.value, "websocket")) {
    m.upgrade = Upgrade::WebSocket;
  } else if (a.value == "*") {
    m.upgrade = Upgrade::Any;
  } else {
    return a.fail("unknown protocol");
  }
  return {};
}

Result<void> setMemberFlush(MemberConfig& m, const Arg& a) {
  if (iequals(a.value, "on")) {
    m.flushPackets = FlushPackets::On;
  } else if (iequals(a.value, "off")) {
    m.flushPackets = FlushPackets::Off;
  } else if (iequals(a.value, "auto")) {
    m.flushPackets = FlushPackets::Auto;
  } else {
    return a.fail("not on, off or auto");
  }
  return {};
}

template <auto Field>
Result<void> setSslPath(MemberConfig& m, const Arg& a) {
  if (auto ok = requireScheme(m, a, {Scheme::Https}, "https members"); !ok) {
    return ok;
  }
  return assign(m.*Field, a, parseFilePath);
}

Result<void> setMemberHcMethod(MemberConfig& m, const Arg& a) {
  auto method = parseHcMethod(a);
  if (!method) {
    return unexpected(method.error());
  }
  if (*method == HealthMethod::Cping && m.url.scheme != Scheme::Ajp) {
    return a.fail("CPING only for ajp members", kHcMethodsHttp);
  }
  m.hc.method = *method;
  return {};
}

// Alphabetical, which is also the order of the "allowed:" list of an unknown key.
const std::array<MemberKey, 31> kMemberKeys{{
    {"addressttl", "0..86400 (seconds, 0 = resolve once)",
     [](MemberConfig& m, const Arg& a) {
       return assign(m.addressTtl, a, [](const Arg& x) -> Result<Seconds> {
         auto v = parseRanged(x, 0, 86400);
         return v ? Result<Seconds>(Seconds(*v)) : unexpected(v.error());
       });
     }},
    {"connectiontimeout", kDurationAllowed,
     [](MemberConfig& m, const Arg& a) { return assign(m.connectTimeout, a, durationOf); }},
    {"disablereuse", kOnOff,
     [](MemberConfig& m, const Arg& a) { return assign(m.disableReuse, a, parseOnOff); }},
    {"flushpackets", "on, off, auto", setMemberFlush},
    {"hcexpect", kHcExpectAllowed,
     [](MemberConfig& m, const Arg& a) { return assign(m.hc.expect, a, parseHcExpect); }},
    {"hcfails", "1..100",
     [](MemberConfig& m, const Arg& a) {
       return assign(m.hc.fails, a, [](const Arg& x) { return parseRanged(x, 1, 100); });
     }},
    {"hcinterval", "1..86400 (seconds)",
     [](MemberConfig& m, const Arg& a) {
       return assign(m.hc.interval, a, [](const Arg& x) -> Result<Seconds> {
         auto v = parseRanged(x, 1, 86400);
         return v ? Result<Seconds>(Seconds(*v)) : unexpected(v.error());
       });
     }},
    {"hcmethod", kHcMethods, setMemberHcMethod},
    {"hcpasses", "1..100",
     [](MemberConfig& m, const Arg& a) {
       return assign(m.hc.passes, a, [](const Arg& x) { return parseRanged(x, 1, 100); });
     }},
    {"hctimeout", kDurationAllowed,
     [](MemberConfig& m, const Arg& a) { return assign(m.hc.timeout, a, durationOf); }},
    {"hcuri", "a path starting with /",
     [](MemberConfig& m, const Arg& a) { return assign(m.hc.uri, a, parseHcUri); }},
    {"keepalive", kOnOff,
     [](MemberConfig& m, const Arg& a) { return assign(m.keepalive, a, parseOnOff); }},
    {"lbset", "0..99",
     [](MemberConfig& m, const Arg& a) {
       return assign(m.lbset, a, [](const Arg& x) { return parseRanged(x, 0, 99); });
     }},
    {"loadfactor", "1..100",
     [](MemberConfig& m, const Arg& a) {
       return assign(m.loadFactor, a, [](const Arg& x) { return parseRanged(x, 1, 100); });
     }},
    {"max", "1..100000", setMemberMax},
    {"packetsize", "8192..65536",
     [](MemberConfig& m, const Arg& a) {
       if (auto ok = requireScheme(m, a, {Scheme::Ajp}, "ajp members"); !ok) {
         return ok;
       }
       return assign(m.packetSize, a, [](const Arg& x) { return parseRanged(x, 8192, 65536); });
     }},
    {"ping", kDurationAllowed,
     [](MemberConfig& m, const Arg& a) { return assign(m.ping, a, durationOf); }},
    {"redirect", kRouteAllowed,
     [](MemberConfig& m, const Arg& a) { return assign(m.redirect, a, parseRouteLike); }},
    {"retry", "0..86400 (seconds)",
     [](MemberConfig& m, const Arg& a) {
       return assign(m.retry, a, [](const Arg& x) -> Result<Seconds> {
         auto v = parseRanged(x, 0, 86400);
         return v ? Result<Seconds>(Seconds(*v)) : unexpected(v.error());
       });
     }},
    {"route", kRouteAllowed,
     [](MemberConfig& m, const Arg& a) { return assign(m.route, a, parseRouteLike); }},
    {"secret", kSecretAllowed, setMemberSecret, true},
    {"smax", "0..max", setMemberSmax},
    {"sslca", "a file path", setSslPath<&MemberConfig::sslCa>},
    {"sslcert", "a file path", setSslPath<&MemberConfig::sslCert>},
    {"sslkey", "a file path", setSslPath<&MemberConfig::sslKey>},
    {"sslsni", "a DNS host name, e.g. backend.example.org",
     [](MemberConfig& m, const Arg& a) {
       if (auto ok = requireScheme(m, a, {Scheme::Https}, "https members"); !ok) {
         return ok;
       }
       if (!isHostName(a.value)) {
         return Result<void>(a.fail("not a host name"));
       }
       m.sslSni = std::string(a.value);
       return Result<void>();
     }},
    {"sslverify", kOnOff,
     [](MemberConfig& m, const Arg& a) {
       if (auto ok = requireScheme(m, a, {Scheme::Https}, "https members"); !ok) {
         return ok;
       }
       return assign(m.sslVerify, a, parseOnOff);
     }},
    {"status", kStatusAllowed, setMemberStatus},
    {"timeout", kDurationAllowed,
     [](MemberConfig& m, const Arg& a) { return assign(m.timeout, a, durationOf); }},
    {"ttl", "1..86400 (seconds)",
     [](MemberConfig& m, const Arg& a) {
       return assign(m.ttl, a, [](const Arg& x) -> Result<Seconds> {
         auto v = parseRanged(x, 1, 86400);
         return v ? Result<Seconds>(Seconds(*v)) : unexpected(v.error());
       });
     }},
    {"upgrade", "websocket, *", setMemberUpgrade},
}};

Result<void> setLbMethod(BalancerConfig& b, const Arg& a) {
  for (const auto& method : kLbMethods) {
    if (iequals(a.value, method.name)) {
      b.lbMethod = std::string(method.name);
      return {};
    }
  }
  return a.fail("unknown method");
}

Result<void> setStickySession(BalancerConfig& b, const Arg& a) {
  size_t bar = a.value.find('|');
  std::string_view cookie = a.value.substr(0, bar);
  std::string_view param = bar == std::string_view::npos ? cookie : a.value.substr(bar + 1);
  if (cookie.empty() || param.empty()) {
    return a.fail("empty name");
  }
  if (param.find('|') != std::string_view::npos) {
    return a.fail("more than one |");
  }
  auto c = parseToken(a, cookie);
  if (!c) {
    return unexpected(c.error());
  }
  auto p = parseToken(a, param);
  if (!p) {
    return unexpected(p.error());
  }
  b.stickyCookie = std::move(*c);
  b.stickyUrlParam = std::move(*p);
  return {};
}

Result<void> setSorry(BalancerConfig& b, const Arg& a) {
  if (sorryKindOf(a.value) == SorryKind::LocalPath) {
    for (char c : a.value) {
      if (!isVisible(c)) {
        return a.fail("invalid character " + charName(c) + " in path");
      }
    }
  } else {
    auto url = parseUrl(a.value);
    if (auto* problem = std::get_if<UrlProblem>(&url)) {
      return a.fail(problem->what);
    }
    if (std::get<MemberUrl>(url).scheme == Scheme::Ajp) {
      return a.fail("unsupported scheme 'ajp'");
    }
  }
  b.sorry = std::string(a.value);
  return {};
}

template <bool BalancerConfig::*Field>
Result<void> setBalancerFlag(BalancerConfig& b, const Arg& a) {
  return assign(b.*Field, a, parseOnOff);
}

const std::string& lbMethodsAllowed() {
  static const std::string text = [] {
    std::vector<std::string> names;
    for (const auto& method : kLbMethods) {
      names.emplace_back(method.name);
    }
    return joined(names);
  }();
  return text;
}

const std::array<BalancerKey, 20> kBalancerKeys{{
    {"failonstatus", kFailOnStatusAllowed,
     [](BalancerConfig& b, const Arg& a) { return assign(b.failOnStatus, a, parseStatusList); }},
    {"failontimeout", kOnOff, setBalancerFlag<&BalancerConfig::failOnTimeout>},
    {"forcerecovery", kOnOff, setBalancerFlag<&BalancerConfig::forceRecovery>},
    {"growth", "0..1000",
     [](BalancerConfig& b, const Arg& a) {
       return assign(b.growth, a, [](const Arg& x) { return parseRanged(x, 0, 1000); });
     }},
    {"hcexpect", kHcExpectAllowed,
     [](BalancerConfig& b, const Arg& a) { return assign(b.hc.expect, a, parseHcExpect); }},
    {"hcfails", "1..100",
     [](BalancerConfig& b, const Arg& a) {
       return assign(b.hc.fails, a, [](const Arg& x) { return parseRanged(x, 1, 100); });
     }},
    {"hcinterval", "1..86400 (seconds)",
     [](BalancerConfig& b, const Arg& a) {
       return assign(b.hc.interval, a, [](const Arg& x) -> Result<Seconds> {
         auto v = parseRanged(x, 1, 86400);
         return v ? Result<Seconds>(Seconds(*v)) : unexpected(v.error());
       });
     }},
    {"hcmethod", kHcMethods,
     [](BalancerConfig& b, const Arg& a) { return assign(b.hc.method, a, parseHcMethod); }},
    {"hcpasses", "1..100",
     [](BalancerConfig& b, const Arg& a) {
       return assign(b.hc.passes, a, [](const Arg& x) { return parseRanged(x, 1, 100); });
     }},
    {"hctimeout", kDurationAllowed,
     [](BalancerConfig& b, const Arg& a) { return assign(b.hc.timeout, a, durationOf); }},
    {"hcuri", "a path starting with /",
     [](BalancerConfig& b, const Arg& a) { return assign(b.hc.uri, a, parseHcUri); }},
    {"lbmethod", "", setLbMethod},  // allowed text comes from kLbMethods
    {"maxattempts", "0..100",
     [](BalancerConfig& b, const Arg& a) {
       return assign(b.maxAttempts, a, [](const Arg& x) { return parseRanged(x, 0, 100); });
     }},
    {"nofailover", kOnOff, setBalancerFlag<&BalancerConfig::noFailover>},
    {"routecookie", "a cookie name of token characters",
     [](BalancerConfig& b, const Arg& a) {
       return assign(b.routeCookie, a, [](const Arg& x) { return parseToken(x, x.value); });
     }},
    {"scolonpathdelim", kOnOff, setBalancerFlag<&BalancerConfig::scolonPathDelim>},
    {"sorry", kSorryAllowed, setSorry},
    {"stickyforce", kOnOff, setBalancerFlag<&BalancerConfig::stickyForce>},
    {"stickysession", "COOKIE or COOKIE|urlparam, names of token characters", setStickySession},
    {"stickysessionsep", "one printable character other than space, e.g. . or _",
     [](BalancerConfig& b, const Arg& a) {
       if (a.value.size() != 1 || !isVisible(a.value.front())) {
         return Result<void>(a.fail("not one printable character"));
       }
       b.stickySeparator = a.value.front();
       return Result<void>();
     }},
}};

template <class Table>
std::vector<std::string_view> namesOf(const Table& table) {
  std::vector<std::string_view> names;
  for (const auto& entry : table) {
    names.push_back(entry.name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

template <class Table>
std::string keyList(const Table& table) {
  std::vector<std::string> names;
  for (std::string_view name : namesOf(table)) {
    names.emplace_back(name);
  }
  return joined(names);
}

template <class Table>
auto findKey(const Table& table, std::string_view key) -> decltype(&table[0]) {
  for (const auto& entry : table) {
    if (entry.name == key) {
      return &entry;
    }
  }
  return nullptr;
}

bool isMemberKey(std::string_view key) { return findKey(kMemberKeys, key) != nullptr; }
bool isBalancerKey(std::string_view key) { return findKey(kBalancerKeys, key) != nullptr; }

}  // namespace

std::span<const std::string_view> memberKeyNames() {
  static const std::vector<std::string_view> names = namesOf(kMemberKeys);
  return names;
}

std::span<const std::string_view> balancerKeyNames() {
  static const std::vector<std::string_view> names = namesOf(kBalancerKeys);
  return names;
}

std::string misplacedKeyMessage(std::string_view balancer, std::string_view key,
                                std::string_view value, std::string_view problem) {
  std::string lower = toLower(key);
  const MemberKey* member = findKey(kMemberKeys, lower);
  bool hide = member != nullptr && member->hideValue;
  std::string setting = shown(lower) + "=" + (hide ? std::string(kHidden) : shown(value));
  std::string inside = " inside <CxxBalancer " + shown(balancer) + ">";
  std::string allowed;
  if (isBalancerKey(lower)) {
    allowed = "BalancerSet " + setting + inside;
    if (member != nullptr) {
      allowed += ", or on one BalancerMember line there";
    }
  } else if (member != nullptr) {
    allowed = setting + " on each BalancerMember line" + inside;
  } else if (lower == "enablereuse") {
    // mod_proxy's positive form of the member key.
    allowed = "disablereuse=" + std::string(iequals(value, "off") ? "On" : "Off") +
              " on each BalancerMember line" + inside;
  } else {
    allowed =
        "a BalancerSet or BalancerMember key" + inside + "; " + shown(lower) + " has no equivalent";
  }
  return setting + ": " + std::string(problem) + "; allowed: " + allowed;
}

Result<MemberUrl> parseMemberUrl(std::string_view url) {
  auto parsed = parseUrl(url);
  if (auto* problem = std::get_if<UrlProblem>(&parsed)) {
    return unexpected(shown(url) + ": " + problem->what + "; allowed: " + problem->allowed);
  }
  return std::get<MemberUrl>(std::move(parsed));
}

Result<std::pair<std::string, std::string>> splitKeyValue(std::string_view arg) {
  size_t eq = arg.find('=');
  if (eq == std::string_view::npos) {
    return unexpected(shown(arg) + ": not key=value; allowed: key=value");
  }
  if (eq == 0) {
    return unexpected(shown(arg) + ": empty key; allowed: key=value");
  }
  return std::pair{toLower(arg.substr(0, eq)), std::string(arg.substr(eq + 1))};
}

Result<void> applyMemberSetting(MemberConfig& member, std::string_view key,
                                std::string_view value) {
  std::string lower = toLower(key);
  const MemberKey* spec = findKey(kMemberKeys, lower);
  if (spec == nullptr) {
    static const std::string allowed = keyList(kMemberKeys);
    Arg a{lower, value, allowed};
    return a.fail(isBalancerKey(lower) ? "unknown key (a BalancerSet key)" : "unknown key");
  }
  std::string smaxRange;
  Arg a{spec->name, value, spec->allowed, spec->hideValue};
  if (spec->name == "smax") {
    smaxRange = "0.." + std::to_string(member.max ? *member.max : kMaxPool);
    a.allowed = smaxRange;
  }
  if (value.empty()) {
    return a.fail("empty value");
  }
  return spec->apply(member, a);
}

Result<void> applyBalancerSetting(BalancerConfig& balancer, std::string_view key,
                                  std::string_view value) {
  std::string lower = toLower(key);
  const BalancerKey* spec = findKey(kBalancerKeys, lower);
  if (spec == nullptr) {
    static const std::string allowed = keyList(kBalancerKeys);
    Arg a{lower, value, allowed};
    return a.fail(isMemberKey(lower) ? "unknown key (a BalancerMember key)" : "unknown key");
  }
  Arg a{spec->name, value, spec->name == "lbmethod" ? lbMethodsAllowed() : spec->allowed};
  if (value.empty()) {
    return a.fail("empty value");
  }
  return spec->apply(balancer, a);
}

Result<MemberConfig> parseMemberLine(const std::vector<std::string>& args) {
  if (args.empty()) {
    return unexpected(std::string("BalancerMember: missing URL; allowed: ") +
                      std::string(kUrlForms));
  }
  auto url = parseMemberUrl(args.front());
  if (!url) {
    return unexpected(url.error());
  }
  MemberConfig member;
  member.url = std::move(*url);
  for (size_t i = 1; i < args.size(); ++i) {
    auto kv = splitKeyValue(args[i]);
    if (!kv) {
      return unexpected(kv.error());
    }
    if (auto applied = applyMemberSetting(member, kv->first, kv->second); !applied) {
      return unexpected(applied.error());
    }
  }
  return member;
}

Result<void> parseBalancerSetLine(BalancerConfig& balancer, const std::vector<std::string>& args) {
  if (args.empty()) {
    return unexpected(std::string("BalancerSet: no setting; allowed: ") + keyList(kBalancerKeys));
  }
  // Apply to a copy so a bad line leaves the balancer as it was.
  BalancerConfig updated = balancer;
  for (const auto& arg : args) {
    auto kv = splitKeyValue(arg);
    if (!kv) {
      return unexpected(kv.error());
    }
    if (auto applied = applyBalancerSetting(updated, kv->first, kv->second); !applied) {
      return applied;
    }
  }
  balancer = std::move(updated);
  return {};
}

Result<void> validateBalancer(const BalancerConfig& balancer, size_t* offendingMember) {
  std::string name = shown(balancer.name);
  if (offendingMember != nullptr) {
    *offendingMember = SIZE_MAX;
  }
  if (balancer.members.empty()) {
    return unexpected("balancer " + name +
                      ": has no BalancerMember; allowed: at least one BalancerMember");
  }
  auto at = [](const SourceLocation& where) {
    return where.file.empty() ? std::string("?") : where.file + ":" + std::to_string(where.line);
  };
  std::map<std::string, const MemberConfig*> byUrl;
  std::map<std::string, const MemberConfig*> byRoute;
  for (const auto& member : balancer.members) {
    if (offendingMember != nullptr) {
      *offendingMember = size_t(&member - balancer.members.data());
    }
    std::string id = member.url.text();
    auto [it, fresh] = byUrl.emplace(id, &member);
    if (!fresh) {
      std::string where;
      if (!member.where.file.empty() || !it->second->where.file.empty()) {
        where = " (" + at(it->second->where) + " and " + at(member.where) + ")";
      }
      return unexpected(shown(id) + ": duplicate BalancerMember in balancer " + name + where +
                        "; allowed: each member URL once");
    }
    if (!member.route.empty()) {
      auto [rt, freshRoute] = byRoute.emplace(member.route, &member);
      if (!freshRoute) {
        return unexpected("route=" + shown(member.route) + ": used twice in balancer " + name +
                          ", by " + shown(rt->second->url.text()) + " and " + shown(id) +
                          "; allowed: a different route per member");
      }
    }
    if (member.max && member.smax && *member.smax > *member.max) {
      return unexpected("smax=" + std::to_string(*member.smax) +
                        ": greater than max=" + std::to_string(*member.max) + " of " + shown(id) +
                        "; allowed: 0.." + std::to_string(*member.max));
    }
    HealthCheck effective = member.hc.applyTo(balancer.hc);
    if (effective.method == HealthMethod::Cping && member.url.scheme != Scheme::Ajp) {
      return unexpected("hcmethod=CPING: not for " + std::string(schemeWord(member.url.scheme)) +
                        " member " + shown(id) + " of balancer " + name +
                        "; allowed: " + std::string(kHcMethodsHttp) + " as that member's hcmethod");
    }
  }
  std::vector<std::string> routes;
  for (const auto& [route, member] : byRoute) {
    routes.push_back(route);
  }
  for (const auto& member : balancer.members) {
    if (offendingMember != nullptr) {
      *offendingMember = size_t(&member - balancer.members.data());
    }
    if (!member.redirect.empty() && byRoute.find(member.redirect) == byRoute.end()) {
      return unexpected(
          "redirect=" + shown(member.redirect) + ": no member of balancer " + name +
          " has this route; allowed: " +
          (routes.empty() ? std::string("a route of this balancer (none set)") : joined(routes)));
    }
  }
  if (offendingMember != nullptr) {
    *offendingMember = SIZE_MAX;
  }
  return {};
}

Result<void> validateBalancerName(std::string_view name) {
  auto fail = [&](const std::string& what) {
    return unexpected("balancer name " + shown(name) + ": " + what +
                      "; allowed: " + std::string(kRouteAllowed));
  };
  if (name.empty()) {
    return fail("empty");
  }
  if (name.size() > 64) {
    return fail("too long");
  }
  for (char c : name) {
    if (!isRouteChar(c)) {
      return fail("invalid character " + charName(c));
    }
  }
  return {};
}

Result<Millis> parseDuration(std::string_view key, std::string_view value) {
  std::string lower = toLower(key);
  Arg a{lower, value, kDurationAllowed};
  if (value.empty()) {
    return a.fail("empty value");
  }
  return durationOf(a);
}

}  // namespace cxxb::config
