// Fuzzes Ajp13Encoder with ForwardRequests built from arbitrary bytes (any header names,
// values and attributes, any sizes). Properties checked:
//   - the encoder never writes past the packet size nor past the caller's span (canary);
//   - it accepts a request exactly when an independent oracle says the request is valid
//     and its computed size fits P, and then reports that size;
//   - what it accepts parses back (test-only container-side parser) to the same fields,
//     with the attributes in httpd's order;
//   - the span, string and measure forms agree; body packets obey P - 6.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../unit/ajp/support/ajp13_request_parser.h"
#include "ajp/ajp13_encoder.h"
#include "core/string_util.h"

namespace {

using namespace cxxb::ajp;  // NOLINT: test file

#define FUZZ_CHECK(cond)                                                                   \
  do {                                                                                     \
    if (!(cond)) {                                                                         \
      std::fprintf(stderr, "FUZZ_CHECK failed: %s at %s:%d\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                        \
    }                                                                                      \
  } while (0)

/** Hands out fuzz bytes as values; zeros once the input is used up. */
class Input {
 public:
  Input(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  uint8_t u8() { return pos_ < size_ ? data_[pos_++] : 0; }
  uint16_t u16() { return static_cast<uint16_t>(u8() << 8 | u8()); }
  /** Mode byte: high bit set = one byte repeated up to 64 KiB (reaches the size limits
   *  with small inputs), else up to 127 literal bytes. */
  std::string str() {
    const uint8_t mode = u8();
    if ((mode & 0x80) != 0) {
      const size_t len = u16();
      return std::string(len, static_cast<char>(u8()));
    }
    const size_t len = std::min<size_t>(mode, size_ - pos_);
    std::string out(reinterpret_cast<const char*>(data_ + pos_), len);
    pos_ += len;
    return out;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

/** Owns the strings a ForwardRequest views. */
struct Owned {
  std::string method, protocol, uri, remoteAddr, serverName;
  std::optional<std::string> remoteHost, secret, remoteUser, authType, queryString, route, sslCert,
      sslCipher, sslSession, sslProtocol, localAddr;
  std::optional<uint16_t> sslKeySize, remotePort;
  std::vector<cxxb::http::Header> headers;
  std::vector<std::pair<std::string, std::string>> extra;
  std::vector<RequestAttribute> extraViews;
  uint16_t serverPort = 0;
  bool isSsl = false;
};

std::optional<std::string_view> view(const std::optional<std::string>& s) {
  return s ? std::optional<std::string_view>(*s) : std::nullopt;
}

ForwardRequest makeRequest(Owned& o) {
  ForwardRequest r;
  r.method = o.method;
  r.protocol = o.protocol;
  r.uri = o.uri;
  r.remoteAddr = o.remoteAddr;
  r.remoteHost = view(o.remoteHost);
  r.serverName = o.serverName;
  r.serverPort = o.serverPort;
  r.isSsl = o.isSsl;
  r.headers = o.headers;
  r.secret = view(o.secret);
  r.remoteUser = view(o.remoteUser);
  r.authType = view(o.authType);
  r.queryString = view(o.queryString);
  r.route = view(o.route);
  r.sslCert = view(o.sslCert);
  r.sslCipher = view(o.sslCipher);
  r.sslSession = view(o.sslSession);
  r.sslKeySize = o.sslKeySize;
  r.sslProtocol = view(o.sslProtocol);
  r.remotePort = o.remotePort;
  r.localAddr = view(o.localAddr);
  o.extraViews.clear();
  for (const auto& [n, v] : o.extra) {
    o.extraViews.push_back({n, v});
  }
  r.extraAttributes = o.extraViews;
  return r;
}

Owned build(Input& in) {
  Owned o;
  const uint8_t m = in.u8();
  if (m < 0xC0) {
    o.method = std::string(*methodName(static_cast<uint8_t>(1 + m % 27)));
  } else {
    o.method = in.str();
  }
  o.protocol = (in.u8() & 1) != 0 ? in.str() : "HTTP/1.1";
  o.uri = in.str();
  if ((in.u8() & 3) != 0) {
    o.uri.insert(0, "/");  // mostly origin-form, so the valid path is explored too
  }
  o.remoteAddr = in.str();
  o.serverName = in.str();
  o.serverPort = in.u16();
  const uint16_t mask = in.u16();
  o.isSsl = (mask & 1) != 0;
  auto opt = [&](int bit) -> std::optional<std::string> {
    if ((mask & (1u << bit)) != 0) {
      return in.str();
    }
    return std::nullopt;
  };
  o.remoteHost = opt(1);
  o.secret = opt(2);
  o.remoteUser = opt(3);
  o.authType = opt(4);
  o.queryString = opt(5);
  o.route = opt(6);
  o.sslCert = opt(7);
  o.sslCipher = opt(8);
  o.sslSession = opt(9);
  o.sslProtocol = opt(10);
  o.localAddr = opt(11);
  if ((mask & (1u << 12)) != 0) {
    o.sslKeySize = in.u16();
  }
  if ((mask & (1u << 13)) != 0) {
    o.remotePort = in.u16();
  }
  const size_t headerCount = in.u8() % 110;
  for (size_t i = 0; i < headerCount; ++i) {
    const uint8_t pick = in.u8();
    std::string name;
    if (pick < 0x60) {
      name = std::string(kRequestHeaderNames[pick % kRequestHeaderNames.size()]);
      for (char& c : name) {  // codes are matched case-insensitively
        if ((in.u8() & 1) != 0 && c >= 'a' && c <= 'z') {
          c = static_cast<char>(c - 32);
        }
      }
    } else {
      name = in.str();
    }
    o.headers.push_back({std::move(name), in.str()});
  }
  const size_t extraCount = in.u8() % 4;
  for (size_t i = 0; i < extraCount; ++i) {
    std::string n = in.str();
    o.extra.emplace_back(std::move(n), in.str());
  }
  return o;
}

// --- The oracle: the encoding rules written a second time, independently -------------

bool noneOf(std::string_view s, bool token, bool pem) {
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == 0 || (!pem && (c == '\r' || c == '\n')) || (token && (c <= 0x20 || c == 0x7F))) {
      return false;
    }
  }
  return true;
}

bool syntaxValid(const Owned& o, size_t maxHeaders) {
  if (o.method.empty() || !noneOf(o.method, true, false)) {
    return false;
  }
  if (o.protocol.empty() || !noneOf(o.protocol, true, false)) {
    return false;
  }
  if (!noneOf(o.uri, true, false)) {
    return false;
  }
  if (o.uri != "*" && (o.uri.empty() || o.uri[0] != '/')) {
    return false;
  }
  if (o.uri.find('?') != std::string::npos || o.uri.find('#') != std::string::npos) {
    return false;
  }
  if (!noneOf(o.remoteAddr, false, false) || !noneOf(o.serverName, false, false)) {
    return false;
  }
  if (o.headers.size() > maxHeaders) {
    return false;
  }
  for (const auto& h : o.headers) {
    if (h.name.empty() || h.name.size() >= 0xA000 || !noneOf(h.name, false, false)) {
      return false;
    }
    if (!noneOf(h.value, false, false)) {
      return false;
    }
  }
  for (const auto* s : {&o.remoteHost, &o.secret, &o.remoteUser, &o.authType, &o.queryString,
                        &o.route, &o.sslCipher, &o.sslSession, &o.sslProtocol, &o.localAddr}) {
    if (*s && !noneOf(**s, false, false)) {
      return false;
    }
  }
  if (o.sslCert && !noneOf(*o.sslCert, false, true)) {
    return false;
  }
  for (const auto& [n, v] : o.extra) {
    if (n.empty() || !noneOf(n, false, false) || !noneOf(v, false, false)) {
      return false;
    }
  }
  return true;
}

size_t str(std::string_view s) { return 3 + s.size(); }

size_t expectedSize(const Owned& o) {
  size_t n = 4 + 1 + 1 + str(o.protocol) + str(o.uri) + str(o.remoteAddr) +
             (o.remoteHost ? str(*o.remoteHost) : 2) + str(o.serverName) + 2 + 1 + 2;
  for (const auto& h : o.headers) {
    n += (requestHeaderCode(h.name) ? 2 : str(h.name)) + str(h.value);
  }
  for (const auto* s : {&o.secret, &o.remoteUser, &o.authType, &o.queryString, &o.route, &o.sslCert,
                        &o.sslCipher, &o.sslSession}) {
    n += *s ? 1 + str(**s) : 0;
  }
  n += o.sslKeySize ? 3 : 0;
  n += methodCode(o.method) ? 0 : 1 + str(o.method);
  n += o.sslProtocol ? 1 + str(kAttrSslProtocol) + str(*o.sslProtocol) : 0;
  n += o.remotePort ? 1 + str(kAttrRemotePort) + str(std::to_string(*o.remotePort)) : 0;
  n += o.localAddr ? 1 + str(kAttrLocalAddr) + str(*o.localAddr) : 0;
  for (const auto& [name, value] : o.extra) {
    n += 1 + str(name) + str(value);
  }
  return n + 1;
}

void checkRoundTrip(const Owned& o, std::string_view packet, size_t packetSize) {
  std::string error;
  auto p = test::parseForwardRequest(packet, packetSize, error);
  if (!p) {
    std::fprintf(stderr, "parse error: %s\n", error.c_str());
  }
  FUZZ_CHECK(p.has_value());
  FUZZ_CHECK(p->method == o.method);
  FUZZ_CHECK((p->methodCode == kStoredMethodCode) == !methodCode(o.method));
  FUZZ_CHECK(p->protocol == o.protocol && p->uri == o.uri && p->remoteAddr == o.remoteAddr);
  FUZZ_CHECK(p->remoteHost == o.remoteHost && p->serverName == o.serverName);
  FUZZ_CHECK(p->serverPort == o.serverPort && p->isSsl == (o.isSsl ? 1 : 0));
  FUZZ_CHECK(p->headers.size() == o.headers.size());
  for (size_t i = 0; i < o.headers.size(); ++i) {
    const auto code = requestHeaderCode(o.headers[i].name);
    FUZZ_CHECK(p->headers[i].code == code.value_or(0));
    FUZZ_CHECK(code ? cxxb::iequals(p->headers[i].name, o.headers[i].name)
                    : p->headers[i].name == o.headers[i].name);
    FUZZ_CHECK(p->headers[i].value == o.headers[i].value);
  }
  // The attributes, in httpd's order.
  std::vector<test::ParsedAttribute> want;
  auto add = [&](Attribute code, const std::optional<std::string>& v) {
    if (v) {
      want.push_back({static_cast<uint8_t>(code), "", *v, 0});
    }
  };
  add(Attribute::Secret, o.secret);
  add(Attribute::RemoteUser, o.remoteUser);
  add(Attribute::AuthType, o.authType);
  add(Attribute::QueryString, o.queryString);
  add(Attribute::Route, o.route);
  add(Attribute::SslCert, o.sslCert);
  add(Attribute::SslCipher, o.sslCipher);
  add(Attribute::SslSession, o.sslSession);
  if (o.sslKeySize) {
    want.push_back({0x0B, "", "", *o.sslKeySize});
  }
  if (!methodCode(o.method)) {
    want.push_back({0x0D, "", o.method, 0});
  }
  auto req = [&](std::string_view name, const std::optional<std::string>& v) {
    if (v) {
      want.push_back({0x0A, std::string(name), *v, 0});
    }
  };
  req(kAttrSslProtocol, o.sslProtocol);
  req(kAttrRemotePort,
      o.remotePort ? std::optional<std::string>(std::to_string(*o.remotePort)) : std::nullopt);
  req(kAttrLocalAddr, o.localAddr);
  for (const auto& [n, v] : o.extra) {
    want.push_back({0x0A, n, v, 0});
  }
  FUZZ_CHECK(p->attributes.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    FUZZ_CHECK(p->attributes[i].code == want[i].code);
    FUZZ_CHECK(p->attributes[i].name == want[i].name);
    FUZZ_CHECK(p->attributes[i].value == want[i].value);
    FUZZ_CHECK(p->attributes[i].number == want[i].number);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Input in(data, size);
  const uint8_t flags = in.u8();
  const size_t packetSize = (flags & 1) != 0 ? 65536 : 8192;
  const Ajp13Limits limits{.packetSize = packetSize};
  const Ajp13Encoder enc(limits);
  Owned owned = build(in);
  const ForwardRequest req = makeRequest(owned);

  // Span form: a buffer of exactly P bytes followed by a canary.
  constexpr size_t kCanary = 64;
  std::vector<char> buf(packetSize + kCanary, '\x5a');
  const EncodeResult res = enc.encodeForwardRequest(req, std::span<char>(buf.data(), packetSize));
  for (size_t i = packetSize; i < buf.size(); ++i) {
    FUZZ_CHECK(buf[i] == '\x5a');
  }
  FUZZ_CHECK(res.ok() == (res.error() == EncodeError::None));
  FUZZ_CHECK(res.error() != EncodeError::OutputTooSmall);
  FUZZ_CHECK(!res.ok() || res.size() <= packetSize);
  FUZZ_CHECK(res.ok() || (res.size() == 0 && !res.field().empty()));
  FUZZ_CHECK(res.httpStatus() == 200 || res.httpStatus() == 400 || res.httpStatus() == 431);

  // The oracle.
  const bool valid = syntaxValid(owned, limits.maxRequestHeaders);
  if (!valid) {
    FUZZ_CHECK(!res.ok() && res.error() != EncodeError::TooLarge);
  } else {
    const size_t want = expectedSize(owned);
    if (want <= packetSize) {
      FUZZ_CHECK(res.ok() && res.size() == want);
    } else {
      FUZZ_CHECK(res.error() == EncodeError::TooLarge);
    }
  }

  // The string and measure forms agree with the span form.
  std::string appended = "prefix";
  const EncodeResult res2 = enc.appendForwardRequest(req, appended);
  const EncodeResult measured = enc.measureForwardRequest(req);
  FUZZ_CHECK(res2.error() == res.error() && measured.error() == res.error());
  if (!res.ok()) {
    FUZZ_CHECK(appended == "prefix");
    return 0;
  }
  const std::string_view packet(buf.data(), res.size());
  FUZZ_CHECK(measured.size() == res.size());
  FUZZ_CHECK(appended.size() == 6 + res.size() && appended.substr(6) == packet);
  checkRoundTrip(owned, packet, packetSize);

  // A span shorter than the packet is refused without writing past it.
  const size_t shortLen = in.u16() % res.size();
  std::vector<char> small(shortLen + kCanary, '\x5a');
  FUZZ_CHECK(enc.encodeForwardRequest(req, std::span<char>(small.data(), shortLen)).error() ==
             EncodeError::OutputTooSmall);
  for (size_t i = shortLen; i < small.size(); ++i) {
    FUZZ_CHECK(small[i] == '\x5a');
  }

  // Body packets: at most P - 6 bytes.
  const std::string body(in.u16(), 'b');
  std::string bodyPacket;
  const EncodeResult bodyRes = enc.appendBodyPacket(body, bodyPacket);
  FUZZ_CHECK(bodyRes.ok() == (body.size() <= packetSize - 6));
  if (bodyRes.ok()) {
    std::string error;
    FUZZ_CHECK(bodyPacket.size() <= packetSize);
    FUZZ_CHECK(test::parseBodyPacket(bodyPacket, packetSize, error) == body);
  } else {
    FUZZ_CHECK(bodyPacket.empty());
  }
  return 0;
}
