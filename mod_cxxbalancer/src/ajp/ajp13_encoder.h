#pragma once
// Builds proxy -> container AJP13 packets (FORWARD_REQUEST, request body, CPING) into
// buffers the caller owns. Sans-I/O (STYLE.md §2.9): no sockets, no logging, no pools.
//
// How a connector drives one exchange with Ajp13Encoder and Ajp13Decoder (ajp13_decoder.h):
//
//   1. Optional probe (worker `ping`): write cpingPacket(), call decoder.expectCpong(), read
//      and feed until a CPong event; anything else, a timeout or decoder.failed() means the
//      connection is unusable (nothing was sent yet: any method may go elsewhere).
//   2. Build the Forward Request with appendForwardRequest()/encodeForwardRequest() BEFORE
//      writing anything. An error is the client's problem, not the worker's: answer
//      error.httpStatus() (400 when it does not fit one packet, as httpd does) and keep the
//      connection. Then call decoder.expectResponse() and write the packet.
//   3. Body framing is decided once by the HTTP layer. With a positive Content-Length (and
//      no Transfer-Encoding), write one unsolicited body packet right after the Forward
//      Request with the first min(CL, maxBodyChunk()) bytes. With no body send nothing;
//      with a chunked body send nothing (no Content-Length header either) and wait.
//      Never forward both Content-Length and Transfer-Encoding (CVE-2022-26377).
//   4. Read loop: feed() what the transport returns, drain next(), then check failed().
//      - GetBodyChunk{n}: write appendBodyPacket() with bodyChunkSize(n, remaining) bytes,
//        or appendEmptyBodyPacket() when the client body is exhausted. Never write a body
//        packet that was not asked for (besides the first one of step 3): Tomcat parses it
//        as the next request.
//      - SendHeaders / BodyChunk / EndResponse: see ajp13_decoder.h.
//   5. Any error after the first byte was written closes the connection (CVE-2022-36760).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "ajp/ajp13_constants.h"
#include "http/http_message.h"

namespace cxxb::ajp {

/** A 0x0A req_attribute. Only names and values the proxy computes itself (Ghostcat). */
struct RequestAttribute {
  std::string_view name;
  std::string_view value;
};

/**
 * Everything a FORWARD_REQUEST carries, as views the caller keeps alive during the encode
 * call. Optional attributes are sent only when set (an engaged empty string is sent as
 * `00 00 00`). Attributes go out in httpd's order (AJP13.md A4): secret, remote_user,
 * auth_type, query_string, route, ssl_cert, ssl_cipher, ssl_session, ssl_key_size,
 * stored_method (automatic), AJP_SSL_PROTOCOL, AJP_REMOTE_PORT, AJP_LOCAL_ADDR, then
 * extraAttributes in the given order.
 */
struct ForwardRequest {
  /** Case-sensitive: the 27 coded methods go as their code, anything else (PATCH, "get")
   *  as 0xFF plus attribute 0x0D. A token: no control characters, no space. */
  std::string_view method;
  std::string_view protocol = "HTTP/1.1";
  /** Origin-form path, still percent-encoded, no query (that goes in queryString), or "*".
   *  Absolute-form is refused: Tomcat would take the Host from it. */
  std::string_view uri;
  std::string_view remoteAddr;
  /** nullopt: sent as the null string FFFF (Tomcat then reports the address). */
  std::optional<std::string_view> remoteHost;
  std::string_view serverName;
  uint16_t serverPort = 0;
  bool isSsl = false;
  /** Names with a code (0xA001..0xA00E, case-insensitive) are sent coded, others as
   *  strings. Hop-by-hop header removal is the HTTP layer's job, not the encoder's. */
  std::span<const http::Header> headers;

  std::optional<std::string_view> secret;             ///< 0x0C; Tomcat compares it (A9)
  std::optional<std::string_view> remoteUser;         ///< 0x03
  std::optional<std::string_view> authType;           ///< 0x04
  std::optional<std::string_view> queryString;        ///< 0x05, without the '?'
  std::optional<std::string_view> route;              ///< 0x06 jvm_route
  std::optional<std::string_view> sslCert;            ///< 0x07, PEM (CR/LF allowed, NUL not)
  std::optional<std::string_view> sslCipher;          ///< 0x08
  std::optional<std::string_view> sslSession;         ///< 0x09
  std::optional<uint16_t> sslKeySize;                 ///< 0x0B, an integer
  std::optional<std::string_view> sslProtocol;        ///< 0x0A AJP_SSL_PROTOCOL
  std::optional<uint16_t> remotePort;                 ///< 0x0A AJP_REMOTE_PORT, sent in decimal
  std::optional<std::string_view> localAddr;          ///< 0x0A AJP_LOCAL_ADDR
  std::span<const RequestAttribute> extraAttributes;  ///< more 0x0A pairs, in order
};

enum class EncodeError : uint8_t {
  None = 0,
  /** The Forward Request does not fit in one packet of P bytes (there is no continuation).
   *  httpStatus(): 400, as httpd answers for AJP_EOVERFLOW. Not 413: that is about a body,
   *  and bodies never need to fit one packet. */
  TooLarge,
  /** A header name of 0xA000 bytes or more would read as a code. httpStatus(): 431. */
  HeaderNameTooLong,
  /** More than Ajp13Limits::maxRequestHeaders headers (Tomcat: 500). httpStatus(): 431. */
  TooManyHeaders,
  /** NUL, CR or LF (or, in method/protocol/uri, any control byte or space) in a field.
   *  httpStatus(): 400. The proxy is the only place syntax is enforced (A1). */
  ForbiddenByte,
  /** Empty method, protocol or header name. httpStatus(): 400. */
  EmptyField,
  /** uri is not "*" and does not start with '/', or contains '?' or '#'. httpStatus(): 400. */
  BadUri,
  /** A request body chunk longer than maxBodyChunk() (caller bug). httpStatus(): 500. */
  BodyChunkTooLarge,
  /** The caller's span is shorter than the packet (caller bug). httpStatus(): 500. */
  OutputTooSmall,
};

/** A short English description of an error, for log lines. */
std::string_view describe(EncodeError error) noexcept;

/** The HTTP status the proxy answers the client with for an encoder error. */
int httpStatus(EncodeError error) noexcept;

/**
 * Outcome of an encode call: the packet size written, or an error and the field at fault.
 * Nothing is allocated, so it is cheap on the request path.
 */
class [[nodiscard]] EncodeResult {
 public:
  static EncodeResult success(size_t bytes) noexcept { return EncodeResult(bytes, {}, {}); }
  static EncodeResult failure(EncodeError error, std::string_view field) noexcept {
    return EncodeResult(0, error, field);
  }

  bool ok() const noexcept { return error_ == EncodeError::None; }
  explicit operator bool() const noexcept { return ok(); }
  /** Bytes of the packet (header included); 0 on error. */
  size_t size() const noexcept { return size_; }
  EncodeError error() const noexcept { return error_; }
  /** A static name of the offending field ("uri", "header name", ...); empty when ok. */
  std::string_view field() const noexcept { return field_; }
  int httpStatus() const noexcept { return ajp::httpStatus(error_); }

 private:
  EncodeResult(size_t size, EncodeError error, std::string_view field) noexcept
      : size_(size), error_(error), field_(field) {}
  size_t size_ = 0;
  EncodeError error_ = EncodeError::None;
  std::string_view field_;
};

/**
 * Encoder for one worker's packet size. Stateless apart from its limits, so one instance
 * may be shared by threads. Never produces a packet larger than limits.packetSize and never
 * writes past the caller's buffer.
 */
class Ajp13Encoder {
 public:
  /**
   * @param limits packetSize must be 8192..65536 (configuration validated it already);
   *        anything else throws std::invalid_argument (a programming error).
   */
  explicit Ajp13Encoder(Ajp13Limits limits = {});

  const Ajp13Limits& limits() const noexcept { return limits_; }
  size_t packetSize() const noexcept { return limits_.packetSize; }
  /** Largest request-body data per body packet: P - 6. */
  size_t maxBodyChunk() const noexcept { return maxRequestBodyChunk(limits_.packetSize); }
  /** Bytes to send in answer to GET_BODY_CHUNK: min(requested, P - 6, remaining). */
  size_t bodyChunkSize(size_t requested, size_t remaining) const noexcept;

  /**
   * Validates and encodes a FORWARD_REQUEST into `out`.
   * @return the packet size, or an error; on error the content of `out` is unspecified but
   *         nothing past min(out.size(), packetSize()) was written.
   */
  EncodeResult encodeForwardRequest(const ForwardRequest& request, std::span<char> out) const;

  /** As encodeForwardRequest(), appending to `out`; on error `out` is left unchanged. */
  EncodeResult appendForwardRequest(const ForwardRequest& request, std::string& out) const;

  /** The exact packet size the request would need, or the error encoding would report
   *  (OutputTooSmall never). Validates like the encode calls. */
  EncodeResult measureForwardRequest(const ForwardRequest& request) const;

  /**
   * A request body packet `12 34 | n+2 | n | data`, no type byte.
   * @return BodyChunkTooLarge if data is longer than maxBodyChunk().
   */
  EncodeResult encodeBodyPacket(std::string_view data, std::span<char> out) const;
  EncodeResult appendBodyPacket(std::string_view data, std::string& out) const;

  /**
   * Writes only the 6-byte header of a body packet carrying `dataLength` bytes, so that a
   * connector can write the header and the client's bytes with writev and no copy.
   * @return BodyChunkTooLarge if dataLength > maxBodyChunk().
   */
  EncodeResult encodeBodyPacketHeader(size_t dataLength,
                                      std::span<char, kBodyPacketOverhead> out) const;

  /** The end-of-body packet, `12 34 00 02 00 00` as httpd sends it. */
  static constexpr std::string_view emptyBodyPacket() noexcept {
    return std::string_view("\x12\x34\x00\x02\x00\x00", 6);
  }
  static void appendEmptyBodyPacket(std::string& out) { out.append(emptyBodyPacket()); }

  /** CPING, `12 34 00 01 0a`. */
  static constexpr std::string_view cpingPacket() noexcept {
    return std::string_view("\x12\x34\x00\x01\x0a", 5);
  }
  static void appendCping(std::string& out) { out.append(cpingPacket()); }

 private:
  Ajp13Limits limits_;
};

}  // namespace cxxb::ajp
