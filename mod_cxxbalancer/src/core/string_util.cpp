#include "core/string_util.h"

namespace cxxb {

std::string escapeForLog(std::string_view text, size_t maxChars) {
  const size_t shown = text.size() < maxChars ? text.size() : maxChars;
  std::string out;
  out.reserve(shown + 3);
  for (size_t i = 0; i < shown; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHexDigits[c >> 4];
      out += kHexDigits[c & 0xf];
    }
  }
  if (text.size() > shown) {
    out += "...";
  }
  return out;
}

}  // namespace cxxb
