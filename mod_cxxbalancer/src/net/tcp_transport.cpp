// TCP transport: every socket is non-blocking and close-on-exec; waiting is done with poll()
// against a deadline, so EINTR (httpd's children get signals on graceful restart) neither
// aborts an operation nor stretches it past its timeout.
#include "net/tcp_transport.h"
#include "net/poll_wait.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <optional>
#include <system_error>
#include <utility>

namespace cxxb::net {
namespace {

std::string errorText(int err) { return std::system_category().message(err); }

/** "ip:port", with brackets around IPv6 addresses so the port stays unambiguous. */
std::string formatPeer(int family, const std::string& ip, uint16_t port) {
  std::string out;
  out.reserve(ip.size() + 8);
  if (family == AF_INET6) {
    out.append("[").append(ip).append("]");
  } else {
    out.append(ip);
  }
  out.append(":").append(std::to_string(port));
  return out;
}

ConnectStatus connectStatusFor(int err) noexcept {
  switch (err) {
    case ECONNREFUSED:
      return ConnectStatus::Refused;
    case ENETUNREACH:
    case EHOSTUNREACH:
    case ENETDOWN:
    case EHOSTDOWN:
      return ConnectStatus::Unreachable;
    case ETIMEDOUT:
      return ConnectStatus::Timeout;
    default:
      return ConnectStatus::Error;
  }
}

/** Owns a descriptor until it is handed over, so no failure path leaks it. */
class FdGuard {
 public:
  explicit FdGuard(int fd) noexcept : fd_(fd) {}
  ~FdGuard() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  FdGuard(const FdGuard&) = delete;
  FdGuard& operator=(const FdGuard&) = delete;
  int get() const noexcept { return fd_; }
  int release() noexcept { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

/** Fills `storage` from a numeric address; scoped IPv6 ("fe80::1%eth0") goes through
 *  getaddrinfo, which understands the zone, everything else through inet_pton. */
bool toSockaddr(const ResolvedAddress& address, sockaddr_storage& storage, socklen_t& length) {
  std::memset(&storage, 0, sizeof storage);
  if (address.family != AF_INET6) {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
    if (::inet_pton(AF_INET, address.ip.c_str(), &v4->sin_addr) == 1) {
      v4->sin_family = AF_INET;
      v4->sin_port = htons(address.port);
      length = sizeof(sockaddr_in);
      return true;
    }
  }
  if (address.family != AF_INET) {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
    if (::inet_pton(AF_INET6, address.ip.c_str(), &v6->sin6_addr) == 1) {
      v6->sin6_family = AF_INET6;
      v6->sin6_port = htons(address.port);
      length = sizeof(sockaddr_in6);
      return true;
    }
  }
  addrinfo hints{};
  hints.ai_family = address.family;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST;
  addrinfo* list = nullptr;
  if (::getaddrinfo(address.ip.c_str(), nullptr, &hints, &list) != 0 || list == nullptr) {
    return false;
  }
  const bool fits = list->ai_addrlen <= sizeof storage;
  if (fits) {
    std::memcpy(&storage, list->ai_addr, list->ai_addrlen);
    length = list->ai_addrlen;
    if (storage.ss_family == AF_INET6) {
      reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port = htons(address.port);
    } else {
      reinterpret_cast<sockaddr_in*>(&storage)->sin_port = htons(address.port);
    }
  }
  ::freeaddrinfo(list);
  return fits;
}

ConnectResult failure(ConnectStatus status, const std::string& peer, const std::string& what) {
  ConnectResult result;
  result.status = status;
  result.message = "connect to " + peer + ": " + what;
  return result;
}

}  // namespace

// --- resolve --------------------------------------------------------------------------

std::vector<ResolvedAddress> resolve(const std::string& host, uint16_t port, std::string& error) {
  std::vector<ResolvedAddress> out;
  std::string name = host;
  if (name.size() >= 2 && name.front() == '[' && name.back() == ']') {
    name = name.substr(1, name.size() - 2);
  }
  if (name.empty()) {
    error = "empty host name";
    return out;
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_protocol = IPPROTO_TCP;
  // No AI_ADDRCONFIG: it hides loopback addresses on hosts whose only interface is lo.
  hints.ai_flags = 0;
  addrinfo* list = nullptr;
  const int rc = ::getaddrinfo(name.c_str(), nullptr, &hints, &list);
  if (rc != 0) {
    error = "resolve " + name + ": " + (rc == EAI_SYSTEM ? errorText(errno) : ::gai_strerror(rc));
    return out;
  }
  for (const addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
    if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) {
      continue;
    }
    char ip[NI_MAXHOST];
    if (::getnameinfo(ai->ai_addr, ai->ai_addrlen, ip, sizeof ip, nullptr, 0, NI_NUMERICHOST) !=
        0) {
      continue;
    }
    // /etc/hosts may list one address under several lines; connecting twice to it is waste.
    const bool seen = std::any_of(out.begin(), out.end(), [&](const ResolvedAddress& a) {
      return a.family == ai->ai_family && a.ip == ip;
    });
    if (!seen) {
      out.push_back(ResolvedAddress{ai->ai_family, ip, port});
    }
  }
  ::freeaddrinfo(list);
  if (out.empty()) {
    error = "resolve " + name + ": no IPv4 or IPv6 address";
  }
  return out;
}

// --- connect --------------------------------------------------------------------------

ConnectResult connectTcp(const ResolvedAddress& address, Millis timeout, bool keepalive) {
  const std::string peer = formatPeer(address.family, address.ip, address.port);
  sockaddr_storage storage;
  socklen_t length = 0;
  if (!toSockaddr(address, storage, length)) {
    return failure(ConnectStatus::Error, peer, "not a numeric address");
  }
  FdGuard fd(::socket(storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP));
  if (fd.get() < 0) {
    return failure(ConnectStatus::Error, peer, "socket: " + errorText(errno));
  }
  const int on = 1;
  // Requests are written in one go and answers awaited: Nagle would only add latency.
  if (::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) != 0 ||
      (keepalive && ::setsockopt(fd.get(), SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on) != 0)) {
    return failure(ConnectStatus::Error, peer, "setsockopt: " + errorText(errno));
  }
  const TimePoint deadline = deadlineAfter(timeout);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&storage), length) != 0) {
    // A non-blocking connect interrupted by a signal goes on in the background, like
    // EINPROGRESS; calling connect() again would only report EALREADY.
    if (errno != EINPROGRESS && errno != EINTR) {
      const int err = errno;
      return failure(connectStatusFor(err), peer, errorText(err));
    }
    const int ready = waitUntil(fd.get(), POLLOUT, deadline);
    if (ready == 0) {
      return failure(ConnectStatus::Timeout, peer, "timed out");
    }
    if (ready < 0) {
      return failure(ConnectStatus::Error, peer, "poll: " + errorText(errno));
    }
    int err = 0;
    socklen_t errLength = sizeof err;
    if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &errLength) != 0) {
      err = errno;
    }
    if (err != 0) {
      return failure(connectStatusFor(err), peer, errorText(err));
    }
  }
  ConnectResult result;
  result.transport = std::make_unique<TcpTransport>(fd.get(), peer);
  fd.release();
  result.status = ConnectStatus::Ok;
  return result;
}

ConnectResult connectAny(const std::vector<ResolvedAddress>& addresses, Millis timeout,
                         bool keepalive) {
  ConnectResult last;
  last.status = ConnectStatus::ResolveFailed;
  last.message = "no address to connect to";
  for (const auto& address : addresses) {
    last = connectTcp(address, timeout, keepalive);
    if (last.status == ConnectStatus::Ok) {
      break;
    }
  }
  return last;
}

// --- TcpTransport ---------------------------------------------------------------------

TcpTransport::TcpTransport(int fd, std::string peer) noexcept : fd_(fd), peer_(std::move(peer)) {}

TcpTransport::~TcpTransport() { close(); }

IoResult TcpTransport::read(std::span<char> buffer, Millis timeout) {
  if (fd_ < 0) {
    return {IoStatus::Error, 0, EBADF};
  }
  if (buffer.empty()) {
    return {};  // recv() of 0 bytes would look like EOF
  }
  // The deadline is taken only once recv() has nothing: the common case (data already
  // there) costs one syscall.
  std::optional<TimePoint> deadline;
  for (;;) {
    const ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), 0);
    if (n > 0) {
      return {IoStatus::Ok, size_t(n), 0};
    }
    if (n == 0) {
      return {IoStatus::Closed, 0, 0};
    }
    const int err = errno;
    if (err == EINTR) {
      continue;
    }
    if (err == ECONNRESET) {
      return {IoStatus::Reset, 0, err};
    }
    if (err != EAGAIN && err != EWOULDBLOCK) {
      return {IoStatus::Error, 0, err};
    }
    if (!deadline) {
      deadline = deadlineAfter(timeout);
    }
    const int ready = waitUntil(fd_, POLLIN, *deadline);
    if (ready == 0) {
      return {IoStatus::Timeout, 0, 0};
    }
    if (ready < 0) {
      return {IoStatus::Error, 0, errno};
    }
  }
}

IoResult TcpTransport::writeAll(std::string_view data, Millis timeout) {
  if (fd_ < 0) {
    return {IoStatus::Error, 0, EBADF};
  }
  size_t written = 0;
  std::optional<TimePoint> deadline;  // per progress step: reset whenever bytes go out
  while (written < data.size()) {
    const ssize_t n = ::send(fd_, data.data() + written, data.size() - written, MSG_NOSIGNAL);
    if (n > 0) {
      written += size_t(n);
      deadline.reset();
      continue;
    }
    const int err = n == 0 ? EAGAIN : errno;  // 0 never happens on TCP; wait, don't spin
    if (err == EINTR) {
      continue;
    }
    if (err == EPIPE) {
      return {IoStatus::Closed, written, err};
    }
    if (err == ECONNRESET) {
      return {IoStatus::Reset, written, err};
    }
    if (err != EAGAIN && err != EWOULDBLOCK) {
      return {IoStatus::Error, written, err};
    }
    if (!deadline) {
      deadline = deadlineAfter(timeout);
    }
    const int ready = waitUntil(fd_, POLLOUT, *deadline);
    if (ready == 0) {
      return {IoStatus::Timeout, written, 0};
    }
    if (ready < 0) {
      return {IoStatus::Error, written, errno};
    }
  }
  return {IoStatus::Ok, written, 0};
}

bool TcpTransport::reusable() noexcept {
  if (fd_ < 0) {
    return false;
  }
  char byte;
  for (;;) {
    const ssize_t n = ::recv(fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    // Only "nothing to read" means the peer is still there and quiet: EOF, unsolicited
    // bytes (a late response, a 408) and errors all make the connection unusable. A peek
    // consumes a pending ECONNRESET; that is fine, the caller drops the connection.
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
}

void TcpTransport::close() noexcept {
  if (fd_ >= 0) {
    // Not retried on EINTR: Linux releases the descriptor anyway, and a retry could close
    // one another thread has just been given.
    ::close(fd_);
    fd_ = -1;
  }
}

}  // namespace cxxb::net
