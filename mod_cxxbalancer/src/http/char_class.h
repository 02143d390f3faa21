#pragma once
// Character classes of RFC 9110 §5.6 as 256-entry tables, so the parsers test a byte with
// one load instead of a chain of comparisons. Internal to the http layer.
#include <array>
#include <cstdint>
#include <string_view>

namespace cxxb::http::detail {

using CharTable = std::array<bool, 256>;

constexpr CharTable makeTokenTable() {
  CharTable t{};
  for (int c = '0'; c <= '9'; ++c) {
    t[c] = true;
  }
  for (int c = 'a'; c <= 'z'; ++c) {
    t[c] = true;
    t[c - 32] = true;
  }
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) {
    t[static_cast<unsigned char>(c)] = true;
  }
  return t;
}

/** field-vchar, SP and HTAB: VCHAR / obs-text; no NUL, CR, LF, DEL or other controls. */
constexpr CharTable makeFieldValueTable() {
  CharTable t{};
  t['\t'] = true;
  for (int c = 0x20; c <= 0xff; ++c) {
    t[c] = c != 0x7f;
  }
  return t;
}

inline constexpr CharTable kTokenChar = makeTokenTable();
inline constexpr CharTable kFieldValueChar = makeFieldValueTable();

constexpr bool isTokenChar(char c) noexcept { return kTokenChar[static_cast<unsigned char>(c)]; }
constexpr bool isFieldValueChar(char c) noexcept {
  return kFieldValueChar[static_cast<unsigned char>(c)];
}
constexpr bool isOws(char c) noexcept { return c == ' ' || c == '\t'; }

constexpr bool isToken(std::string_view s) noexcept {
  if (s.empty()) {
    return false;
  }
  for (char c : s) {
    if (!isTokenChar(c)) {
      return false;
    }
  }
  return true;
}

constexpr bool isFieldValue(std::string_view s) noexcept {
  for (char c : s) {
    if (!isFieldValueChar(c)) {
      return false;
    }
  }
  return true;
}

/**
 * Calls fn(element) for each element of a comma-separated list (RFC 9110 §5.6.1), with
 * optional whitespace trimmed; empty elements are passed too, the caller decides.
 * Stops early when fn returns false. @return false if fn stopped the walk
 */
template <class Fn>
constexpr bool forEachListElement(std::string_view list, Fn&& fn) {
  while (true) {
    size_t comma = list.find(',');
    std::string_view element = list.substr(0, comma);
    while (!element.empty() && isOws(element.front())) {
      element.remove_prefix(1);
    }
    while (!element.empty() && isOws(element.back())) {
      element.remove_suffix(1);
    }
    if (!fn(element)) {
      return false;
    }
    if (comma == std::string_view::npos) {
      return true;
    }
    list.remove_prefix(comma + 1);
  }
}

}  // namespace cxxb::http::detail
