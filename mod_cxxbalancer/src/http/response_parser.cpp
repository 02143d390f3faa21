#include "http/response_parser.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "core/string_util.h"
#include "http/char_class.h"

namespace cxxb::http {

namespace {

using detail::forEachListElement;
using detail::isFieldValue;
using detail::isOws;
using detail::isToken;
using detail::isTokenChar;

constexpr int hexValue(char c) noexcept {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

constexpr bool isDigit(char c) noexcept { return c >= '0' && c <= '9'; }

std::string_view trimOws(std::string_view s) noexcept {
  while (!s.empty() && isOws(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && isOws(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

/** Splits and checks a field line; the message is empty on success. */
const char* splitFieldLine(std::string_view line, std::string_view& name,
                           std::string_view& value) noexcept {
  if (isOws(line.front())) {
    // obs-fold (RFC 9112 §5.2): a proxy must reject it or rewrite it; we reject.
    return "obsolete line folding in header";
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) {
    return "header line without colon";
  }
  name = line.substr(0, colon);
  if (name.empty()) {
    return "empty header name";
  }
  if (isOws(name.back())) {
    return "whitespace between header name and colon";  // RFC 9112 §5.1: must reject
  }
  if (!isToken(name)) {
    return "invalid character in header name";
  }
  value = trimOws(line.substr(colon + 1));
  if (!isFieldValue(value)) {
    return "invalid character in header value";  // NUL, bare CR, controls
  }
  return "";
}

/** Skips BWS in a chunk line. */
void skipBws(std::string_view s, size_t& pos) noexcept {
  while (pos < s.size() && isOws(s[pos])) {
    ++pos;
  }
}

bool skipToken(std::string_view s, size_t& pos) noexcept {
  size_t start = pos;
  while (pos < s.size() && isTokenChar(s[pos])) {
    ++pos;
  }
  return pos > start;
}

/** quoted-string of RFC 9110 §5.6.4, starting at the opening quote. */
bool skipQuotedString(std::string_view s, size_t& pos) noexcept {
  ++pos;  // opening DQUOTE
  while (pos < s.size()) {
    auto c = static_cast<unsigned char>(s[pos]);
    if (c == '"') {
      ++pos;
      return true;
    }
    if (c == '\\') {
      if (pos + 1 >= s.size() || !detail::isFieldValueChar(s[pos + 1])) {
        return false;
      }
      pos += 2;
      continue;
    }
    if (!detail::isFieldValueChar(static_cast<char>(c))) {
      return false;
    }
    ++pos;
  }
  return false;
}

/** chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ( token / quoted-string ) ] ). A lax
 *  extension parser is a known request-smuggling vector, so the grammar is checked fully;
 *  trailing whitespace after the size is tolerated as BWS with no extension after it. */
bool validChunkExtensions(std::string_view s, size_t pos) noexcept {
  while (true) {
    skipBws(s, pos);
    if (pos == s.size()) {
      return true;
    }
    if (s[pos] != ';') {
      return false;
    }
    ++pos;
    skipBws(s, pos);
    if (!skipToken(s, pos)) {
      return false;
    }
    skipBws(s, pos);
    if (pos < s.size() && s[pos] == '=') {
      ++pos;
      skipBws(s, pos);
      if (pos < s.size() && s[pos] == '"') {
        if (!skipQuotedString(s, pos)) {
          return false;
        }
      } else if (!skipToken(s, pos)) {
        return false;
      }
    }
  }
}

}  // namespace

ResponseParser::ResponseParser(ParserLimits limits) : limits_(limits) { reset(false); }

void ResponseParser::reset(bool requestWasHead) {
  state_ = State::StatusLine;
  requestWasHead_ = requestWasHead;
  headDone_ = false;
  complete_ = false;
  keepAlive_ = false;
  started_ = false;
  framing_ = BodyFraming::None;
  contentLength_ = -1;
  remaining_ = 0;
  headBytes_ = 0;
  fieldCount_ = 0;
  informationalCount_ = 0;
  line_.clear();
  head_.status = 0;
  head_.versionMinor = 1;
  head_.reason.clear();
  head_.headers.clear();
  error_.clear();
}

bool ResponseParser::fail(std::string message) {
  error_ = std::move(message);
  keepAlive_ = false;
  return false;
}

// Finds the end of the current line. The common case, a whole line inside `data`, is
// returned as a view into it; only a line split across execute() calls is copied into
// line_. `budget` bounds the whole line including its end, so a member cannot make us
// buffer without limit.
ResponseParser::LineStatus ResponseParser::takeLine(const char*& p, const char* end, size_t budget,
                                                    std::string_view& line, size_t& lineBytes) {
  const auto available = static_cast<size_t>(end - p);
  const void* found = std::memchr(p, '\n', available);
  if (found == nullptr) {
    if (line_.size() + available > budget) {
      return LineStatus::TooLong;
    }
    line_.append(p, available);
    p = end;
    return LineStatus::NeedMore;
  }
  const char* lf = static_cast<const char*>(found);
  const auto piece = static_cast<size_t>(lf - p);
  lineBytes = line_.size() + piece + 1;
  if (lineBytes > budget) {
    return LineStatus::TooLong;
  }
  if (line_.empty()) {
    line = std::string_view(p, piece);
  } else {
    line_.append(p, piece);
    line = line_;
  }
  p = lf + 1;
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);  // CRLF; a bare LF is tolerated, a bare CR is caught by the callers
  }
  return LineStatus::Complete;
}

bool ResponseParser::parseStatusLine(std::string_view line) {
  // "HTTP/1.1 200" is the shortest valid line: the SP before an empty reason is optional in
  // practice (RFC 9112 §4 asks recipients to accept its absence).
  if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || (line[7] != '0' && line[7] != '1') ||
      line[8] != ' ' || !isDigit(line[9]) || !isDigit(line[10]) || !isDigit(line[11])) {
    return fail("invalid status line");
  }
  int status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
  if (status < 100 || status > 599) {
    return fail("status code out of range");  // RFC 9110 §15: valid codes are 100..599
  }
  std::string_view reason;
  if (line.size() > 12) {
    if (line[12] != ' ') {
      return fail("invalid status line");
    }
    reason = line.substr(13);
    if (!isFieldValue(reason)) {
      return fail("invalid character in reason phrase");
    }
  }
  head_.status = status;
  head_.versionMinor = line[7] - '0';
  head_.reason.assign(reason);
  state_ = State::HeaderLines;
  return true;
}

bool ResponseParser::addHeaderLine(std::string_view line) {
  std::string_view name;
  std::string_view value;
  const char* problem = splitFieldLine(line, name, value);
  if (*problem != '\0') {
    return fail(problem);
  }
  if (++fieldCount_ > limits_.maxHeaderCount) {
    return fail("too many header fields");
  }
  if (head_.headers.capacity() == 0) {
    head_.headers.reserve(16);  // one allocation for a typical head instead of five
  }
  head_.headers.push_back(Header{std::string(name), std::string(value)});
  return true;
}

bool ResponseParser::addTrailerLine(std::string_view line) {
  std::string_view name;
  std::string_view value;
  const char* problem = splitFieldLine(line, name, value);
  if (*problem != '\0') {
    return fail(std::string(problem) + " (trailer)");
  }
  if (++fieldCount_ > limits_.maxHeaderCount) {
    return fail("too many trailer fields");
  }
  return true;  // checked and dropped: the adapter forwards no trailers
}

// RFC 9112 §6.3 for a final response with a body: sets framing_, contentLength_ and
// remaining_. Conflicts are errors: a response that two parsers could frame differently is
// how response smuggling and cache poisoning start.
bool ResponseParser::decideFraming() {
  bool sawTransferEncoding = false;
  bool lastIsChunked = false;  // of the codings in order, across all field lines
  int chunkedCount = 0;
  int codingCount = 0;
  bool sawContentLength = false;
  uint64_t length = 0;
  const char* problem = nullptr;

  for (const Header& h : head_.headers) {
    if (iequals(h.name, "Transfer-Encoding")) {
      sawTransferEncoding = true;
      forEachListElement(h.value, [&](std::string_view coding) {
        if (coding.empty()) {
          return true;  // empty list elements are ignored (RFC 9110 §5.6.1)
        }
        size_t semicolon = coding.find(';');
        std::string_view codingName = trimOws(coding.substr(0, semicolon));
        if (!isToken(codingName)) {
          problem = "invalid Transfer-Encoding";
          return false;
        }
        ++codingCount;
        lastIsChunked = iequals(codingName, "chunked");
        if (lastIsChunked) {
          ++chunkedCount;
          if (semicolon != std::string_view::npos) {
            problem = "invalid Transfer-Encoding";  // chunked takes no parameters
            return false;
          }
        }
        return true;
      });
    } else if (iequals(h.name, "Content-Length")) {
      sawContentLength = true;
      forEachListElement(h.value, [&](std::string_view element) {
        if (element.empty() || !std::all_of(element.begin(), element.end(), isDigit)) {
          problem = "invalid Content-Length";
          return false;
        }
        auto value = parseDecimal<uint64_t>(element);
        if (!value || *value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
          problem = "invalid Content-Length";
          return false;
        }
        if (contentLength_ >= 0 && static_cast<uint64_t>(contentLength_) != *value) {
          problem = "conflicting Content-Length values";
          return false;
        }
        contentLength_ = static_cast<int64_t>(*value);
        length = *value;
        return true;
      });
    }
    if (problem != nullptr) {
      return fail(problem);
    }
  }

  if (sawTransferEncoding) {
    if (head_.versionMinor == 0) {
      // RFC 9112 §6.1: Transfer-Encoding in an HTTP/1.0 message means faulty framing.
      return fail("Transfer-Encoding in an HTTP/1.0 response");
    }
    if (sawContentLength) {
      return fail("both Transfer-Encoding and Content-Length");
    }
    if (chunkedCount > 1) {
      return fail("chunked applied more than once");  // RFC 9112 §6.1: must not
    }
    if (lastIsChunked) {
      framing_ = BodyFraming::Chunked;
      return true;
    }
    // Chunked not final (or absent): RFC 9112 §6.3 says read until close. An empty
    // Transfer-Encoding names no coding at all, which is no framing we can trust.
    if (codingCount == 0) {
      return fail("empty Transfer-Encoding");
    }
    framing_ = BodyFraming::UntilClose;
    return true;
  }
  if (sawContentLength) {
    framing_ = BodyFraming::ContentLength;
    remaining_ = length;
    return true;
  }
  framing_ = BodyFraming::UntilClose;
  return true;
}

bool ResponseParser::finishHead(ResponseSink& sink) {
  if (head_.status < 200 && head_.status != 101) {
    if (++informationalCount_ > limits_.maxInformational) {
      return fail("too many informational (1xx) responses");
    }
    sink.onInformational(head_);
    // Back to a fresh head; keep the vector's capacity for the final one.
    head_.status = 0;
    head_.reason.clear();
    head_.headers.clear();
    headBytes_ = 0;
    fieldCount_ = 0;
    state_ = State::StatusLine;
    return true;
  }

  bool close = false;
  bool keepAliveToken = false;
  for (const Header& h : head_.headers) {
    if (iequals(h.name, "Connection")) {
      forEachListElement(h.value, [&](std::string_view token) {
        close = close || iequals(token, "close");
        keepAliveToken = keepAliveToken || iequals(token, "keep-alive");
        return true;
      });
    }
  }
  keepAlive_ = !close && (head_.versionMinor >= 1 || keepAliveToken);

  if (!decideFraming()) {
    return false;
  }
  bool noBody = false;
  if (head_.status == 101) {
    keepAlive_ = false;  // the connection now carries another protocol
    noBody = true;
  } else if (requestWasHead_ || head_.status == 204 || head_.status == 304) {
    noBody = true;  // framing headers describe the representation, not this message
  }
  if (noBody) {
    framing_ = BodyFraming::None;
    remaining_ = 0;
  } else if (framing_ == BodyFraming::UntilClose) {
    keepAlive_ = false;
  }

  headDone_ = true;
  const bool emptyBody = noBody || (framing_ == BodyFraming::ContentLength && remaining_ == 0);
  state_ = framing_ == BodyFraming::Chunked ? State::ChunkSize : State::Body;
  sink.onHead(std::move(head_));
  head_ = ResponseHead{};
  if (emptyBody) {
    finishMessage(sink);
  }
  return true;
}

bool ResponseParser::parseChunkSize(std::string_view line) {
  size_t pos = 0;
  uint64_t size = 0;
  while (pos < line.size()) {
    int digit = hexValue(line[pos]);
    if (digit < 0) {
      break;
    }
    if (size > (std::numeric_limits<uint64_t>::max() >> 4)) {
      return fail("chunk size overflow");
    }
    size = (size << 4) | static_cast<uint64_t>(digit);
    ++pos;
  }
  if (pos == 0 || !validChunkExtensions(line, pos)) {
    return fail("invalid chunk size line");
  }
  if (size == 0) {
    headBytes_ = 0;
    fieldCount_ = 0;
    state_ = State::Trailers;
  } else {
    remaining_ = size;
    state_ = State::ChunkData;
  }
  return true;
}

void ResponseParser::finishMessage(ResponseSink& sink) {
  state_ = State::Done;
  complete_ = true;
  sink.onComplete();
}

size_t ResponseParser::execute(std::string_view data, ResponseSink& sink) {
  if (complete_ || failed()) {
    return 0;
  }
  const char* p = data.data();
  const char* const end = p + data.size();
  if (p != end) {
    started_ = true;
  }
  auto consumed = [&] { return static_cast<size_t>(p - data.data()); };

  while (p != end) {
    std::string_view line;
    size_t lineBytes = 0;
    switch (state_) {
      case State::StatusLine:
      case State::HeaderLines:
      case State::Trailers: {
        LineStatus status = takeLine(p, end, limits_.maxHeadBytes - headBytes_, line, lineBytes);
        if (status == LineStatus::NeedMore) {
          return consumed();
        }
        if (status == LineStatus::TooLong) {
          fail(state_ == State::Trailers ? "trailer section too large" : "response head too large");
          return consumed();
        }
        headBytes_ += lineBytes;
        bool ok = false;
        if (state_ == State::StatusLine) {
          ok = parseStatusLine(line);
        } else if (state_ == State::HeaderLines) {
          ok = line.empty() ? finishHead(sink) : addHeaderLine(line);
        } else if (line.empty()) {
          finishMessage(sink);
          ok = true;
        } else {
          ok = addTrailerLine(line);
        }
        line_.clear();
        if (!ok || complete_) {
          return consumed();
        }
        break;
      }
      case State::Body: {
        auto available = static_cast<size_t>(end - p);
        if (framing_ == BodyFraming::UntilClose) {
          sink.onBody(std::string_view(p, available));
          p = end;
          break;
        }
        // ContentLength (a None body completed in finishHead and never gets here).
        size_t n = remaining_ < available ? static_cast<size_t>(remaining_) : available;
        sink.onBody(std::string_view(p, n));
        p += n;
        remaining_ -= n;
        if (remaining_ == 0) {
          finishMessage(sink);
          return consumed();
        }
        break;
      }
      case State::ChunkSize: {
        LineStatus status = takeLine(p, end, limits_.maxChunkLineBytes, line, lineBytes);
        if (status == LineStatus::NeedMore) {
          return consumed();
        }
        if (status == LineStatus::TooLong) {
          fail("chunk size line too long");
          return consumed();
        }
        bool ok = parseChunkSize(line);
        line_.clear();
        if (!ok) {
          return consumed();
        }
        break;
      }
      case State::ChunkData: {
        auto available = static_cast<size_t>(end - p);
        size_t n = remaining_ < available ? static_cast<size_t>(remaining_) : available;
        sink.onBody(std::string_view(p, n));
        p += n;
        remaining_ -= n;
        if (remaining_ == 0) {
          state_ = State::ChunkDataEnd;
        }
        break;
      }
      case State::ChunkDataEnd: {
        // Exactly CRLF (or a bare LF) must follow the data: anything else means the
        // chunk size lied, and guessing would desynchronise the connection.
        LineStatus status = takeLine(p, end, 2, line, lineBytes);
        if (status == LineStatus::NeedMore) {
          return consumed();
        }
        line_.clear();
        if (status == LineStatus::TooLong || !line.empty()) {
          fail("missing CRLF after chunk data");
          return consumed();
        }
        state_ = State::ChunkSize;
        break;
      }
      case State::Done:
        return consumed();
    }
  }
  return consumed();
}

void ResponseParser::finishOnEof(ResponseSink& sink) {
  if (complete_ || failed()) {
    return;
  }
  if (state_ == State::Body && framing_ == BodyFraming::UntilClose) {
    keepAlive_ = false;
    finishMessage(sink);
    return;
  }
  if (!started_) {
    fail("connection closed before any response byte");
  } else if (!headDone_) {
    fail("connection closed inside the response head");
  } else if (framing_ == BodyFraming::ContentLength) {
    fail("connection closed with " + std::to_string(remaining_) +
         " bytes of Content-Length body missing");
  } else {
    fail("connection closed inside the chunked body");
  }
}

}  // namespace cxxb::http
