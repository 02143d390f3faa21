#include "net/ajp_exchange.h"

#include <algorithm>
#include <array>
#include <limits>
#include <optional>
#include <variant>

#include "ajp/ajp13_decoder.h"
#include "ajp/ajp13_encoder.h"
#include "core/string_util.h"
#include "http/char_class.h"
#include "http/header_rules.h"
#include "net/relay.h"

namespace cxxb::net {
namespace {

/**
 * The client's body, handed out in slices no larger than what one AJP packet carries.
 * RequestBody pieces may be larger (the adapter reads 64 KiB at a time); a slice is a view
 * into the current piece and is valid until the next call.
 */
class BodyReader {
 public:
  enum class Status { Data, End, Error };

  explicit BodyReader(RequestBody* body) noexcept : body_(body) {}
  bool hasBody() const noexcept { return body_ != nullptr; }

  /** Up to `max` bytes (at least one with Data); blocks on the client as RequestBody does. */
  Status take(size_t max, std::string_view& out) {
    while (pending_.empty()) {
      if (ended_ || body_ == nullptr) {
        ended_ = true;
        return Status::End;
      }
      RequestBody::Piece piece = body_->next();
      if (piece.status == RequestBody::Status::Error) {
        return Status::Error;
      }
      if (piece.status == RequestBody::Status::End) {
        ended_ = true;
        pending_ = piece.data;  // a last piece may come with the end
        if (pending_.empty()) {
          return Status::End;
        }
      } else {
        pending_ = piece.data;
      }
    }
    out = pending_.substr(0, max);
    pending_.remove_prefix(out.size());
    return Status::Data;
  }

 private:
  RequestBody* body_;
  std::string_view pending_;
  bool ended_ = false;
};

/** The client's headers as the member gets them; Content-Length is added back from the
 *  framing the HTTP layer decided (never from the client's own header). */
http::Headers memberHeaders(const ClientRequest& request, const config::MemberConfig& member) {
  http::Headers headers = request.clientHeaders;
  http::removeHopByHop(headers);
  std::erase_if(headers, [](const http::Header& h) {
    return iequals(h.name, "Host") || iequals(h.name, "Content-Length") ||
           iequals(h.name, "Expect");
  });
  const auto& context = request.context;
  std::string host = context.preserveHost && !context.clientHost.empty() ? context.clientHost
                                                                         : member.url.hostHeader();
  headers.insert(headers.begin(), http::Header{"Host", std::move(host)});
  if (!context.chunkedBody && context.contentLength) {
    headers.push_back(http::Header{"Content-Length", std::to_string(*context.contentLength)});
  }
  return headers;
}

/** Owns what the encoder's views point at while the FORWARD_REQUEST is built. */
struct ForwardStrings {
  http::Headers headers;
  std::string remotePortText;
};

ajp::ForwardRequest forwardRequestOf(const ClientRequest& request, std::string_view target,
                                     const config::MemberConfig& member, ForwardStrings& keep) {
  const ClientInfo& client = request.client;
  const auto& context = request.context;
  ajp::ForwardRequest fr;
  fr.method = request.method;
  fr.protocol = client.protocol.empty() ? std::string_view("HTTP/1.1") : client.protocol;
  size_t q = target.find('?');
  fr.uri = target.substr(0, q);
  if (q != std::string_view::npos) {
    fr.queryString = target.substr(q + 1);
  }
  fr.remoteAddr = client.remoteAddr.empty() ? std::string_view(context.clientIp)
                                            : std::string_view(client.remoteAddr);
  fr.remoteHost = std::nullopt;  // Tomcat reports the address, as with httpd's HostnameLookups Off
  if (context.preserveHost) {
    fr.serverName = client.serverName;
    fr.serverPort = client.localPort != 0 ? client.localPort : client.serverPort;
  } else {
    fr.serverName = member.url.host;
    fr.serverPort = member.url.port;
  }
  fr.isSsl = client.tls;
  keep.headers = memberHeaders(request, member);
  fr.headers = keep.headers;

  if (!member.secret.empty()) {
    fr.secret = member.secret;
  }
  if (!client.remoteUser.empty()) {
    fr.remoteUser = client.remoteUser;
  }
  if (!client.authType.empty()) {
    fr.authType = client.authType;
  }
  if (!member.route.empty()) {
    fr.route = member.route;
  }
  if (client.tls) {
    if (!client.tlsClientCert.empty()) {
      fr.sslCert = client.tlsClientCert;
    }
    if (!client.tlsCipher.empty()) {
      fr.sslCipher = client.tlsCipher;
    }
    if (!client.tlsSessionId.empty()) {
      fr.sslSession = client.tlsSessionId;
    }
    if (client.tlsKeySize >= 0 && client.tlsKeySize <= 0xFFFF) {
      fr.sslKeySize = static_cast<uint16_t>(client.tlsKeySize);
    }
    if (!client.tlsProtocol.empty()) {
      fr.sslProtocol = client.tlsProtocol;
    }
  }
  if (client.remotePort != 0) {
    fr.remotePort = client.remotePort;
  }
  if (!client.localAddr.empty()) {
    fr.localAddr = client.localAddr;
  }
  return fr;
}

/** Validates a SEND_HEADERS and turns it into the head the consumer gets. */
std::optional<http::ResponseHead> responseHeadOf(ajp::SendHeaders&& sent, std::string& error) {
  // 1xx would leave the client waiting for a final response AJP cannot deliver.
  if (sent.status < 200 || sent.status > 599) {
    error = "AJP SEND_HEADERS with status " + std::to_string(sent.status);
    return std::nullopt;
  }
  http::ResponseHead head;
  head.status = sent.status;
  // Tomcat sends the code as the message ("200"): httpd picks the reason phrase itself.
  head.headers.reserve(sent.headers.size());
  for (http::Header& h : sent.headers) {
    if (!http::detail::isToken(h.name) || !http::detail::isFieldValue(h.value)) {
      error = "AJP response header with a forbidden byte in its name or value";
      return std::nullopt;
    }
    // AJP frames the body itself: a member's Content-Length or Transfer-Encoding means
    // nothing to the client connection (httpd drops them too).
    if (iequals(h.name, "Content-Length") || iequals(h.name, "Transfer-Encoding")) {
      continue;
    }
    head.headers.push_back(std::move(h));
  }
  return head;
}

/** One exchange's state, so the steps read top to bottom in run(). */
class AjpExchange {
 public:
  AjpExchange(Transport& transport, const ClientRequest& request, RequestBody* body,
              const config::MemberConfig& member, ResponseConsumer& consumer,
              const ExchangeOptions& options)
      : transport_(transport),
        request_(request),
        consumer_(consumer),
        options_(options),
        encoder_(ajp::Ajp13Limits{.packetSize = member.packetSize}),
        decoder_(ajp::Ajp13Limits{.packetSize = member.packetSize}),
        body_(body),
        chunked_(request.context.chunkedBody),
        remaining_(chunked_ ? 0 : request.context.contentLength.value_or(0)) {}

  ExchangeResult run(std::string_view target, const config::MemberConfig& member);

 private:
  bool fail(ExchangeError error, std::string detail, int sysError = 0) {
    result_.error = error;
    result_.detail = std::move(detail);
    result_.sysError = sysError;
    result_.reusable = false;
    return false;
  }
  bool write(std::string_view data, const char* what);
  /** Reads the first body packet's data before anything is sent (see the header). */
  bool prefetchFirstBody(std::string& packet);
  /** After the last declared byte: the client must have nothing more. */
  bool expectBodyEnd();
  bool answerGetBodyChunk(uint16_t requested);
  /** Handles one decoder event; false ends the exchange with result_ filled. */
  bool onEvent(ajp::Ajp13Event& event);
  bool readResponse();

  Transport& transport_;
  const ClientRequest& request_;
  ResponseConsumer& consumer_;
  const ExchangeOptions& options_;
  ajp::Ajp13Encoder encoder_;
  ajp::Ajp13Decoder decoder_;
  BodyReader body_;
  const bool chunked_;
  uint64_t remaining_;      ///< declared body bytes not sent yet (Content-Length framing)
  bool bodyEnded_ = false;  ///< the empty packet was sent, or there is no body to send
  std::string out_;         ///< the packet being written
  ExchangeResult result_;
  int status_ = 0;
  bool ended_ = false;
  bool reuse_ = false;
  bool delivered_ = false;  ///< body bytes reached the consumer since the last flush
};

bool AjpExchange::write(std::string_view data, const char* what) {
  IoResult io = transport_.writeAll(data, options_.ioTimeout);
  if (io.status != IoStatus::Ok) {
    return fail(ExchangeError::SendFailed, std::string(what) + ": " + ioStatusText(io.status),
                io.sysError);
  }
  result_.bytesSent += data.size();
  return true;
}

bool AjpExchange::prefetchFirstBody(std::string& packet) {
  const size_t first = static_cast<size_t>(std::min<uint64_t>(remaining_, encoder_.maxBodyChunk()));
  std::array<char, ajp::kBodyPacketOverhead> header{};
  (void)encoder_.encodeBodyPacketHeader(first, header);
  packet.append(header.data(), header.size());
  size_t have = 0;
  while (have < first) {
    std::string_view data;
    switch (body_.take(first - have, data)) {
      case BodyReader::Status::Error:
        return fail(ExchangeError::ClientFailed, {});  // the adapter logged why
      case BodyReader::Status::End:
        return fail(ExchangeError::ClientFailed,
                    "the request body is shorter than its Content-Length (" + std::to_string(have) +
                        " of " + std::to_string(remaining_) + " bytes); nothing was forwarded");
      case BodyReader::Status::Data:
        result_.bodyConsumed = true;
        packet.append(data);
        have += data.size();
        break;
    }
  }
  remaining_ -= first;
  return remaining_ > 0 || expectBodyEnd();
}

bool AjpExchange::expectBodyEnd() {
  std::string_view extra;
  switch (body_.take(1, extra)) {
    case BodyReader::Status::End:
      return true;
    case BodyReader::Status::Error:
      return fail(ExchangeError::ClientFailed, {});  // the adapter logged why
    case BodyReader::Status::Data:
      break;
  }
  return fail(ExchangeError::ClientFailed,
              "the request body is longer than its Content-Length; the rest was not forwarded");
}

bool AjpExchange::answerGetBodyChunk(uint16_t requested) {
  out_.clear();
  if (bodyEnded_ || !body_.hasBody()) {
    bodyEnded_ = true;
    ajp::Ajp13Encoder::appendEmptyBodyPacket(out_);
    return write(out_, "sending the end of the request body");
  }
  const uint64_t limit = chunked_ ? std::numeric_limits<uint64_t>::max() : remaining_;
  const size_t max = encoder_.bodyChunkSize(
      requested, static_cast<size_t>(std::min<uint64_t>(limit, encoder_.maxBodyChunk())));
  if (max == 0) {
    if (!chunked_ && remaining_ == 0 && !expectBodyEnd()) {
      return false;
    }
    // With requested == 0 and bytes left the member ends the body itself; what it did not
    // take stays with the client, and Tomcat still knows where its request ends.
    bodyEnded_ = true;
    ajp::Ajp13Encoder::appendEmptyBodyPacket(out_);
    return write(out_, "sending the end of the request body");
  }
  // A Content-Length body fills each packet (its bytes will come anyway); a chunked one
  // goes as the client sends it, so a streaming upload is not held back.
  out_.resize(ajp::kBodyPacketOverhead);
  size_t have = 0;
  while (have < max) {
    std::string_view data;
    BodyReader::Status status = body_.take(max - have, data);
    if (status == BodyReader::Status::Error) {
      return fail(ExchangeError::ClientFailed, {});  // the adapter logged why
    }
    if (status == BodyReader::Status::End) {
      if (!chunked_ && remaining_ > have) {
        return fail(ExchangeError::ClientFailed,
                    "the request body is shorter than its Content-Length (" +
                        std::to_string(remaining_ - have) + " bytes missing)");
      }
      break;
    }
    result_.bodyConsumed = true;
    out_.append(data);
    have += data.size();
    if (chunked_) {
      break;
    }
  }
  if (have == 0) {
    bodyEnded_ = true;
    out_.clear();
    ajp::Ajp13Encoder::appendEmptyBodyPacket(out_);
    return write(out_, "sending the end of the request body");
  }
  (void)encoder_.encodeBodyPacketHeader(
      have, std::span<char, ajp::kBodyPacketOverhead>(out_.data(), ajp::kBodyPacketOverhead));
  if (!chunked_) {
    remaining_ -= have;
  }
  return write(out_, "sending the request body");
}

bool AjpExchange::onEvent(ajp::Ajp13Event& event) {
  if (auto* headers = std::get_if<ajp::SendHeaders>(&event)) {
    std::string error;
    status_ = headers->status;
    auto head = responseHeadOf(std::move(*headers), error);
    if (!head) {
      return fail(ExchangeError::BadResponse, error);
    }
    consumer_.onHead(std::move(*head));
    result_.headDelivered = true;
  } else if (auto* chunk = std::get_if<ajp::BodyChunk>(&event)) {
    if (chunk->flush()) {
      if (result_.headDelivered) {  // never before SEND_HEADERS: see http_exchange.cpp
        consumer_.flush();          // the application flushed (Tomcat's ajpFlush)
      }
      delivered_ = false;
    } else if (!options_.headRequest) {
      consumer_.onBody(chunk->data);
      delivered_ = true;
    }
  } else if (auto* get = std::get_if<ajp::GetBodyChunk>(&event)) {
    if (!answerGetBodyChunk(get->requested)) {
      return false;
    }
  } else if (auto* end = std::get_if<ajp::EndResponse>(&event)) {
    ended_ = true;
    reuse_ = end->reuse;
  } else {
    return fail(ExchangeError::BadResponse, "AJP CPONG in the middle of a response");
  }
  if (consumer_.clientFailed()) {
    return fail(ExchangeError::ClientFailed, {});
  }
  return true;
}

bool AjpExchange::readResponse() {
  std::span<char> buffer = options_.buffer;
  for (;;) {
    // Body bytes delivered and not flushed are flushed when the member pauses (relay.h).
    RelayRead read = readOrFlush(transport_, buffer, options_.ioTimeout, delivered_, consumer_);
    if (read.clientFailed) {
      return fail(ExchangeError::ClientFailed, {});
    }
    const IoResult& io = read.io;
    if (io.status != IoStatus::Ok) {
      std::string detail = std::string("reading response: ") + ioStatusText(io.status);
      if (io.status == IoStatus::Timeout) {
        return fail(ExchangeError::Timeout, std::move(detail), io.sysError);
      }
      if (result_.headDelivered) {
        return fail(ExchangeError::Truncated, "member closed the connection before END_RESPONSE",
                    io.sysError);
      }
      if (result_.responseStarted) {
        return fail(ExchangeError::BadResponse,
                    "member closed the connection before SEND_HEADERS (" + detail + ")",
                    io.sysError);
      }
      return fail(ExchangeError::NoResponse, std::move(detail), io.sysError);
    }
    result_.responseStarted = true;
    result_.bytesReceived += io.bytes;
    std::string_view in(buffer.data(), io.bytes);
    while (!in.empty()) {
      const size_t used = decoder_.feed(in);
      in.remove_prefix(used);
      bool any = false;
      while (auto event = decoder_.next()) {
        any = true;
        if (!onEvent(*event)) {
          return false;
        }
        if (ended_) {
          // Bytes after END_RESPONSE (CVE-2022-1319) or a failed decoder: the response
          // is complete, the connection is not.
          result_.reusable = reuse_ && decoder_.pendingEvents() == 0 && !decoder_.failed() &&
                             in.empty() && decoder_.idle();
          return true;
        }
      }
      if (decoder_.failed()) {
        return fail(ExchangeError::BadResponse, std::string(decoder_.error()));
      }
      if (used == 0 && !any) {
        return fail(ExchangeError::BadResponse, "AJP decoder made no progress");  // defensive
      }
    }
  }
}

ExchangeResult AjpExchange::run(std::string_view target, const config::MemberConfig& member) {
  ForwardStrings keep;
  const ajp::ForwardRequest fr = forwardRequestOf(request_, target, member, keep);
  const ajp::EncodeResult encoded = encoder_.appendForwardRequest(fr, out_);
  if (!encoded) {
    fail(ExchangeError::ClientFailed,
         "the request cannot be sent over AJP: " + std::string(ajp::describe(encoded.error())) +
             " (" + std::string(encoded.field()) + ")");
    result_.reusable = true;  // nothing was written
    return result_;
  }
  if (!chunked_ && remaining_ > 0) {
    if (!prefetchFirstBody(out_)) {
      result_.reusable = true;  // still nothing written
      return result_;
    }
  } else if (!chunked_) {
    bodyEnded_ = true;  // no body: Tomcat may still ask once, and gets the empty packet
  }
  (void)decoder_.expectResponse();
  if (!write(out_, "sending the AJP request")) {
    return result_;
  }
  if (!readResponse()) {
    return result_;
  }
  consumer_.onComplete();
  if (status_ == 403 && !reuse_) {
    // Tomcat answers a wrong or missing secret (and any attribute it refuses) with 403 and
    // closes; an application's own 403 keeps the connection.
    result_.refusal = member.secret.empty()
                          ? "the member refused the request for its secret (403, connection "
                            "closed): the connector requires a secret and secret= is not set"
                          : "the member refused the request for its secret (403, connection "
                            "closed): secret= does not match the connector's secret";
  }
  return result_;
}

}  // namespace

ExchangeResult runAjpExchange(Transport& transport, const ClientRequest& request, RequestBody* body,
                              std::string_view target, const config::MemberConfig& member,
                              ResponseConsumer& consumer, const ExchangeOptions& options) {
  AjpExchange exchange(transport, request, body, member, consumer, options);
  return exchange.run(target, member);
}

PingResult runAjpPing(Transport& transport, Millis timeout, size_t packetSize,
                      std::span<char> buffer, const Clock& clock) {
  PingResult result;
  const TimePoint deadline = clock.now() + timeout;
  auto left = [&] {
    auto rest = std::chrono::duration_cast<Millis>(deadline - clock.now());
    return std::max(rest, Millis(0));
  };
  ajp::Ajp13Decoder decoder(ajp::Ajp13Limits{.packetSize = packetSize});
  (void)decoder.expectCpong();
  IoResult io = transport.writeAll(ajp::Ajp13Encoder::cpingPacket(), left());
  if (io.status != IoStatus::Ok) {
    result.status = io.status == IoStatus::Timeout ? PingStatus::Timeout : PingStatus::Closed;
    result.sysError = io.sysError;
    result.detail = std::string("sending CPING: ") + ioStatusText(io.status);
    return result;
  }
  for (;;) {
    io = transport.read(buffer, left());
    if (io.status != IoStatus::Ok) {
      result.status = io.status == IoStatus::Timeout ? PingStatus::Timeout : PingStatus::Closed;
      result.sysError = io.sysError;
      result.detail = std::string("waiting for CPONG: ") + ioStatusText(io.status);
      return result;
    }
    std::string_view in(buffer.data(), io.bytes);
    in.remove_prefix(decoder.feed(in));
    while (auto event = decoder.next()) {
      if (std::holds_alternative<ajp::CPong>(*event) && in.empty() && decoder.idle()) {
        return result;
      }
    }
    if (decoder.failed() || !in.empty() || decoder.state() == ajp::Ajp13Decoder::State::Idle) {
      result.status = PingStatus::BadAnswer;
      result.detail =
          decoder.failed() ? std::string(decoder.error()) : std::string("bytes after the CPONG");
      return result;
    }
  }
}

}  // namespace cxxb::net
