#pragma once
// The line protocol of `cxxbalancer-probe` (seed 000): mod_rewrite writes one key a line,
// `host:port[:path]`, and reads one answer a line, `UP` or `DOWN`. Pure: no sockets.
//
// A line is read as follows:
// - one trailing CR (a key typed on a terminal or sent with CRLF) and surrounding spaces and
//   tabs are ignored;
// - the host is a DNS name or IPv4 literal (letters, digits, '.', '-', '_'; at most 253
//   bytes), or an IPv6 literal in brackets (hex digits, ':', '.', and a `%zone` of letters,
//   digits, '.', '-', '_');
// - the port is 1..65535;
// - the path, when there is one, starts with '/' and has no space or control byte: it is
//   the request target of an HTTP check. Without a path (`host:port`) the check is a TCP
//   connect only.
// Anything else is malformed and answered DOWN. A line longer than kMaxLineBytes is answered
// DOWN once, and reading goes on after its newline.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace cxxb::probe {

/** Longer lines cannot be a host (253) + port + a sane health path; they are refused. */
inline constexpr size_t kMaxLineBytes = 4096;

/** What one line asks to check. */
struct ProbeTarget {
  std::string host;  ///< without brackets for IPv6 literals
  uint16_t port = 0;
  std::string path;  ///< "" for a TCP check, else starts with '/'

  bool operator==(const ProbeTarget&) const = default;
  /** `host:port`, the host lowercased and IPv6 in brackets: the Host of an HTTP check. */
  std::string authority() const;
  /** authority() plus `:path` when there is one: the cache key. */
  std::string key() const;
};

/**
 * Parses one line (without its '\n').
 * @return the target, or an error saying what is wrong with the line
 */
Result<ProbeTarget> parseProbeLine(std::string_view line);

/** One line of input: its text, or a mark that it was longer than the limit. */
struct InputLine {
  std::string_view text;  ///< valid only during the callback
  bool tooLong = false;
};

/**
 * Cuts a byte stream into lines, whatever the reads' sizes. A line over `maxLineBytes` is
 * not kept: its bytes are dropped as they come and it is reported once, at its newline, as
 * tooLong, so a flood without newlines never grows memory.
 */
class LineSplitter {
 public:
  explicit LineSplitter(size_t maxLineBytes = kMaxLineBytes) : max_(maxLineBytes) {}

  /** Calls onLine(const InputLine&) for each line that `data` completes. */
  template <class OnLine>
  void feed(std::string_view data, OnLine&& onLine) {
    while (!data.empty()) {
      const size_t newline = data.find('\n');
      const std::string_view piece = data.substr(0, newline);
      if (!overflow_ && partial_.size() + piece.size() > max_) {
        overflow_ = true;
        partial_.clear();
      }
      if (newline == std::string_view::npos) {
        if (!overflow_) {
          partial_.append(piece);
        }
        return;
      }
      if (overflow_) {
        onLine(InputLine{{}, true});
      } else if (partial_.empty()) {
        onLine(InputLine{piece, false});
      } else {
        partial_.append(piece);
        onLine(InputLine{partial_, false});
      }
      partial_.clear();
      overflow_ = false;
      data.remove_prefix(newline + 1);
    }
  }

  /** End of input: a last line without a newline is still a line. */
  template <class OnLine>
  void finish(OnLine&& onLine) {
    if (overflow_ || !partial_.empty()) {
      onLine(InputLine{partial_, overflow_});
    }
    partial_.clear();
    overflow_ = false;
  }

 private:
  size_t max_;
  std::string partial_;
  bool overflow_ = false;
};

}  // namespace cxxb::probe
