#pragma once
// AJP13 wire constants as Tomcat 10.1 and httpd 2.4 use them (see /work/shared/AJP13.md,
// sections A1-A7). Pure data and constexpr lookups: no I/O, no allocation.
//
// Two tables look alike but differ: request header codes (proxy -> container, 0xA001 is
// "accept") and response header codes (container -> proxy, 0xA001 is "Content-Type").
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/string_util.h"

namespace cxxb::ajp {

// --- Framing ---------------------------------------------------------------------------

/** First two bytes of a proxy -> container packet. */
inline constexpr uint8_t kToContainerMagic0 = 0x12;
inline constexpr uint8_t kToContainerMagic1 = 0x34;
/** First two bytes of a container -> proxy packet ("AB"). */
inline constexpr uint8_t kFromContainerMagic0 = 0x41;
inline constexpr uint8_t kFromContainerMagic1 = 0x42;

/** Magic (2) + payload length (2). */
inline constexpr size_t kPacketHeaderSize = 4;
/** Header + body length (2): a request body packet carries at most P - 6 data bytes. */
inline constexpr size_t kBodyPacketOverhead = 6;
/** Header + type + length (2) + terminator: a SEND_BODY_CHUNK carries at most P - 8 bytes. */
inline constexpr size_t kSendBodyChunkOverhead = 8;

/** AJP13's documented packet size and the default of Tomcat, mod_jk and httpd. */
inline constexpr size_t kDefaultPacketSize = 8192;
/** Smallest accepted packet size (Tomcat ignores smaller values). */
inline constexpr size_t kMinPacketSize = 8192;
/** Largest packet size (Tomcat's documented maximum, httpd's AJP_MAX_BUFFER_SZ). */
inline constexpr size_t kMaxPacketSize = 65536;

/** Tomcat's default maxHeaderCount: the 101st request header makes it answer 500. */
inline constexpr size_t kDefaultMaxRequestHeaders = 100;

/** A string length of 0xFFFF is the null string (no bytes, no terminator follow). */
inline constexpr uint16_t kNullStringLength = 0xFFFF;
/**
 * Readers peek at a header name's first integer: a high byte of 0xA0 means a code. So a
 * string header name must be shorter than 0xA000 bytes, or it would read as a code.
 */
inline constexpr size_t kMaxHeaderNameLength = 0xA000 - 1;
inline constexpr uint8_t kCodedHeaderHighByte = 0xA0;

/** Sizes shared by the encoder and the decoder of one connection (both ends must agree). */
struct Ajp13Limits {
  /** P: the largest packet including its 4-byte header; 8192..65536 (worker `packetsize`). */
  size_t packetSize = kDefaultPacketSize;
  /** The encoder refuses a Forward Request with more request headers than this. */
  size_t maxRequestHeaders = kDefaultMaxRequestHeaders;
};

constexpr bool isValidPacketSize(size_t packetSize) noexcept {
  return packetSize >= kMinPacketSize && packetSize <= kMaxPacketSize;
}

/** Largest payload after the 4-byte header: P - 4 (CVE-2026-28780: never accept more). */
constexpr size_t maxPayload(size_t packetSize) noexcept { return packetSize - kPacketHeaderSize; }

/** Largest request-body data per body packet, P - 6; what Tomcat asks for in GET_BODY_CHUNK. */
constexpr size_t maxRequestBodyChunk(size_t packetSize) noexcept {
  return packetSize - kBodyPacketOverhead;
}

/** Largest response-body data per SEND_BODY_CHUNK, P - 8. */
constexpr size_t maxResponseBodyChunk(size_t packetSize) noexcept {
  return packetSize - kSendBodyChunkOverhead;
}

// --- Message types (A3) ----------------------------------------------------------------

enum class PacketType : uint8_t {
  ForwardRequest = 2,  ///< proxy -> container
  SendBodyChunk = 3,   ///< container -> proxy
  SendHeaders = 4,     ///< container -> proxy
  EndResponse = 5,     ///< container -> proxy
  GetBodyChunk = 6,    ///< container -> proxy
  Shutdown = 7,        ///< proxy -> container; never sent (Tomcat closes the connection)
  Ping = 8,            ///< AJP14 leftover; never sent
  CPong = 9,           ///< container -> proxy
  CPing = 10,          ///< proxy -> container
};

// --- Methods (A4) ----------------------------------------------------------------------

/** Method byte meaning "the method name follows as attribute 0x0D (stored_method)". */
inline constexpr uint8_t kStoredMethodCode = 0xFF;

/** Method names by code: kMethodNames[i] has code i + 1 (1 = OPTIONS .. 27 = MKACTIVITY). */
inline constexpr std::array<std::string_view, 27> kMethodNames = {
    "OPTIONS",
    "GET",
    "HEAD",
    "POST",
    "PUT",
    "DELETE",
    "TRACE",
    "PROPFIND",
    "PROPPATCH",
    "MKCOL",
    "COPY",
    "MOVE",
    "LOCK",
    "UNLOCK",
    "ACL",
    "REPORT",
    "VERSION-CONTROL",
    "CHECKIN",
    "CHECKOUT",
    "UNCHECKOUT",
    "SEARCH",
    "MKWORKSPACE",
    "UPDATE",
    "LABEL",
    "MERGE",
    "BASELINE-CONTROL",
    "MKACTIVITY",
};

/**
 * The method byte for `name`, matched case-sensitively as httpd does: "get" is not GET.
 * @return nullopt when the method has no code and must go as kStoredMethodCode + 0x0D.
 */
constexpr std::optional<uint8_t> methodCode(std::string_view name) noexcept {
  for (size_t i = 0; i < kMethodNames.size(); ++i) {
    if (kMethodNames[i] == name) {
      return static_cast<uint8_t>(i + 1);
    }
  }
  return std::nullopt;
}

/** @return the method name of a code 1..27, or nullopt (0, > 27, 0xFF). */
constexpr std::optional<std::string_view> methodName(uint8_t code) noexcept {
  if (code == 0 || code > kMethodNames.size()) {
    return std::nullopt;
  }
  return kMethodNames[code - 1];
}

// --- Request header codes (A4) ---------------------------------------------------------

/** Request header names by code: kRequestHeaderNames[i] has code 0xA001 + i. Lower case as
 *  Tomcat stores them. */
inline constexpr std::array<std::string_view, 14> kRequestHeaderNames = {
    "accept",     "accept-charset", "accept-encoding", "accept-language", "authorization",
    "connection", "content-type",   "content-length",  "cookie",          "cookie2",
    "host",       "pragma",         "referer",         "user-agent",
};
inline constexpr uint16_t kFirstRequestHeaderCode = 0xA001;
inline constexpr uint16_t kLastRequestHeaderCode = 0xA00E;

/** The code for a request header name, matched case-insensitively (as httpd does). */
constexpr std::optional<uint16_t> requestHeaderCode(std::string_view name) noexcept {
  for (size_t i = 0; i < kRequestHeaderNames.size(); ++i) {
    if (iequals(kRequestHeaderNames[i], name)) {
      return static_cast<uint16_t>(kFirstRequestHeaderCode + i);
    }
  }
  return std::nullopt;
}

/** @return the lower-case request header name of a code, or nullopt outside 0xA001..0xA00E. */
constexpr std::optional<std::string_view> requestHeaderName(uint16_t code) noexcept {
  if (code < kFirstRequestHeaderCode || code > kLastRequestHeaderCode) {
    return std::nullopt;
  }
  return kRequestHeaderNames[code - kFirstRequestHeaderCode];
}

// --- Response header codes (A6) --------------------------------------------------------

/** Response header names by code: kResponseHeaderNames[i] has code 0xA001 + i, spelled as
 *  Tomcat's SC_RESP_* table implies. */
inline constexpr std::array<std::string_view, 11> kResponseHeaderNames = {
    "Content-Type", "Content-Language", "Content-Length", "Date",   "Last-Modified",    "Location",
    "Set-Cookie",   "Set-Cookie2",      "Servlet-Engine", "Status", "WWW-Authenticate",
};
inline constexpr uint16_t kFirstResponseHeaderCode = 0xA001;
inline constexpr uint16_t kLastResponseHeaderCode = 0xA00B;

/** @return the response header name of a code, or nullopt outside 0xA001..0xA00B. */
constexpr std::optional<std::string_view> responseHeaderName(uint16_t code) noexcept {
  if (code < kFirstResponseHeaderCode || code > kLastResponseHeaderCode) {
    return std::nullopt;
  }
  return kResponseHeaderNames[code - kFirstResponseHeaderCode];
}

/** The code for a response header name, case-insensitively (for test backends). */
constexpr std::optional<uint16_t> responseHeaderCode(std::string_view name) noexcept {
  for (size_t i = 0; i < kResponseHeaderNames.size(); ++i) {
    if (iequals(kResponseHeaderNames[i], name)) {
      return static_cast<uint16_t>(kFirstResponseHeaderCode + i);
    }
  }
  return std::nullopt;
}

// --- Forward Request attributes (A4) ---------------------------------------------------

enum class Attribute : uint8_t {
  Context = 0x01,      ///< read and ignored by Tomcat; never sent
  ServletPath = 0x02,  ///< read and ignored by Tomcat; never sent
  RemoteUser = 0x03,
  AuthType = 0x04,
  QueryString = 0x05,
  Route = 0x06,    ///< jvm_route
  SslCert = 0x07,  ///< PEM of the client chain
  SslCipher = 0x08,
  SslSession = 0x09,
  ReqAttribute = 0x0A,  ///< two strings: name, value
  SslKeySize = 0x0B,    ///< an integer, not a string
  Secret = 0x0C,
  StoredMethod = 0x0D,
  AreDone = 0xFF,  ///< ends the Forward Request
};

/** Well-known req_attribute (0x0A) names Tomcat 10.1 accepts without configuration. */
inline constexpr std::string_view kAttrRemotePort = "AJP_REMOTE_PORT";
inline constexpr std::string_view kAttrLocalAddr = "AJP_LOCAL_ADDR";
inline constexpr std::string_view kAttrSslProtocol = "AJP_SSL_PROTOCOL";

}  // namespace cxxb::ajp
