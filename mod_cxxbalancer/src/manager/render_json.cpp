#include "manager/render_json.h"

#include <cstdint>

#include "core/string_util.h"

namespace cxxb::manager {
namespace {

void appendUnicodeEscape(std::string& out, uint32_t code) {
  out += "\\u";
  out += kHexDigits[(code >> 12) & 0xF];
  out += kHexDigits[(code >> 8) & 0xF];
  out += kHexDigits[(code >> 4) & 0xF];
  out += kHexDigits[code & 0xF];
}

/**
 * Length of the valid UTF-8 sequence at the start of `s` (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF), or 0 when it is not one.
 */
size_t utf8SequenceLength(std::string_view s) noexcept {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  auto continuation = [&](size_t i, unsigned char low = 0x80, unsigned char high = 0xBF) {
    return i < s.size() && byte(i) >= low && byte(i) <= high;
  };
  unsigned char lead = byte(0);
  if (lead < 0x80) {
    return 1;
  }
  if (lead >= 0xC2 && lead <= 0xDF) {
    return continuation(1) ? 2 : 0;
  }
  if (lead >= 0xE0 && lead <= 0xEF) {
    unsigned char low = lead == 0xE0 ? 0xA0 : 0x80;
    unsigned char high = lead == 0xED ? 0x9F : 0xBF;
    return continuation(1, low, high) && continuation(2) ? 3 : 0;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    unsigned char low = lead == 0xF0 ? 0x90 : 0x80;
    unsigned char high = lead == 0xF4 ? 0x8F : 0xBF;
    return continuation(1, low, high) && continuation(2) && continuation(3) ? 4 : 0;
  }
  return 0;
}

/** A small writer that keeps track of commas. */
class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  void beginObject() { open('{'); }
  void endObject() { close('}'); }
  void beginArray() { open('['); }
  void endArray() { close(']'); }

  void key(std::string_view name) {
    separate();
    appendJsonString(out_, name);
    out_ += ':';
    afterKey_ = true;
  }
  void value(std::string_view text) {
    separate();
    appendJsonString(out_, text);
  }
  void value(const char* text) { value(std::string_view(text)); }
  void value(bool b) {
    separate();
    out_ += b ? "true" : "false";
  }
  template <class Int>
  void number(Int n) {
    separate();
    out_ += std::to_string(n);
  }

 private:
  void separate() {
    if (afterKey_) {
      afterKey_ = false;
      return;
    }
    if (needComma_) {
      out_ += ',';
    }
    needComma_ = true;
  }
  void open(char c) {
    separate();
    out_ += c;
    needComma_ = false;
  }
  void close(char c) {
    out_ += c;
    needComma_ = true;
  }

  std::string& out_;
  bool needComma_ = false;
  bool afterKey_ = false;
};

void writeMember(JsonWriter& w, const MemberSnapshot& m) {
  w.beginObject();
  w.key("name");
  w.value(m.name);
  w.key("route");
  w.value(m.route);
  w.key("redirect");
  w.value(m.redirect);
  w.key("lbset");
  w.number(m.lbset);
  w.key("loadfactor");
  w.number(m.loadFactor);
  w.key("status");
  w.value(statusLetters(m.status));
  w.key("runtimeStatus");
  w.value(statusLetters(m.runtimeStatus));
  w.key("inError");
  w.value(m.inError);
  w.key("errorSince");
  w.number(m.errorSinceMs);
  w.key("retryIn");
  w.number(m.retryInMs);
  w.key("health");
  w.beginObject();
  w.key("status");
  w.value(m.health.status);
  w.key("lastCheck");
  w.number(m.health.lastCheckMs);
  w.key("lastStatus");
  w.number(m.health.lastCheckStatus);
  w.key("passes");
  w.number(m.health.passes);
  w.key("fails");
  w.number(m.health.fails);
  w.endObject();
  w.key("requests");
  w.number(m.requests);
  w.key("failures");
  w.number(m.failures);
  w.key("bytesSent");
  w.number(m.bytesSent);
  w.key("bytesReceived");
  w.number(m.bytesReceived);
  w.key("busy");
  w.number(m.busy);
  w.key("latencyUs");
  w.number(m.latencyUs);
  w.endObject();
}

}  // namespace

void appendJsonString(std::string& out, std::string_view text) {
  out += '"';
  size_t i = 0;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    size_t length = utf8SequenceLength(text.substr(i));
    if (length == 0) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    if (length > 1) {
      // U+2028 and U+2029 (E2 80 A8/A9) end lines in JavaScript.
      if (length == 3 && c == 0xE2 && static_cast<unsigned char>(text[i + 1]) == 0x80 &&
          (static_cast<unsigned char>(text[i + 2]) & 0xFE) == 0xA8) {
        appendUnicodeEscape(out, 0x2028u + (static_cast<unsigned char>(text[i + 2]) & 1u));
      } else {
        out.append(text.substr(i, length));
      }
      i += length;
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '<':
      case '>':
      case '&':
        appendUnicodeEscape(out, c);
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          appendUnicodeEscape(out, c);
        } else {
          out += char(c);
        }
    }
    ++i;
  }
  out += '"';
}

std::string renderJson(const Snapshot& snapshot) {
  std::string out;
  out.reserve(256 + 512 * snapshot.balancers.size());
  JsonWriter w(out);
  w.beginObject();
  w.key("version");
  w.value(snapshot.version);
  w.key("generation");
  w.number(snapshot.generation);
  w.key("now");
  w.number(snapshot.nowMs);
  w.key("started");
  w.number(snapshot.startedMs);
  w.key("balancers");
  w.beginArray();
  for (const auto& balancer : snapshot.balancers) {
    w.beginObject();
    w.key("name");
    w.value(balancer.name);
    w.key("lbmethod");
    w.value(balancer.lbMethod);
    w.key("capacity");
    w.number(balancer.capacity);
    w.key("members");
    w.beginArray();
    for (const auto& member : balancer.members) {
      writeMember(w, member);
    }
    w.endArray();
    w.endObject();
  }
  w.endArray();
  w.endObject();
  return out;
}

}  // namespace cxxb::manager
