#pragma once
// TCP transport over POSIX sockets: non-blocking sockets, poll() for timeouts, no SIGPIPE.
#include <cstdint>
#include <string>
#include <vector>

#include "net/transport.h"

namespace cxxb::net {

enum class ConnectStatus { Ok, Refused, Unreachable, Timeout, ResolveFailed, Error };

struct ConnectResult {
  TransportPtr transport;  ///< set when status == Ok
  ConnectStatus status = ConnectStatus::Error;
  std::string message;  ///< strerror-like detail for the log
};

/** One numeric address of a member. */
struct ResolvedAddress {
  int family = 0;
  std::string ip;  ///< numeric form
  uint16_t port = 0;
};

/**
 * Resolves host (name or literal; "[v6]" brackets accepted) to addresses, IPv4 and IPv6, in
 * getaddrinfo order without duplicates. Blocks for as long as the system resolver does.
 * @param error set to the resolver's message when the result is empty
 */
std::vector<ResolvedAddress> resolve(const std::string& host, uint16_t port, std::string& error);

/** Connects to one address within `timeout`; TCP_NODELAY on, SO_KEEPALIVE if asked. */
ConnectResult connectTcp(const ResolvedAddress& address, Millis timeout, bool keepalive);

/**
 * Tries each address in turn, each with its own `timeout` (as mod_proxy does per address).
 * @return the first success, or the last failure; ResolveFailed when `addresses` is empty
 */
ConnectResult connectAny(const std::vector<ResolvedAddress>& addresses, Millis timeout,
                         bool keepalive);

/**
 * A connected non-blocking TCP socket. One thread at a time uses it (the pool hands it from
 * request to request); it never raises SIGPIPE and never blocks past the given timeouts.
 */
class TcpTransport final : public Transport {
 public:
  /** Takes ownership of `fd`: connected, non-blocking, close-on-exec. */
  TcpTransport(int fd, std::string peer) noexcept;
  ~TcpTransport() override;
  TcpTransport(const TcpTransport&) = delete;
  TcpTransport& operator=(const TcpTransport&) = delete;

  IoResult read(std::span<char> buffer, Millis timeout) override;
  IoResult writeAll(std::string_view data, Millis timeout) override;
  bool reusable() noexcept override;
  void close() noexcept override;
  const std::string& peer() const noexcept override { return peer_; }

  /** The socket, or -1 after close(); for poll() loops and a TLS layer on top. */
  int fd() const noexcept { return fd_; }

 private:
  int fd_;
  std::string peer_;
};

}  // namespace cxxb::net
