// Fuzzes what cxxbalancer-probe does with its input: the line splitter and the line parser.
// Input layout:
//   byte 0      the splitter's line limit, 1..255 (0: the program's own limit)
//   byte 1      where to cut the rest into two reads
//   the rest    what httpd (or anyone with the pipe) wrote
// Checks: one line out per '\n' (plus a last unterminated one); the lines do not depend on
// how reads split the input; no kept line is longer than the limit; every target that
// parses has a key that parses back to the same target; parsing never takes a line whose
// host or path could break the request head (no byte below 0x21 or above 0x7e).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "probe/probe_line.h"

namespace {

using cxxb::probe::InputLine;
using cxxb::probe::kMaxLineBytes;
using cxxb::probe::LineSplitter;
using cxxb::probe::parseProbeLine;

void check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "invariant violated: %s\n", what);
    std::abort();
  }
}

struct Line {
  std::string text;
  bool tooLong;
  bool operator==(const Line&) const = default;
};

/** Feeds `input` in the pieces `cuts` gives, each copied to its own heap buffer. */
std::vector<Line> split(std::string_view input, size_t limit, std::vector<size_t> cuts) {
  LineSplitter splitter(limit);
  std::vector<Line> lines;
  auto onLine = [&](const InputLine& line) {
    lines.push_back({std::string(line.text), line.tooLong});
  };
  size_t at = 0;
  cuts.push_back(input.size());
  for (size_t cut : cuts) {
    const size_t n = cut - at;
    auto piece = std::make_unique<char[]>(n + 1);
    input.copy(piece.get(), n, at);
    splitter.feed(std::string_view(piece.get(), n), onLine);
    at = cut;
  }
  splitter.finish(onLine);
  return lines;
}

bool safeForRequestHead(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) {
    return 0;
  }
  const size_t limit = data[0] == 0 ? kMaxLineBytes : data[0];
  std::string_view input(reinterpret_cast<const char*>(data + 2), size - 2);
  const size_t cut = input.empty() ? 0 : data[1] % (input.size() + 1);

  const auto whole = split(input, limit, {});
  check(split(input, limit, {cut}) == whole, "lines depend on how reads split the input");
  size_t newlines = 0;
  for (char c : input) {
    newlines += c == '\n' ? 1 : 0;
  }
  const bool unterminated = !input.empty() && input.back() != '\n';
  check(whole.size() == newlines + (unterminated ? 1 : 0), "not one line per newline");

  for (const Line& line : whole) {
    check(line.text.size() <= limit, "a kept line is over the limit");
    check(!line.tooLong || line.text.empty(), "an over-long line kept its bytes");
    auto target = parseProbeLine(line.text);
    if (!target) {
      check(!target.error().empty(), "a refusal without a reason");
      continue;
    }
    check(target->port != 0, "port 0 accepted");
    check(safeForRequestHead(target->path), "path unsafe for a request line");
    check(safeForRequestHead(target->authority()), "host unsafe for a Host header");
    check(target->path.empty() || target->path.front() == '/', "path without '/'");
    auto again = parseProbeLine(target->key());
    check(again && again->key() == target->key(), "a key does not parse back to itself");
  }
  return 0;
}
