#include "http/path_rules.h"

namespace cxxb::http {
namespace {

/** The character `text` starts with, reading `%2e`/`%3b` (any case) as '.' and ';'. */
char decodedAt(std::string_view text, size_t& length) noexcept {
  if (text.size() >= 3 && text[0] == '%') {
    const char hi = text[1];
    const char lo = static_cast<char>(text[2] | 0x20);  // lower case for letters
    if (hi == '2' && lo == 'e') {
      length = 3;
      return '.';
    }
    if (hi == '3' && lo == 'b') {
      length = 3;
      return ';';
    }
  }
  length = 1;
  return text.empty() ? '\0' : text[0];
}

/** A segment (between slashes) that is one or two dots, then a ';'. */
bool isDotSegmentWithParameters(std::string_view segment) noexcept {
  int dots = 0;
  while (!segment.empty()) {
    size_t length = 0;
    const char c = decodedAt(segment, length);
    if (c == '.') {
      if (++dots > 2) {
        return false;
      }
    } else {
      return c == ';' && dots > 0;
    }
    segment.remove_prefix(length);
  }
  return false;
}

}  // namespace

bool hasDotSegmentWithParameters(std::string_view path) noexcept {
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) {
      end = path.size();
    }
    if (isDotSegmentWithParameters(path.substr(start, end - start))) {
      return true;
    }
    start = end + 1;
  }
  return false;
}

}  // namespace cxxb::http
