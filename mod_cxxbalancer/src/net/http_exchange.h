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
/** Who is about to answer, so the adapter can publish it (BALANCER_* variables) and add
 *  the route cookie before the response head goes out. Views are valid during the call. */
struct MemberChoice {
  std::string_view balancer;      ///< "cxxbalancer://NAME"
  std::string_view member;        ///< the member's URL
  std::string_view memberRoute;   ///< its route= ("" when none)
  std::string_view sessionRoute;  ///< the route the request's sticky session asked for
  bool routeChanged = false;      ///< a session route was asked for and another member serves
  std::string_view setCookie;     ///< a Set-Cookie value to add to the response ("" none)
  bool sorry = false;             ///< the sorry page: answer 503 with Retry-After
  uint32_t retryAfter = 0;        ///< seconds, with `sorry`
};

class ResponseConsumer : public http::ResponseSink {
 public:
  /** Called before each attempt; the last call names the member that answered. */
  virtual void onMemberChosen(const MemberChoice& choice) { (void)choice; }
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
  /** Set when the member answered but refused the request itself in a way the operator must
   *  hear about (AJP: 403 and close, Tomcat's answer to a wrong secret); the forwarder logs
   *  it. The response was still relayed. */
  std::string refusal;
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
