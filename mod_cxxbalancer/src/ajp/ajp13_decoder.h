#pragma once
// Incremental decoder of container -> proxy AJP13 packets (SEND_HEADERS, SEND_BODY_CHUNK,
// GET_BODY_CHUNK, END_RESPONSE, CPONG). Sans-I/O (STYLE.md §2.9): it takes bytes, reports
// how many it consumed, queues typed events, and never blocks or logs. Errors are data.
//
// The backend is hostile input (httpd CVE-2026-28780, CVE-2026-34032). Every packet is
// checked: magic "AB"; payload length <= P - 4; every integer, byte and string read against
// the payload end; strings need their 00 terminator; FFFF is the null string; exact payload
// sizes per type; and the order of packets within an exchange:
//
//   Idle --expectCpong()--> AwaitCpong --CPONG--> Idle
//   Idle --expectResponse()--> AwaitHeaders
//   AwaitHeaders: GET_BODY_CHUNK (stay), SEND_HEADERS -> InBody,
//                 zero-length SEND_BODY_CHUNK (a flush: dropped, as httpd does)
//   InBody: SEND_BODY_CHUNK, GET_BODY_CHUNK (stay), END_RESPONSE -> Idle
//   Anything else, or any byte while Idle (e.g. after END_RESPONSE: CVE-2022-1319), fails.
//
// How a connector uses it for one exchange (see ajp13_encoder.h for the sending side):
//
//   decoder.expectResponse();                 // before writing the FORWARD_REQUEST
//   write forward request [+ first body packet];
//   while (!done) {
//     read into buf (timeout: 504 before headers);   n bytes; EOF: see below
//     std::string_view in(buf, n);
//     while (!in.empty()) {                   // feed() stops while events are pending
//       in.remove_prefix(decoder.feed(in));
//       while (auto ev = decoder.next()) {
//         GetBodyChunk  -> write the next body packet, or the empty one
//         SendHeaders   -> validate names/values/status (HTTP layer), drop the backend's
//                          Content-Length/Transfer-Encoding, start the client response
//         BodyChunk     -> empty: flush the client; else write data to the client
//                          (the view dies at the next feed(): copy or write it now)
//         EndResponse   -> done; remember reuse
//       }
//       if (decoder.failed()) -> stop: 502 before headers, abort the client response
//                                after (no final chunk); close the backend connection
//     }
//   }
//   Pool the connection only if EndResponse.reuse, !decoder.failed(), the request body
//   exchange finished, and the transport reports no pending bytes. Otherwise close it.
//   EOF before EndResponse is an error (close; see AJP13.md A8 for the client answer).
//
// Not thread-safe: one decoder per connection; reset() it when the connection is replaced.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ajp/ajp13_constants.h"
#include "http/http_message.h"

namespace cxxb::ajp {

/** SEND_HEADERS. Names of coded headers are spelled as in kResponseHeaderNames. The values
 *  are raw backend bytes: validate them (and the status) before relaying. */
struct SendHeaders {
  uint16_t status = 0;
  /** Tomcat sends the decimal code ("200"), not a reason phrase; a null string gives "". */
  std::string message;
  http::Headers headers;
  bool operator==(const SendHeaders&) const = default;
};

/**
 * SEND_BODY_CHUNK. Empty data is a flush request.
 *
 * Lifetime of `data`: when the whole packet lay in one buffer passed to feed(), `data`
 * points into that buffer (no copy); otherwise it points into the decoder. Either way it is
 * valid until the next call to feed() or reset() on the decoder, and, in the first case,
 * only while the caller's buffer is unchanged. Use or copy it before feeding more.
 */
struct BodyChunk {
  std::string_view data;
  bool flush() const noexcept { return data.empty(); }
};

/** GET_BODY_CHUNK: the container wants up to `requested` more request-body bytes. Answer
 *  with at most min(requested, P - 6) bytes (Ajp13Encoder::bodyChunkSize()); with the empty
 *  packet when the body is exhausted or `requested` is 0. */
struct GetBodyChunk {
  uint16_t requested = 0;
  bool operator==(const GetBodyChunk&) const = default;
};

/** END_RESPONSE. reuse is true only for the byte 01; any other value means close. */
struct EndResponse {
  bool reuse = false;
  bool operator==(const EndResponse&) const = default;
};

/** CPONG, the answer to CPING. */
struct CPong {
  bool operator==(const CPong&) const = default;
};

using Ajp13Event = std::variant<SendHeaders, BodyChunk, GetBodyChunk, EndResponse, CPong>;

/** Why decoding failed. Every one of them means: close the connection. */
enum class DecodeError : uint8_t {
  None = 0,
  BadMagic,           ///< the packet does not start with "AB"
  BadLength,          ///< payload length 0 or > P - 4
  Truncated,          ///< a field runs past the payload end
  MissingTerminator,  ///< a string without its 00
  NullString,         ///< FFFF where a string is required (header name)
  BadHeaderName,      ///< an empty response header name
  BadHeaderCode,      ///< a coded response header outside 0xA001..0xA00B
  BadStatus,          ///< status outside 100..999
  BadLayout,          ///< payload size does not match the type, or bytes left over
  UnknownType,        ///< a prefix code the container never sends
  OutOfSequence,      ///< valid packet at the wrong time (headers twice, body first, ...)
  Unsolicited,        ///< bytes while nothing is expected (e.g. after END_RESPONSE)
};

/** A short English description, for log lines. */
std::string_view describe(DecodeError error) noexcept;

class Ajp13Decoder {
 public:
  enum class State : uint8_t { Idle, AwaitCpong, AwaitHeaders, InBody };

  /**
   * @param limits packetSize must be 8192..65536 and equal the container's packetSize;
   *        anything else throws std::invalid_argument (configuration validated it already).
   */
  explicit Ajp13Decoder(Ajp13Limits limits = {});

  /**
   * Tells the decoder a CPING was written: exactly one CPONG is expected next.
   * @return false (and no change) unless the decoder is Idle and has not failed.
   */
  bool expectCpong() noexcept;

  /**
   * Tells the decoder a FORWARD_REQUEST is about to be written: a response is expected.
   * @return false (and no change) unless the decoder is Idle and has not failed.
   */
  bool expectResponse() noexcept;

  /**
   * Consumes bytes. Complete packets become events; a packet split across calls is kept
   * inside the decoder. It consumes nothing while events from an earlier call are still
   * queued (drain next() first, which also keeps BodyChunk views valid) or once failed.
   * @return the number of bytes consumed from `in` (all of them unless one of the above)
   */
  size_t feed(std::string_view in);
  size_t feed(std::span<const std::byte> in);

  /** The next queued event, oldest first. Events queued before a failure are still
   *  returned: check failed() after draining. */
  std::optional<Ajp13Event> next();

  bool failed() const noexcept { return error_ != DecodeError::None; }
  DecodeError errorCode() const noexcept { return error_; }
  /** A static description of the failure; empty when not failed. */
  std::string_view error() const noexcept;

  State state() const noexcept { return state_; }
  /** True when no exchange is in progress and no partial packet is buffered. */
  bool idle() const noexcept { return state_ == State::Idle && partial_.empty(); }
  /** True between SEND_HEADERS and END_RESPONSE of the current exchange. */
  bool headersReceived() const noexcept { return state_ == State::InBody; }
  /** Events queued and not yet taken with next(). */
  size_t pendingEvents() const noexcept { return events_.size(); }
  /** Bytes of an incomplete packet kept inside the decoder. */
  size_t bufferedBytes() const noexcept { return partial_.size(); }

  /** Back to a fresh Idle decoder (new connection): clears events, buffers and errors. */
  void reset() noexcept;

  const Ajp13Limits& limits() const noexcept { return limits_; }

 private:
  /** Decodes one complete packet (header included); false when it failed. */
  bool decodePacket(std::string_view packet);
  bool decodeSendHeaders(std::string_view payload);
  bool decodeSendBodyChunk(std::string_view payload);
  bool fail(DecodeError error) noexcept;
  /** Total packet size from a complete 4-byte header, or 0 after failing. */
  size_t packetSizeFromHeader(std::string_view header);

  Ajp13Limits limits_;
  State state_ = State::Idle;
  DecodeError error_ = DecodeError::None;
  std::deque<Ajp13Event> events_;
  /** Bytes of a packet that is not complete yet. */
  std::string partial_;
  /** The last packet completed from partial_; BodyChunk views may point into it. */
  std::string completed_;
};

}  // namespace cxxb::ajp
