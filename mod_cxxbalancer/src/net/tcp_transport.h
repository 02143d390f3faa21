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
  std::string message;     ///< strerror-like detail for the log
};

/** Resolves host (name or literal) to addresses, IPv4 and IPv6, in getaddrinfo order. */
struct ResolvedAddress {
  int family = 0;
  std::string ip;  ///< numeric form
  uint16_t port = 0;
};
std::vector<ResolvedAddress> resolve(const std::string& host, uint16_t port, std::string& error);

/** Connects to one address within `timeout`; TCP_NODELAY on, SO_KEEPALIVE if asked. */
ConnectResult connectTcp(const ResolvedAddress& address, Millis timeout, bool keepalive);

/** Tries each address in turn; the first success, or the last failure. */
ConnectResult connectAny(const std::vector<ResolvedAddress>& addresses, Millis timeout,
                         bool keepalive);

}  // namespace cxxb::net
