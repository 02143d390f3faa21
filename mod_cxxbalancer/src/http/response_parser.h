#pragma once
// Incremental, sans-I/O parser for HTTP/1.x responses from members.
//
// The connector feeds whatever bytes a read returned; the parser reports the head, body
// pieces (views into the fed buffer, valid only during the callback) and the end of the
// message through a ResponseSink. It never blocks, allocates only for the head, and never
// reads past the buffer it is given. Errors are data: failed() and error().
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

  /** Prepares for the next response. HEAD requests get a response without a body. */
  void reset(bool requestWasHead);

  /**
   * Consumes bytes of the response. Stops after onComplete() or on an error.
   * @return bytes consumed; less than data.size() only after completion or failure
   */
  size_t execute(std::string_view data, ResponseSink& sink);

  /** The member closed the connection: completes an UntilClose body, otherwise fails. */
  void finishOnEof(ResponseSink& sink);

  bool failed() const noexcept { return !error_.empty(); }
  const std::string& error() const noexcept { return error_; }
  bool headComplete() const noexcept { return headDone_; }
  bool complete() const noexcept { return complete_; }
  BodyFraming framing() const noexcept { return framing_; }
  /** After completion: may the connection carry another request? */
  bool keepAlive() const noexcept { return keepAlive_; }
  /** Bytes of body announced by Content-Length, or -1. */
  int64_t contentLength() const noexcept { return contentLength_; }

 private:
  enum class State { StatusLine, HeaderLines, Body, ChunkSize, ChunkData, ChunkDataEnd, Trailers,
                     Done };
  bool fail(std::string message);
  bool finishHead(ResponseSink& sink);

  ParserLimits limits_;
  State state_ = State::StatusLine;
  bool requestWasHead_ = false;
  bool headDone_ = false;
  bool complete_ = false;
  bool keepAlive_ = false;
  BodyFraming framing_ = BodyFraming::None;
  int64_t contentLength_ = -1;
  uint64_t remaining_ = 0;  ///< of the current Content-Length body or chunk
  size_t headBytes_ = 0;
  std::string line_;  ///< partial line carried between execute() calls
  ResponseHead head_;
  std::string error_;
};

}  // namespace cxxb::http
