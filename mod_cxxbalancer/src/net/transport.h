#pragma once
// A byte stream to a member. Connectors and the pool depend on this interface only, so
// they are tested with a scripted fake; production uses TCP (and later TLS).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/clock.h"

namespace cxxb::net {

enum class IoStatus {
  Ok,       ///< bytes transferred (read: bytes > 0)
  Closed,   ///< orderly EOF from the peer (read) / peer gone (write: EPIPE)
  Reset,    ///< ECONNRESET
  Timeout,  ///< nothing happened within the timeout
  Error,    ///< any other failure; see sysError
};

/** How a log line names an I/O outcome on a member connection. */
constexpr const char* ioStatusText(IoStatus status) noexcept {
  switch (status) {
    case IoStatus::Ok:
      return "ok";
    case IoStatus::Closed:
      return "connection closed by member";
    case IoStatus::Reset:
      return "connection reset by member";
    case IoStatus::Timeout:
      return "timed out";
    case IoStatus::Error:
      return "I/O error";
  }
  return "I/O error";
}

struct IoResult {
  IoStatus status = IoStatus::Ok;
  size_t bytes = 0;
  int sysError = 0;
};

class Transport {
 public:
  virtual ~Transport() = default;
  /** Reads what is available, waiting at most `timeout` for the first byte. */
  virtual IoResult read(std::span<char> buffer, Millis timeout) = 0;
  /** Writes all of `data`, waiting at most `timeout` for each progress step. */
  virtual IoResult writeAll(std::string_view data, Millis timeout) = 0;
  /** Non-blocking check before reuse: true when the peer has not closed the connection and
   *  has sent nothing unsolicited (a pooled connection with pending bytes is unusable). */
  virtual bool reusable() noexcept = 0;
  virtual void close() noexcept = 0;
  /** "ip:port" of the peer, for log lines. */
  virtual const std::string& peer() const noexcept = 0;
};

using TransportPtr = std::unique_ptr<Transport>;

}  // namespace cxxb::net
