#pragma once
// Small string helpers shared by the parsers. ASCII only: HTTP tokens, header names and
// configuration keys are ASCII by definition.
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cxxb {

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

}  // namespace cxxb
