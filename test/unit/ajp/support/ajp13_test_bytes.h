#pragma once
// Test-only helpers to write AJP byte vectors readably and to build container -> proxy
// packets (what a Tomcat would send). Header-only so the fuzz targets can include it too.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cxxb::ajp::test {

/**
 * Bytes from a notation like AJP13.md uses: hex pairs separated by spaces, and "quoted"
 * ASCII runs (no escapes). Example: bytes(R"(41 42 00 03 06 1f fa)"), bytes(R"(00 03 "200" 00)").
 */
inline std::string bytes(std::string_view spec) {
  std::string out;
  auto hexValue = [](char c) -> int {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  };
  size_t i = 0;
  while (i < spec.size()) {
    const char c = spec[i];
    if (c == ' ' || c == '\n' || c == '\t') {
      ++i;
    } else if (c == '"') {
      const size_t end = spec.find('"', i + 1);
      if (end == std::string_view::npos) {
        throw std::invalid_argument("unterminated quote in byte spec");
      }
      out.append(spec.substr(i + 1, end - i - 1));
      i = end + 1;
    } else {
      if (i + 1 >= spec.size() || hexValue(c) < 0 || hexValue(spec[i + 1]) < 0) {
        throw std::invalid_argument("bad hex in byte spec");
      }
      out.push_back(static_cast<char>(hexValue(c) * 16 + hexValue(spec[i + 1])));
      i += 2;
    }
  }
  return out;
}

/** Lower-case hex with spaces, for readable failure messages. */
inline std::string hex(std::string_view data) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < data.size(); ++i) {
    const auto b = static_cast<unsigned char>(data[i]);
    if (i > 0) {
      out.push_back(' ');
    }
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xF]);
  }
  return out;
}

inline void putU16(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v & 0xFF));
}

inline void putString(std::string& out, std::string_view s) {
  putU16(out, static_cast<uint16_t>(s.size()));
  out.append(s);
  out.push_back('\0');
}

/** "AB" + length + payload: a container -> proxy packet around any payload. */
inline std::string containerPacket(std::string_view payload) {
  std::string out = "AB";
  putU16(out, static_cast<uint16_t>(payload.size()));
  out.append(payload);
  return out;
}

/** A response header for sendHeaders(): code != 0 sends the name coded. */
struct TestHeader {
  uint16_t code = 0;
  std::string name;
  std::string value;
};

inline std::string sendHeaders(uint16_t status, std::string_view message,
                               const std::vector<TestHeader>& headers) {
  std::string p(1, '\x04');
  putU16(p, status);
  putString(p, message);
  putU16(p, static_cast<uint16_t>(headers.size()));
  for (const TestHeader& h : headers) {
    if (h.code != 0) {
      putU16(p, h.code);
    } else {
      putString(p, h.name);
    }
    putString(p, h.value);
  }
  return containerPacket(p);
}

inline std::string sendBodyChunk(std::string_view data) {
  std::string p(1, '\x03');
  putString(p, data);
  return containerPacket(p);
}

inline std::string getBodyChunk(uint16_t requested) {
  std::string p(1, '\x06');
  putU16(p, requested);
  return containerPacket(p);
}

inline std::string endResponse(bool reuse) {
  return containerPacket(std::string{'\x05', reuse ? '\x01' : '\x00'});
}

inline std::string cpong() { return containerPacket(std::string(1, '\x09')); }

}  // namespace cxxb::ajp::test
