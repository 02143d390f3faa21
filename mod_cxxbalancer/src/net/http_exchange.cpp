#include "net/http_exchange.h"

#include <cstdio>

#include "http/header_rules.h"
#include "net/relay.h"

namespace cxxb::net {
namespace {

ExchangeError classifyEarlyFailure(const IoResult& io) {
  switch (io.status) {
    case IoStatus::Timeout:
      return ExchangeError::Timeout;
    default:
      return ExchangeError::NoResponse;
  }
}

/** Sends the request head and the body. Returns false with `result` filled on failure. */
bool sendRequest(Transport& transport, std::string_view requestHead, RequestBody* body,
                 const ExchangeOptions& options, ExchangeResult& result) {
  // Small bodies would cost a second write; the head goes alone because the body is pulled
  // from the client lazily (and may never come for a GET).
  IoResult io = transport.writeAll(requestHead, options.ioTimeout);
  if (io.status != IoStatus::Ok) {
    result.error = ExchangeError::SendFailed;
    result.sysError = io.sysError;
    result.detail = std::string("sending request head: ") + ioStatusText(io.status);
    return false;
  }
  result.bytesSent += requestHead.size();
  if (body == nullptr) {
    return true;
  }
  std::string framed;
  for (;;) {
    RequestBody::Piece piece = body->next();
    if (piece.status == RequestBody::Status::Error) {
      result.error = ExchangeError::ClientFailed;
      result.detail = "reading the request body from the client failed";
      return false;
    }
    std::string_view out;
    if (piece.status == RequestBody::Status::End) {
      if (!options.chunkedBody) {
        return true;
      }
      out = http::kLastChunk;
    } else {
      if (piece.data.empty()) {
        continue;
      }
      result.bodyConsumed = true;
      if (options.chunkedBody) {
        framed.clear();
        http::appendChunk(framed, piece.data);
        out = framed;
      } else {
        out = piece.data;
      }
    }
    io = transport.writeAll(out, options.ioTimeout);
    if (io.status != IoStatus::Ok) {
      result.error = ExchangeError::SendFailed;
      result.sysError = io.sysError;
      result.detail = std::string("sending request body: ") + ioStatusText(io.status);
      return false;
    }
    result.bytesSent += out.size();
    if (piece.status == RequestBody::Status::End) {
      return true;
    }
  }
}

}  // namespace

ExchangeResult runHttpExchange(Transport& transport, std::string_view requestHead,
                               RequestBody* body, http::ResponseParser& parser,
                               ResponseConsumer& consumer, const ExchangeOptions& options) {
  ExchangeResult result;
  parser.reset(options.headRequest);
  if (!sendRequest(transport, requestHead, body, options, result)) {
    return result;
  }

  std::span<char> buffer = options.buffer;
  bool pendingFlush = false;
  for (;;) {
    RelayRead read = readOrFlush(transport, buffer, options.ioTimeout, pendingFlush, consumer);
    if (read.clientFailed) {
      result.error = ExchangeError::ClientFailed;
      return result;
    }
    const IoResult& io = read.io;
    if (io.status != IoStatus::Ok) {
      result.sysError = io.sysError;
      if (io.status == IoStatus::Closed && result.responseStarted) {
        parser.finishOnEof(consumer);
        if (parser.complete()) {
          result.reusable = false;
          return result;
        }
        result.error =
            parser.headComplete() ? ExchangeError::Truncated : ExchangeError::BadResponse;
        result.detail = parser.failed() ? parser.error() : "member closed mid-response";
        return result;
      }
      if (!result.responseStarted) {
        result.error = classifyEarlyFailure(io);
      } else {
        result.error =
            io.status == IoStatus::Timeout ? ExchangeError::Timeout : ExchangeError::Truncated;
      }
      result.detail = std::string("reading response: ") + ioStatusText(io.status);
      return result;
    }
    result.responseStarted = true;
    result.bytesReceived += io.bytes;
    std::string_view data(buffer.data(), io.bytes);
    bool wasHead = parser.headComplete();
    size_t used = parser.execute(data, consumer);
    if (!wasHead && parser.headComplete()) {
      result.headDelivered = true;
    }
    if (parser.failed()) {
      result.error = ExchangeError::BadResponse;
      result.detail = parser.error();
      return result;
    }
    if (consumer.clientFailed()) {
      result.error = ExchangeError::ClientFailed;
      return result;
    }
    if (parser.complete()) {
      // Bytes after the end of the response mean the member is out of step: never reuse.
      result.reusable = parser.keepAlive() && used == data.size();
      return result;
    }
    // Only a parsed head may be flushed: before it, httpd would send its own default
    // status line ahead of the member's (a split head reached clients as 200 OK).
    pendingFlush = parser.headComplete();
  }
}

}  // namespace cxxb::net
