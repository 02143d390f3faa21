// Fuzzes the manager's renderers with hostile text (member URLs, routes and balancer names
// reach them from configuration and, later, from manager forms). Oracles:
// - appendJsonString() yields one well-formed JSON string literal: valid UTF-8, no raw
//   control characters, quotes or < > &; decoding it gives the input back whenever the input
//   was valid UTF-8;
// - renderHtml() never lets a '<' of the input through;
// - outputFormat() accepts any query without failing.
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "manager/query.h"
#include "manager/render_html.h"
#include "manager/render_json.h"

namespace {

/** Code point at s[i] for valid UTF-8 (RFC 3629), advancing i; nullopt when invalid. */
std::optional<uint32_t> decodeUtf8(std::string_view s, size_t& i) {
  auto b = [&](size_t k) -> uint32_t { return static_cast<unsigned char>(s[k]); };
  uint32_t c = b(i);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (n == 0 || i + n > s.size()) {
    return std::nullopt;
  }
  uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) {
      return std::nullopt;
    }
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return std::nullopt;
  }
  i += n;
  return cp;
}

bool validUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    if (!decodeUtf8(s, i)) {
      return false;
    }
  }
  return true;
}

void appendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += char(cp);
  } else if (cp < 0x800) {
    out += char(0xC0 | (cp >> 6));
    out += char(0x80 | (cp & 0x3F));
  } else {
    out += char(0xE0 | (cp >> 12));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  }
}

/** Decodes a JSON string literal strictly; aborts on anything malformed or unsafe. */
std::string decodeJsonString(std::string_view lit) {
  if (lit.size() < 2 || lit.front() != '"' || lit.back() != '"' || !validUtf8(lit)) {
    std::abort();
  }
  std::string out;
  for (size_t i = 1; i + 1 < lit.size(); ++i) {
    auto c = static_cast<unsigned char>(lit[i]);
    if (c < 0x20 || c == 0x7F || c == '"' || c == '<' || c == '>' || c == '&') {
      std::abort();
    }
    if (c != '\\') {
      out += char(c);
      continue;
    }
    if (++i >= lit.size() - 1) {  // a backslash may not escape the closing quote
      std::abort();
    }
    switch (lit[i]) {
      case '"':
        out += '"';
        break;
      case '\\':
        out += '\\';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u': {
        if (i + 4 >= lit.size() - 1) {
          std::abort();
        }
        uint32_t cp = 0;
        for (size_t k = 1; k <= 4; ++k) {
          char h = lit[i + k];
          uint32_t digit = h >= '0' && h <= '9'   ? uint32_t(h - '0')
                           : h >= 'a' && h <= 'f' ? uint32_t(h - 'a' + 10)
                                                  : 99;
          if (digit == 99) {
            std::abort();  // the renderer writes lowercase hex only
          }
          cp = cp * 16 + digit;
        }
        if (cp >= 0xD800 && cp <= 0xDFFF) {
          std::abort();  // never a lone surrogate
        }
        appendUtf8(out, cp);
        i += 4;
        break;
      }
      default:
        std::abort();
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);

  std::string literal;
  cxxb::manager::appendJsonString(literal, text);
  std::string decoded = decodeJsonString(literal);
  if (validUtf8(text) && decoded != text) {
    std::abort();
  }

  cxxb::manager::Snapshot snapshot;
  cxxb::manager::BalancerSnapshot balancer;
  balancer.name = std::string(text);
  cxxb::manager::MemberSnapshot member;
  member.name = std::string(text);
  member.route = std::string(text);
  balancer.members.push_back(member);
  snapshot.balancers.push_back(balancer);
  std::string json = cxxb::manager::renderJson(snapshot);
  if (json.find(literal) == std::string::npos || !validUtf8(json)) {
    std::abort();
  }

  cxxb::manager::Snapshot blank = snapshot;
  blank.balancers[0].name.clear();
  blank.balancers[0].members[0].name.clear();
  blank.balancers[0].members[0].route.clear();
  auto countLt = [](const std::string& s) {
    size_t n = 0;
    for (char c : s) {
      n += c == '<';
    }
    return n;
  };
  if (countLt(cxxb::manager::renderHtml(snapshot)) != countLt(cxxb::manager::renderHtml(blank))) {
    std::abort();
  }

  (void)cxxb::manager::outputFormat(text);
  return 0;
}
