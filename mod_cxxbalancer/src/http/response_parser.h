#pragma once
// Incremental, sans-I/O parser for HTTP/1.x responses from members.
//
// The connector feeds whatever bytes a read returned; the parser reports the head, body
// pieces (views into the fed buffer, valid only during the callback) and the end of the
// message through a ResponseSink. It never blocks, allocates only for the head, and never
// reads past the buffer it is given. Errors are data: failed() and error().
//
// Strictness, for a proxy that must never be confused about where a response ends
// (RFC 9112): the status line is `HTTP/1.0|1.1 SP 3DIGIT [SP reason]`; field lines are
// `token ":" OWS value OWS` with no obs-fold, no whitespace before the colon, and no NUL,
// CR or other control character (HTAB excepted) in values; lines end in CRLF, a bare LF is
// tolerated as most proxies do. Framing follows RFC 9112 §6.3; anything ambiguous
// (Transfer-Encoding with Content-Length, differing Content-Length values, chunked not
// final) is an error rather than a guess.
//
// Not thread-safe; one parser per connection. The sink must not call back into the parser.
#include <cstdint>
#include <string>
#include <string_view>

#include "http/http_message.h"

namespace cxxb::http {

enum class BodyFraming { None, ContentLength, Chunked, UntilClose };

struct ParserLimits {
  size_t maxHeadBytes = 65536;  ///< status line + headers (httpd's LimitRequestFieldSize x fields)
  size_t maxHeaderCount = 100;
  size_t maxChunkLineBytes = 4096;  ///< chunk-size line including extensions
  /** 1xx heads accepted before the final one: a member must not keep us reading 100s. */
  size_t maxInformational = 32;
};

class ResponseSink {
 public:
  virtual ~ResponseSink() = default;
  /** A 1xx response other than 101 (e.g. 100 Continue, 103 Early Hints). */
  virtual void onInformational(const ResponseHead& head) { (void)head; }
  /** The final response head. Hop-by-hop headers are still present. */
  virtual void onHead(ResponseHead&& head) = 0;
  /** A piece of the de-framed body; `data` is valid only during the call. */
  virtual void onBody(std::string_view data) = 0;
  /** The message is complete; nothing more follows for this response. */
  virtual void onComplete() = 0;
};

class ResponseParser {
 public:
  explicit ResponseParser(ParserLimits limits = {});

  /**
   * Prepares for the next response. HEAD requests get a response without a body.
   * Keeps the limits and the memory of earlier responses (no allocation on reuse).
   */
  void reset(bool requestWasHead);

  /**
   * Consumes bytes of the response. Stops after onComplete() or on an error. Any split of
   * the input gives the same events (body pieces may be cut differently).
   * @param data bytes as read; body pieces handed to the sink point into it
   * @return bytes consumed; less than data.size() only after completion or failure. Bytes
   *         left over after completion belong to the next response, or to the new protocol
   *         after a 101 (the caller decides whether that is acceptable). After a failure
   *         the count depends on where the error was detected and means nothing: the
   *         connection must be closed.
   */
  size_t execute(std::string_view data, ResponseSink& sink);

  /**
   * The member closed the connection: completes an UntilClose body, otherwise fails.
   * Does nothing once the response is complete or the parser has failed.
   */
  void finishOnEof(ResponseSink& sink);

  bool failed() const noexcept { return !error_.empty(); }
  const std::string& error() const noexcept { return error_; }
  /** The final (non-1xx) head has been reported through onHead(). */
  bool headComplete() const noexcept { return headDone_; }
  /** At least one byte of this response was received: a connection closed before that is
   *  the stale keep-alive case, where an idempotent request may be retried elsewhere. */
  bool started() const noexcept { return started_; }
  bool complete() const noexcept { return complete_; }
  BodyFraming framing() const noexcept { return framing_; }
  /** After completion: may the connection carry another request? */
  bool keepAlive() const noexcept { return keepAlive_; }
  /** Bytes of body announced by Content-Length, or -1. */
  int64_t contentLength() const noexcept { return contentLength_; }

 private:
  enum class State {
    StatusLine,
    HeaderLines,
    Body,
    ChunkSize,
    ChunkData,
    ChunkDataEnd,
    Trailers,
    Done
  };
  enum class LineStatus { Complete, NeedMore, TooLong };
  LineStatus takeLine(const char*& p, const char* end, size_t budget, std::string_view& line,
                      size_t& lineBytes);
  bool fail(std::string message);
  bool parseStatusLine(std::string_view line);
  bool addHeaderLine(std::string_view line);
  bool addTrailerLine(std::string_view line);
  bool finishHead(ResponseSink& sink);
  bool decideFraming();
  bool parseChunkSize(std::string_view line);
  void finishMessage(ResponseSink& sink);

  ParserLimits limits_;
  State state_ = State::StatusLine;
  bool requestWasHead_ = false;
  bool headDone_ = false;
  bool complete_ = false;
  bool keepAlive_ = false;
  bool started_ = false;
  BodyFraming framing_ = BodyFraming::None;
  int64_t contentLength_ = -1;
  uint64_t remaining_ = 0;  ///< of the current Content-Length body or chunk
  size_t headBytes_ = 0;    ///< of the current head or trailer section
  size_t fieldCount_ = 0;   ///< of the current head or trailer section
  size_t informationalCount_ = 0;
  std::string line_;  ///< partial line carried between execute() calls
  ResponseHead head_;
  std::string error_;
};

}  // namespace cxxb::http
