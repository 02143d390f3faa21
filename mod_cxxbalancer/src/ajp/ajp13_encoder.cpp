#include "ajp/ajp13_encoder.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <stdexcept>

namespace cxxb::ajp {

namespace {

enum class ByteRule {
  Text,   ///< no NUL, CR, LF: header names/values, addresses, most attributes
  Token,  ///< no control byte, no space, no DEL: method, protocol, uri
  Pem,    ///< no NUL: the client certificate chain has line breaks
};

bool allowedBytes(std::string_view s, ByteRule rule) noexcept {
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (rule) {
      case ByteRule::Text:
        if (c == 0x00 || c == '\r' || c == '\n') {
          return false;
        }
        break;
      case ByteRule::Token:
        if (c <= 0x20 || c == 0x7F) {
          return false;
        }
        break;
      case ByteRule::Pem:
        if (c == 0x00) {
          return false;
        }
        break;
    }
  }
  return true;
}

/**
 * Appends big-endian AJP fields to a buffer of at most `limit` bytes. With a null buffer it
 * only counts, which gives the exact size without writing. Once a field does not fit it
 * stops writing and remembers the overflow, so no write ever passes `limit`.
 */
class Writer {
 public:
  Writer(char* out, size_t limit) noexcept : out_(out), limit_(limit) {}

  void u8(uint8_t v) noexcept {
    const char c = static_cast<char>(v);
    put(&c, 1);
  }
  void u16(uint16_t v) noexcept {
    const char b[2] = {static_cast<char>(v >> 8), static_cast<char>(v & 0xFF)};
    put(b, 2);
  }
  void raw(std::string_view s) noexcept { put(s.data(), s.size()); }
  /** length, bytes, 00; a string of 0xFFFF bytes or more cannot be expressed. */
  void string(std::string_view s) noexcept {
    if (s.size() >= kNullStringLength) {
      overflow_ = true;
      return;
    }
    u16(static_cast<uint16_t>(s.size()));
    raw(s);
    u8(0);
  }
  void nullString() noexcept { u16(kNullStringLength); }
  /** Overwrites two bytes already written (the payload length). */
  void patchU16(size_t at, uint16_t v) noexcept {
    if (out_ != nullptr && at + 2 <= pos_) {
      out_[at] = static_cast<char>(v >> 8);
      out_[at + 1] = static_cast<char>(v & 0xFF);
    }
  }

  size_t pos() const noexcept { return pos_; }
  bool overflow() const noexcept { return overflow_; }

 private:
  void put(const char* p, size_t n) noexcept {
    if (overflow_ || n > limit_ - pos_) {
      overflow_ = true;
      return;
    }
    if (out_ != nullptr && n > 0) {
      std::memcpy(out_ + pos_, p, n);
    }
    pos_ += n;
  }

  char* out_;
  size_t limit_;
  size_t pos_ = 0;
  bool overflow_ = false;
};

EncodeResult checkText(std::string_view value, std::string_view field, ByteRule rule) noexcept {
  if (!allowedBytes(value, rule)) {
    return EncodeResult::failure(EncodeError::ForbiddenByte, field);
  }
  return EncodeResult::success(0);
}

EncodeResult checkOptional(const std::optional<std::string_view>& value, std::string_view field,
                           ByteRule rule = ByteRule::Text) noexcept {
  return value ? checkText(*value, field, rule) : EncodeResult::success(0);
}

/** Every syntax rule, checked before any size question so the error names the real fault. */
EncodeResult validate(const ForwardRequest& r, const Ajp13Limits& limits) noexcept {
  if (r.method.empty()) {
    return EncodeResult::failure(EncodeError::EmptyField, "method");
  }
  if (!allowedBytes(r.method, ByteRule::Token)) {
    return EncodeResult::failure(EncodeError::ForbiddenByte, "method");
  }
  if (r.protocol.empty()) {
    return EncodeResult::failure(EncodeError::EmptyField, "protocol");
  }
  if (!allowedBytes(r.protocol, ByteRule::Token)) {
    return EncodeResult::failure(EncodeError::ForbiddenByte, "protocol");
  }
  if (!allowedBytes(r.uri, ByteRule::Token)) {
    return EncodeResult::failure(EncodeError::ForbiddenByte, "uri");
  }
  // Origin-form only: an absolute URI would make Tomcat replace the Host (A4); a '?' means
  // the query was not split off into attribute 0x05.
  if (!(r.uri == "*" || (!r.uri.empty() && r.uri.front() == '/')) ||
      r.uri.find_first_of("?#") != std::string_view::npos) {
    return EncodeResult::failure(EncodeError::BadUri, "uri");
  }
  struct Field {
    std::string_view value;
    std::string_view name;
  };
  for (const Field& f : {Field{r.remoteAddr, "remote_addr"}, Field{r.serverName, "server_name"}}) {
    if (auto res = checkText(f.value, f.name, ByteRule::Text); !res) {
      return res;
    }
  }
  if (r.headers.size() > limits.maxRequestHeaders || r.headers.size() > 0xFFFF) {
    return EncodeResult::failure(EncodeError::TooManyHeaders, "headers");
  }
  for (const http::Header& h : r.headers) {
    if (h.name.empty()) {
      return EncodeResult::failure(EncodeError::EmptyField, "header name");
    }
    if (!allowedBytes(h.name, ByteRule::Text)) {
      return EncodeResult::failure(EncodeError::ForbiddenByte, "header name");
    }
    if (h.name.size() > kMaxHeaderNameLength) {
      return EncodeResult::failure(EncodeError::HeaderNameTooLong, "header name");
    }
    if (!allowedBytes(h.value, ByteRule::Text)) {
      return EncodeResult::failure(EncodeError::ForbiddenByte, "header value");
    }
  }
  const EncodeResult optionals[] = {
      checkOptional(r.remoteHost, "remote_host"),
      checkOptional(r.secret, "secret"),
      checkOptional(r.remoteUser, "remote_user"),
      checkOptional(r.authType, "auth_type"),
      checkOptional(r.queryString, "query_string"),
      checkOptional(r.route, "route"),
      checkOptional(r.sslCert, "ssl_cert", ByteRule::Pem),
      checkOptional(r.sslCipher, "ssl_cipher"),
      checkOptional(r.sslSession, "ssl_session"),
      checkOptional(r.sslProtocol, "AJP_SSL_PROTOCOL"),
      checkOptional(r.localAddr, "AJP_LOCAL_ADDR"),
  };
  for (const EncodeResult& res : optionals) {
    if (!res) {
      return res;
    }
  }
  for (const RequestAttribute& a : r.extraAttributes) {
    if (a.name.empty()) {
      return EncodeResult::failure(EncodeError::EmptyField, "attribute name");
    }
    if (!allowedBytes(a.name, ByteRule::Text)) {
      return EncodeResult::failure(EncodeError::ForbiddenByte, "attribute name");
    }
    if (!allowedBytes(a.value, ByteRule::Text)) {
      return EncodeResult::failure(EncodeError::ForbiddenByte, "attribute value");
    }
  }
  return EncodeResult::success(0);
}

void stringAttribute(Writer& w, Attribute code, const std::optional<std::string_view>& value) {
  if (value) {
    w.u8(static_cast<uint8_t>(code));
    w.string(*value);
  }
}

void reqAttribute(Writer& w, std::string_view name, std::string_view value) {
  w.u8(static_cast<uint8_t>(Attribute::ReqAttribute));
  w.string(name);
  w.string(value);
}

/** Writes the whole packet (header included); the caller checks w.overflow(). */
void writeForwardRequest(const ForwardRequest& r, Writer& w) {
  w.u8(kToContainerMagic0);
  w.u8(kToContainerMagic1);
  w.u16(0);  // payload length, patched below
  w.u8(static_cast<uint8_t>(PacketType::ForwardRequest));
  const std::optional<uint8_t> code = methodCode(r.method);
  w.u8(code.value_or(kStoredMethodCode));
  w.string(r.protocol);
  w.string(r.uri);
  w.string(r.remoteAddr);
  if (r.remoteHost) {
    w.string(*r.remoteHost);
  } else {
    w.nullString();
  }
  w.string(r.serverName);
  w.u16(r.serverPort);
  w.u8(r.isSsl ? 1 : 0);
  w.u16(static_cast<uint16_t>(r.headers.size()));
  for (const http::Header& h : r.headers) {
    if (auto headerCode = requestHeaderCode(h.name)) {
      w.u16(*headerCode);
    } else {
      w.string(h.name);
    }
    w.string(h.value);
  }
  // httpd's order (ajp_marshal_into_msgb), so captures compare byte for byte.
  stringAttribute(w, Attribute::Secret, r.secret);
  stringAttribute(w, Attribute::RemoteUser, r.remoteUser);
  stringAttribute(w, Attribute::AuthType, r.authType);
  stringAttribute(w, Attribute::QueryString, r.queryString);
  stringAttribute(w, Attribute::Route, r.route);
  stringAttribute(w, Attribute::SslCert, r.sslCert);
  stringAttribute(w, Attribute::SslCipher, r.sslCipher);
  stringAttribute(w, Attribute::SslSession, r.sslSession);
  if (r.sslKeySize) {
    w.u8(static_cast<uint8_t>(Attribute::SslKeySize));
    w.u16(*r.sslKeySize);
  }
  if (!code) {
    w.u8(static_cast<uint8_t>(Attribute::StoredMethod));
    w.string(r.method);
  }
  if (r.sslProtocol) {
    reqAttribute(w, kAttrSslProtocol, *r.sslProtocol);
  }
  if (r.remotePort) {
    char digits[8];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, *r.remotePort);
    (void)ec;  // five digits always fit
    reqAttribute(w, kAttrRemotePort, std::string_view(digits, static_cast<size_t>(end - digits)));
  }
  if (r.localAddr) {
    reqAttribute(w, kAttrLocalAddr, *r.localAddr);
  }
  for (const RequestAttribute& a : r.extraAttributes) {
    reqAttribute(w, a.name, a.value);
  }
  w.u8(static_cast<uint8_t>(Attribute::AreDone));
  if (!w.overflow()) {
    w.patchU16(2, static_cast<uint16_t>(w.pos() - kPacketHeaderSize));
  }
}

}  // namespace

std::string_view describe(EncodeError error) noexcept {
  switch (error) {
    case EncodeError::None:
      return "no error";
    case EncodeError::TooLarge:
      return "request does not fit in one AJP packet";
    case EncodeError::HeaderNameTooLong:
      return "header name of 0xA000 bytes or more";
    case EncodeError::TooManyHeaders:
      return "too many request headers";
    case EncodeError::ForbiddenByte:
      return "forbidden byte (NUL, CR, LF or control) in a field";
    case EncodeError::EmptyField:
      return "empty required field";
    case EncodeError::BadUri:
      return "request URI is not origin-form without query";
    case EncodeError::BodyChunkTooLarge:
      return "body chunk larger than the packet allows";
    case EncodeError::OutputTooSmall:
      return "output buffer smaller than the packet";
  }
  return "unknown error";
}

int httpStatus(EncodeError error) noexcept {
  switch (error) {
    case EncodeError::None:
      return 200;
    case EncodeError::TooLarge:
    case EncodeError::ForbiddenByte:
    case EncodeError::EmptyField:
    case EncodeError::BadUri:
      return 400;
    case EncodeError::HeaderNameTooLong:
    case EncodeError::TooManyHeaders:
      return 431;
    case EncodeError::BodyChunkTooLarge:
    case EncodeError::OutputTooSmall:
      return 500;
  }
  return 500;
}

Ajp13Encoder::Ajp13Encoder(Ajp13Limits limits) : limits_(limits) {
  if (!isValidPacketSize(limits_.packetSize)) {
    throw std::invalid_argument("AJP packet size must be 8192..65536");
  }
}

size_t Ajp13Encoder::bodyChunkSize(size_t requested, size_t remaining) const noexcept {
  return std::min({requested, maxBodyChunk(), remaining});
}

EncodeResult Ajp13Encoder::measureForwardRequest(const ForwardRequest& request) const {
  if (EncodeResult res = validate(request, limits_); !res) {
    return res;
  }
  Writer w(nullptr, limits_.packetSize);
  writeForwardRequest(request, w);
  if (w.overflow()) {
    return EncodeResult::failure(EncodeError::TooLarge, "forward request");
  }
  return EncodeResult::success(w.pos());
}

EncodeResult Ajp13Encoder::encodeForwardRequest(const ForwardRequest& request,
                                                std::span<char> out) const {
  EncodeResult size = measureForwardRequest(request);
  if (!size) {
    return size;
  }
  if (size.size() > out.size()) {
    return EncodeResult::failure(EncodeError::OutputTooSmall, "output");
  }
  Writer w(out.data(), size.size());
  writeForwardRequest(request, w);
  return EncodeResult::success(w.pos());
}

EncodeResult Ajp13Encoder::appendForwardRequest(const ForwardRequest& request,
                                                std::string& out) const {
  EncodeResult size = measureForwardRequest(request);
  if (!size) {
    return size;
  }
  const size_t start = out.size();
  out.resize(start + size.size());
  Writer w(out.data() + start, size.size());
  writeForwardRequest(request, w);
  return EncodeResult::success(w.pos());
}

EncodeResult Ajp13Encoder::encodeBodyPacketHeader(size_t dataLength,
                                                  std::span<char, kBodyPacketOverhead> out) const {
  if (dataLength > maxBodyChunk()) {
    return EncodeResult::failure(EncodeError::BodyChunkTooLarge, "body");
  }
  Writer w(out.data(), out.size());
  w.u8(kToContainerMagic0);
  w.u8(kToContainerMagic1);
  w.u16(static_cast<uint16_t>(dataLength + 2));
  w.u16(static_cast<uint16_t>(dataLength));
  return EncodeResult::success(kBodyPacketOverhead + dataLength);
}

EncodeResult Ajp13Encoder::encodeBodyPacket(std::string_view data, std::span<char> out) const {
  if (data.size() > maxBodyChunk()) {
    return EncodeResult::failure(EncodeError::BodyChunkTooLarge, "body");
  }
  if (out.size() < kBodyPacketOverhead + data.size()) {
    return EncodeResult::failure(EncodeError::OutputTooSmall, "output");
  }
  EncodeResult res = encodeBodyPacketHeader(data.size(), out.first<kBodyPacketOverhead>());
  if (!data.empty()) {
    std::memcpy(out.data() + kBodyPacketOverhead, data.data(), data.size());
  }
  return res;
}

EncodeResult Ajp13Encoder::appendBodyPacket(std::string_view data, std::string& out) const {
  if (data.size() > maxBodyChunk()) {
    return EncodeResult::failure(EncodeError::BodyChunkTooLarge, "body");
  }
  const size_t start = out.size();
  out.resize(start + kBodyPacketOverhead + data.size());
  return encodeBodyPacket(data, std::span<char>(out.data() + start, out.size() - start));
}

}  // namespace cxxb::ajp
