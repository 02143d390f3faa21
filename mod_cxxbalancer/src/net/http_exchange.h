#pragma once
// One HTTP/1.1 request/response exchange with a member over a Transport: writes the request
// head, streams the request body, feeds the response to the parser and on to a sink.
//
// The exchange knows nothing of httpd: the body comes from a RequestBody and the response
// goes to a ResponseConsumer, both implemented by the adapter over brigades. That keeps the
// whole exchange testable against loopback stubs.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "http/response_parser.h"
#include "net/transport.h"

namespace cxxb::net {

/** The client's request body, pulled piece by piece. */
class RequestBody {
 public:
  virtual ~RequestBody() = default;
  enum class Status { Data, End, Error };
  struct Piece {
    Status status = Status::End;
    std::string_view data;  ///< valid until the next call
  };
  /** The next piece of body; blocks on the client with httpd's own timeout. */
  virtual Piece next() = 0;
};

/** Where the response goes. The sink callbacks come from the parser. */
class ResponseConsumer : public http::ResponseSink {
 public:
  /** Pushes what was given so far to the client (called when the member pauses). */
  virtual void flush() = 0;
  /** True once the client side failed; the exchange then stops reading. */
  virtual bool clientFailed() const = 0;
};

enum class ExchangeError {
  None,
  SendFailed,    ///< writing the request failed before any response byte arrived
  NoResponse,    ///< the member closed or reset before sending a byte of response
  Timeout,       ///< the member did not answer within the I/O timeout
  BadResponse,   ///< the response could not be parsed
  Truncated,     ///< the member closed after the head, before the body was complete
  ClientFailed,  ///< the client went away or its body could not be read
};

struct ExchangeResult {
  ExchangeError error = ExchangeError::None;
  bool responseStarted = false;  ///< any byte of response was received
  bool headDelivered = false;    ///< onHead() was called: the client has a status line
  bool bodyConsumed = false;     ///< bytes were taken from the client's request body
  bool reusable = false;         ///< the connection can go back to the pool
  uint64_t bytesSent = 0;
  uint64_t bytesReceived = 0;
  int sysError = 0;
  std::string detail;  ///< parser error or I/O detail for the log
};

struct ExchangeOptions {
  Millis ioTimeout{60000};
  bool headRequest = false;
  bool chunkedBody = false;  ///< frame the body with chunked encoding
  std::span<char> buffer;    ///< scratch for reads (and body framing); caller-owned
};

/**
 * Runs one exchange. `requestHead` is the serialized head; `body` may be null.
 * The parser is reset here. On success the response has been delivered to `consumer`.
 */
ExchangeResult runHttpExchange(Transport& transport, std::string_view requestHead,
                               RequestBody* body, http::ResponseParser& parser,
                               ResponseConsumer& consumer, const ExchangeOptions& options);

}  // namespace cxxb::net
