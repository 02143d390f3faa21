#pragma once
// Small string helpers shared by the parsers. ASCII only: HTTP tokens, header names and
// configuration keys are ASCII by definition.
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cxxb {

/** Lower-case hexadecimal digits, indexed by value: kHexDigits[0xa] == 'a'. */
inline constexpr std::string_view kHexDigits = "0123456789abcdef";

constexpr char asciiLower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? char(c + 32) : c; }

constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (asciiLower(a[i]) != asciiLower(b[i])) {
      return false;
    }
  }
  return true;
}

constexpr std::string_view trimSpace(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

/**
 * Orders strings as their ASCII lower-case forms would be ordered, without making them.
 * Transparent, so a std::map<std::string, V, CaseInsensitiveLess> is searched with a
 * string_view as it arrives, allocating nothing:
 *
 *     std::map<std::string, Balancer, CaseInsensitiveLess> byName;
 *     auto it = byName.find(std::string_view("WEB"));  // finds "web"
 *
 * Keys that differ only in case are one key to such a map.
 */
struct CaseInsensitiveLess {
  using is_transparent = void;
  constexpr bool operator()(std::string_view a, std::string_view b) const noexcept {
    const size_t common = a.size() < b.size() ? a.size() : b.size();
    for (size_t i = 0; i < common; ++i) {
      const auto ca = static_cast<unsigned char>(asciiLower(a[i]));
      const auto cb = static_cast<unsigned char>(asciiLower(b[i]));
      if (ca != cb) {
        return ca < cb;
      }
    }
    return a.size() < b.size();
  }
};

inline std::string toLower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) {
    c = asciiLower(c);
  }
  return out;
}

/** Parses a whole decimal number; nullopt on sign, junk, overflow or empty input. */
template <class Int>
std::optional<Int> parseDecimal(std::string_view s) noexcept {
  Int value{};
  if (s.empty() || s.front() == '-' || s.front() == '+') {
    return std::nullopt;
  }
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || end != s.data() + s.size()) {
    return std::nullopt;
  }
  return value;
}

/**
 * `text` made safe for one log line or error message: bytes below 0x20, 0x7f and above, and
 * the backslash itself become \xHH, so the line stays one line and reads back
 * unambiguously. At most `maxChars` characters of `text` are shown, then "...".
 */
std::string escapeForLog(std::string_view text, size_t maxChars);

}  // namespace cxxb
