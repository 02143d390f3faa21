// Fuzzes the HTTP/1.x response parser. Input layout:
//   byte 0      flags: bit 0 request was HEAD, bit 1 small limits, bit 2 parse what follows
//               a complete response as the next one (reset), bit 3 call finishOnEof
//   bytes 1..3  where to cut the rest into up to four pieces
//   the rest    the bytes a member sent
// Every piece is copied into its own heap buffer, so ASan catches a read past it or a body
// view used after its call. The same input parsed in one piece must give the same events,
// body, error and consumed count: the parser's result may not depend on how reads split.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "http/response_parser.h"

namespace {

using cxxb::http::BodyFraming;
using cxxb::http::ParserLimits;
using cxxb::http::ResponseHead;
using cxxb::http::ResponseParser;
using cxxb::http::ResponseSink;

void check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "invariant violated: %s\n", what);
    std::abort();
  }
}

class CheckingSink : public ResponseSink {
 public:
  void onInformational(const ResponseHead& head) override {
    check(!sawHead_ && !completed_, "1xx after the final head");
    check(head.status >= 100 && head.status < 200 && head.status != 101, "1xx status");
    events += "I" + std::to_string(head.status);
  }
  void onHead(ResponseHead&& head) override {
    check(!sawHead_ && !completed_, "two heads");
    check(head.status >= 200 || head.status == 101, "final status");
    check(head.versionMinor == 0 || head.versionMinor == 1, "version");
    sawHead_ = true;
    events += "H" + std::to_string(head.status) + "/" + std::to_string(head.headers.size());
  }
  void onBody(std::string_view data) override {
    check(sawHead_ && !completed_, "body outside head..complete");
    check(!data.empty(), "empty body piece");
    check(data.data() >= piece.data() && data.data() + data.size() <= piece.data() + piece.size(),
          "body view outside the fed buffer");
    body.append(data);
  }
  void onComplete() override {
    check(sawHead_ && !completed_, "complete twice or before the head");
    completed_ = true;
    events += "C";
  }
  /** Before parsing the next pipelined response. */
  void next() {
    sawHead_ = false;
    completed_ = false;
    events += "|";
  }

  std::string_view piece;
  std::string events;
  std::string body;

 private:
  bool sawHead_ = false;
  bool completed_ = false;
};

struct Outcome {
  std::string events;
  std::string body;
  std::string error;
  size_t consumed = 0;
  bool operator==(const Outcome&) const = default;
};

void checkState(const ResponseParser& parser) {
  check(!(parser.complete() && parser.failed()), "complete and failed");
  if (parser.failed()) {
    check(!parser.keepAlive(), "keep-alive after failure");
  }
  if (parser.complete() && parser.framing() == BodyFraming::UntilClose) {
    check(!parser.keepAlive(), "keep-alive on a close-delimited body");
  }
  if (parser.complete()) {
    check(parser.headComplete(), "complete without head");
  }
}

Outcome parse(std::string_view input, const std::vector<size_t>& cuts, uint8_t flags) {
  ParserLimits limits;
  if ((flags & 2) != 0) {
    limits.maxHeadBytes = 64;
    limits.maxHeaderCount = 3;
    limits.maxChunkLineBytes = 8;
    limits.maxInformational = 2;
  }
  ResponseParser parser(limits);
  parser.reset((flags & 1) != 0);
  CheckingSink sink;
  size_t start = 0;
  size_t consumed = 0;
  size_t responses = 0;
  std::vector<size_t> ends = cuts;
  ends.push_back(input.size());
  bool stopped = false;
  for (size_t end : ends) {
    // A piece may be continued after a pipelined response completes inside it.
    while (!stopped && start < end) {
      size_t len = end - start;
      auto buffer = std::make_unique<char[]>(len);
      std::copy(input.begin() + static_cast<long>(start), input.begin() + static_cast<long>(end),
                buffer.get());
      sink.piece = std::string_view(buffer.get(), len);
      size_t n = parser.execute(sink.piece, sink);
      sink.piece = {};
      check(n <= len, "consumed more than given");
      checkState(parser);
      consumed += n;
      start += n;
      if (n == len) {
        break;
      }
      check(parser.complete() || parser.failed(), "stopped early without completion");
      if (parser.failed() || (flags & 4) == 0 || ++responses > 8) {
        stopped = true;
        break;
      }
      parser.reset((flags & 1) != 0);
      sink.next();
    }
    if (stopped) {
      break;
    }
    start = end;
  }
  check(consumed <= input.size(), "consumed more than the input");
  check(sink.body.size() <= input.size(), "more body than input");
  if ((flags & 8) != 0) {
    bool wasComplete = parser.complete();
    parser.finishOnEof(sink);
    checkState(parser);
    check(parser.complete() || parser.failed(), "finishOnEof left the parser open");
    if (!wasComplete && parser.complete()) {
      check(parser.framing() == BodyFraming::UntilClose, "eof completed a framed body");
    }
  }
  // After a failure the consumed count depends on where the error was seen: not compared.
  return Outcome{sink.events, sink.body, parser.error(), parser.failed() ? 0 : consumed};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) {
    return 0;
  }
  const uint8_t flags = data[0];
  std::string_view input(reinterpret_cast<const char*>(data + 4), size - 4);
  std::vector<size_t> cuts;
  for (int i = 1; i <= 3; ++i) {
    size_t cut = input.empty() ? 0 : data[i] % (input.size() + 1);
    if (cuts.empty() || cut >= cuts.back()) {
      cuts.push_back(cut);
    }
  }
  Outcome whole = parse(input, {}, flags);
  Outcome split = parse(input, cuts, flags);
  check(whole == split, "result depends on how the input was split");
  if (input.size() <= 64) {
    std::vector<size_t> bytewise;
    for (size_t i = 1; i < input.size(); ++i) {
      bytewise.push_back(i);
    }
    check(parse(input, bytewise, flags) == whole, "byte-at-a-time differs");
  }
  return 0;
}
