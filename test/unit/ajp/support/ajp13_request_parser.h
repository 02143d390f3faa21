#pragma once
// Test-only parser of proxy -> container packets: what Tomcat reads. It checks the encoder
// independently (unit tests and the encoder fuzzer) and is deliberately strict: any byte
// the encoder should not produce is an error. Header-only so the fuzz targets can use it.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ajp/ajp13_constants.h"

namespace cxxb::ajp::test {

struct ParsedHeader {
  uint16_t code = 0;  ///< 0 when the name was sent as a string
  std::string name;   ///< lower-case table name when coded
  std::string value;
};

struct ParsedAttribute {
  uint8_t code = 0;
  std::string name;     ///< 0x0A only
  std::string value;    ///< string attributes and 0x0A
  uint16_t number = 0;  ///< 0x0B only
};

struct ParsedForwardRequest {
  uint8_t methodCode = 0;
  std::string method;  ///< from the table, or the 0x0D attribute for code 0xFF
  std::string protocol;
  std::string uri;
  std::string remoteAddr;
  std::optional<std::string> remoteHost;
  std::string serverName;
  uint16_t serverPort = 0;
  uint8_t isSsl = 0;
  std::vector<ParsedHeader> headers;
  std::vector<ParsedAttribute> attributes;  ///< in wire order, without the final 0xFF

  const ParsedAttribute* find(uint8_t code) const {
    for (const auto& a : attributes) {
      if (a.code == code) {
        return &a;
      }
    }
    return nullptr;
  }
  const ParsedAttribute* findReq(std::string_view name) const {
    for (const auto& a : attributes) {
      if (a.code == static_cast<uint8_t>(Attribute::ReqAttribute) && a.name == name) {
        return &a;
      }
    }
    return nullptr;
  }
};

namespace detail {

class StrictReader {
 public:
  explicit StrictReader(std::string_view p) : p_(p) {}
  bool u8(uint8_t& v) {
    if (pos_ + 1 > p_.size()) {
      return false;
    }
    v = static_cast<uint8_t>(p_[pos_++]);
    return true;
  }
  bool peekU16(uint16_t& v) const {
    if (pos_ + 2 > p_.size()) {
      return false;
    }
    v = static_cast<uint16_t>((static_cast<uint8_t>(p_[pos_]) << 8) |
                              static_cast<uint8_t>(p_[pos_ + 1]));
    return true;
  }
  bool u16(uint16_t& v) {
    if (!peekU16(v)) {
      return false;
    }
    pos_ += 2;
    return true;
  }
  /** @return false on error; `out` nullopt for FFFF when nullable. */
  bool string(std::optional<std::string>& out, bool nullable) {
    uint16_t len = 0;
    if (!u16(len)) {
      return false;
    }
    if (len == 0xFFFF) {
      out.reset();
      return nullable;
    }
    if (pos_ + len + 1 > p_.size() || p_[pos_ + len] != '\0') {
      return false;
    }
    out = std::string(p_.substr(pos_, len));
    pos_ += size_t{len} + 1;
    return true;
  }
  bool string(std::string& out) {
    std::optional<std::string> s;
    if (!string(s, false)) {
      return false;
    }
    out = std::move(*s);
    return true;
  }
  bool atEnd() const { return pos_ == p_.size(); }

 private:
  std::string_view p_;
  size_t pos_ = 0;
};

inline bool checkToContainerHeader(std::string_view packet, size_t packetSize, std::string& error) {
  if (packet.size() < 4 || static_cast<uint8_t>(packet[0]) != kToContainerMagic0 ||
      static_cast<uint8_t>(packet[1]) != kToContainerMagic1) {
    error = "bad magic or short packet";
    return false;
  }
  const size_t len =
      (size_t{static_cast<uint8_t>(packet[2])} << 8) | static_cast<uint8_t>(packet[3]);
  if (len + 4 != packet.size()) {
    error = "length field does not match the packet";
    return false;
  }
  if (packet.size() > packetSize) {
    error = "packet larger than the packet size";
    return false;
  }
  return true;
}

}  // namespace detail

/** Parses one whole FORWARD_REQUEST packet; nullopt and `error` set when it is malformed. */
inline std::optional<ParsedForwardRequest> parseForwardRequest(std::string_view packet,
                                                               size_t packetSize,
                                                               std::string& error) {
  if (!detail::checkToContainerHeader(packet, packetSize, error)) {
    return std::nullopt;
  }
  detail::StrictReader r(packet.substr(4));
  ParsedForwardRequest out;
  auto bad = [&](const char* what) {
    error = what;
    return std::optional<ParsedForwardRequest>{};
  };
  uint8_t type = 0;
  if (!r.u8(type) || type != static_cast<uint8_t>(PacketType::ForwardRequest)) {
    return bad("not a forward request");
  }
  if (!r.u8(out.methodCode)) {
    return bad("no method");
  }
  if (out.methodCode != kStoredMethodCode) {
    auto name = methodName(out.methodCode);
    if (!name) {
      return bad("method code out of range");
    }
    out.method = std::string(*name);
  }
  std::optional<std::string> host;
  uint16_t count = 0;
  if (!r.string(out.protocol) || !r.string(out.uri) || !r.string(out.remoteAddr) ||
      !r.string(host, true) || !r.string(out.serverName) || !r.u16(out.serverPort) ||
      !r.u8(out.isSsl) || !r.u16(count)) {
    return bad("bad fixed fields");
  }
  out.remoteHost = std::move(host);
  if (out.isSsl > 1) {
    return bad("is_ssl not 0/1");
  }
  for (uint16_t i = 0; i < count; ++i) {
    ParsedHeader h;
    uint16_t peek = 0;
    if (!r.peekU16(peek)) {
      return bad("truncated header name");
    }
    if ((peek >> 8) == kCodedHeaderHighByte) {
      auto name = requestHeaderName(peek);
      if (!name) {
        return bad("request header code out of range");
      }
      (void)r.u16(peek);
      h.code = peek;
      h.name = std::string(*name);
    } else if (!r.string(h.name)) {
      return bad("bad header name");
    }
    if (!r.string(h.value)) {
      return bad("bad header value");
    }
    out.headers.push_back(std::move(h));
  }
  for (;;) {
    ParsedAttribute a;
    if (!r.u8(a.code)) {
      return bad("attributes not terminated by 0xFF");
    }
    if (a.code == static_cast<uint8_t>(Attribute::AreDone)) {
      break;
    }
    if (a.code == static_cast<uint8_t>(Attribute::ReqAttribute)) {
      if (!r.string(a.name) || !r.string(a.value)) {
        return bad("bad req_attribute");
      }
    } else if (a.code == static_cast<uint8_t>(Attribute::SslKeySize)) {
      if (!r.u16(a.number)) {
        return bad("bad ssl_key_size");
      }
    } else if (a.code >= static_cast<uint8_t>(Attribute::RemoteUser) &&
               a.code <= static_cast<uint8_t>(Attribute::StoredMethod)) {
      if (!r.string(a.value)) {
        return bad("bad string attribute");
      }
    } else {
      return bad("unknown attribute code");
    }
    out.attributes.push_back(std::move(a));
  }
  if (!r.atEnd()) {
    return bad("bytes after 0xFF");
  }
  const ParsedAttribute* stored = out.find(static_cast<uint8_t>(Attribute::StoredMethod));
  if (out.methodCode == kStoredMethodCode) {
    if (stored == nullptr) {
      return bad("method 0xFF without attribute 0x0D");
    }
    out.method = stored->value;
  } else if (stored != nullptr) {
    return bad("attribute 0x0D with a coded method");
  }
  return out;
}

/** Parses a request body packet; the data, or nullopt and `error`. */
inline std::optional<std::string> parseBodyPacket(std::string_view packet, size_t packetSize,
                                                  std::string& error) {
  if (!detail::checkToContainerHeader(packet, packetSize, error)) {
    return std::nullopt;
  }
  detail::StrictReader r(packet.substr(4));
  uint16_t len = 0;
  if (!r.u16(len) || size_t{len} + 6 != packet.size()) {
    error = "body length does not match the packet";
    return std::nullopt;
  }
  return std::string(packet.substr(6));
}

}  // namespace cxxb::ajp::test
