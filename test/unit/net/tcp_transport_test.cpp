// TcpTransport against a listener on 127.0.0.1 in the test itself. connect() completes
// through the listen backlog, so most tests accept() on the same thread: no sleeps, no races.
#include "net/tcp_transport.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

using cxxb::Millis;
using cxxb::net::ConnectResult;
using cxxb::net::ConnectStatus;
using cxxb::net::IoStatus;
using cxxb::net::ResolvedAddress;
using cxxb::net::TcpTransport;

namespace {

/** A listening socket on 127.0.0.1, port chosen by the kernel. */
class Listener {
 public:
  explicit Listener(int backlog = 16, int receiveBuffer = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    if (receiveBuffer > 0) {  // inherited by accepted sockets; must precede listen()
      REQUIRE(::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receiveBuffer, sizeof receiveBuffer) == 0);
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(fd_, backlog) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port_ = ntohs(addr.sin_port);
  }
  ~Listener() { ::close(fd_); }
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  uint16_t port() const { return port_; }
  ResolvedAddress address() const { return ResolvedAddress{AF_INET, "127.0.0.1", port_}; }

  /** The next pending connection (blocking: call only after a successful connect). */
  int accept() {
    const int fd = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    REQUIRE(fd >= 0);
    return fd;
  }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

ConnectResult connectTo(const Listener& listener, Millis timeout = Millis(1000)) {
  return cxxb::net::connectTcp(listener.address(), timeout, false);
}

TcpTransport& tcp(ConnectResult& result) {
  REQUIRE(result.status == ConnectStatus::Ok);
  REQUIRE(result.transport);
  return static_cast<TcpTransport&>(*result.transport);
}

/** Waits (bounded) until the peer's FIN or RST has reached `fd`, without consuming it. */
void awaitPeerEvent(int fd) {
  pollfd pfd{fd, POLLIN | POLLRDHUP, 0};
  REQUIRE(::poll(&pfd, 1, 2000) == 1);
}

void closeWithReset(int fd) {
  linger lin{1, 0};
  REQUIRE(::setsockopt(fd, SOL_SOCKET, SO_LINGER, &lin, sizeof lin) == 0);
  ::close(fd);
}

size_t openFdCount() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("tcp connects to a listener and exchanges bytes", "[net][tcp]") {
  Listener listener;
  auto result = connectTo(listener);
  auto& transport = tcp(result);
  CHECK(transport.peer() == "127.0.0.1:" + std::to_string(listener.port()));
  CHECK((::fcntl(transport.fd(), F_GETFD) & FD_CLOEXEC) != 0);
  CHECK((::fcntl(transport.fd(), F_GETFL) & O_NONBLOCK) != 0);
  int nodelay = 0;
  socklen_t len = sizeof nodelay;
  REQUIRE(::getsockopt(transport.fd(), IPPROTO_TCP, TCP_NODELAY, &nodelay, &len) == 0);
  CHECK(nodelay != 0);

  const int server = listener.accept();
  REQUIRE(transport.writeAll("ping", Millis(1000)).status == IoStatus::Ok);
  std::array<char, 16> buf{};
  REQUIRE(::recv(server, buf.data(), buf.size(), 0) == 4);
  CHECK(std::string(buf.data(), 4) == "ping");

  REQUIRE(::send(server, "pong!", 5, 0) == 5);
  auto read = transport.read(buf, Millis(1000));
  CHECK(read.status == IoStatus::Ok);
  REQUIRE(read.bytes == 5);
  CHECK(std::string(buf.data(), 5) == "pong!");
  CHECK(transport.reusable());

  SECTION("pending unsolicited bytes make it unusable for the pool") {
    REQUIRE(::send(server, "x", 1, 0) == 1);
    awaitPeerEvent(transport.fd());
    CHECK_FALSE(transport.reusable());
  }
  SECTION("after close() every call fails cleanly") {
    transport.close();
    CHECK(transport.fd() == -1);
    CHECK_FALSE(transport.reusable());
    CHECK(transport.read(buf, Millis(0)).status == IoStatus::Error);
    CHECK(transport.writeAll("x", Millis(0)).status == IoStatus::Error);
  }
  ::close(server);
}

TEST_CASE("tcp connect with keepalive sets SO_KEEPALIVE", "[net][tcp]") {
  Listener listener;
  auto result = cxxb::net::connectTcp(listener.address(), Millis(1000), true);
  auto& transport = tcp(result);
  int on = 0;
  socklen_t len = sizeof on;
  REQUIRE(::getsockopt(transport.fd(), SOL_SOCKET, SO_KEEPALIVE, &on, &len) == 0);
  CHECK(on != 0);
}

TEST_CASE("tcp connect to a closed port is Refused", "[net][tcp]") {
  ResolvedAddress address;
  {
    Listener listener;
    address = listener.address();
  }
  auto result = cxxb::net::connectTcp(address, Millis(1000), false);
  CHECK(result.status == ConnectStatus::Refused);
  CHECK_FALSE(result.transport);
  CHECK(result.message.find("127.0.0.1") != std::string::npos);
}

TEST_CASE("tcp connect times out when the listener drops SYNs", "[net][tcp]") {
  // With a full accept queue Linux drops new SYNs, so connect() hangs until our timeout.
  Listener listener(0);
  std::vector<ConnectResult> held;
  bool timedOut = false;
  for (int i = 0; i < 8 && !timedOut; ++i) {
    auto result = connectTo(listener, Millis(50));
    timedOut = result.status == ConnectStatus::Timeout;
    if (!timedOut) {
      REQUIRE(result.status == ConnectStatus::Ok);
      held.push_back(std::move(result));
    }
  }
  CHECK(timedOut);
}

TEST_CASE("tcp connect rejects a non-numeric address", "[net][tcp]") {
  auto result =
      cxxb::net::connectTcp(ResolvedAddress{AF_INET, "example.org", 80}, Millis(10), false);
  CHECK(result.status == ConnectStatus::Error);
}

TEST_CASE("tcp connectAny returns the first success or the last failure", "[net][tcp]") {
  Listener listener;
  ResolvedAddress dead;
  {
    Listener gone;
    dead = gone.address();
  }
  auto ok = cxxb::net::connectAny({dead, listener.address()}, Millis(1000), false);
  CHECK(ok.status == ConnectStatus::Ok);
  auto refused = cxxb::net::connectAny({dead, dead}, Millis(1000), false);
  CHECK(refused.status == ConnectStatus::Refused);
  auto none = cxxb::net::connectAny({}, Millis(1000), false);
  CHECK(none.status == ConnectStatus::ResolveFailed);
}

TEST_CASE("tcp read times out when the peer is silent", "[net][tcp]") {
  Listener listener;
  auto result = connectTo(listener);
  auto& transport = tcp(result);
  const int server = listener.accept();
  std::array<char, 8> buf{};
  const auto start = cxxb::MonoClock::now();
  auto read = transport.read(buf, Millis(30));
  const auto elapsed = cxxb::MonoClock::now() - start;
  CHECK(read.status == IoStatus::Timeout);
  CHECK(elapsed >= Millis(30));
  CHECK(elapsed < Millis(1000));
  CHECK(transport.read(buf, Millis(0)).status == IoStatus::Timeout);
  CHECK(transport.reusable());
  ::close(server);
}

TEST_CASE("tcp read reports the peer's orderly close as Closed", "[net][tcp]") {
  Listener listener;
  auto result = connectTo(listener);
  auto& transport = tcp(result);
  const int server = listener.accept();
  ::close(server);
  awaitPeerEvent(transport.fd());
  CHECK_FALSE(transport.reusable());
  std::array<char, 8> buf{};
  CHECK(transport.read(buf, Millis(1000)).status == IoStatus::Closed);
}

TEST_CASE("tcp read after the peer closes with RST is Reset", "[net][tcp]") {
  Listener listener;
  auto result = connectTo(listener);
  auto& transport = tcp(result);
  closeWithReset(listener.accept());
  std::array<char, 8> buf{};
  auto read = transport.read(buf, Millis(1000));
  CHECK(read.status == IoStatus::Reset);
  CHECK(read.sysError == ECONNRESET);
  // The error is consumed; writing now hits the dead connection without a SIGPIPE.
  auto write = transport.writeAll("x", Millis(1000));
  CHECK((write.status == IoStatus::Closed || write.status == IoStatus::Reset));
}

TEST_CASE("tcp reusable() is false after the peer closes with RST", "[net][tcp]") {
  Listener listener;
  auto result = connectTo(listener);
  auto& transport = tcp(result);
  closeWithReset(listener.accept());
  awaitPeerEvent(transport.fd());
  CHECK_FALSE(transport.reusable());
  CHECK_FALSE(transport.reusable());  // the peek consumed the error; EOF remains
}

TEST_CASE("tcp writeAll to a closed peer never raises SIGPIPE", "[net][tcp]") {
  Listener listener;
  auto result = connectTo(listener);
  auto& transport = tcp(result);
  closeWithReset(listener.accept());
  awaitPeerEvent(transport.fd());
  const std::string chunk(64 * 1024, 'x');
  auto write = transport.writeAll(chunk, Millis(1000));
  CHECK((write.status == IoStatus::Closed || write.status == IoStatus::Reset));
}

TEST_CASE("tcp writeAll pushes 4 MB through a slow reader", "[net][tcp]") {
  Listener listener(16, 4096);  // a small receive window makes the writer wait on POLLOUT
  auto result = connectTo(listener);
  auto& transport = tcp(result);
  const int server = listener.accept();

  std::string data(4 * 1024 * 1024, '\0');
  for (size_t i = 0; i < data.size(); ++i) {
    data[i] = char(i * 131 % 251);
  }
  size_t received = 0;
  bool same = true;
  std::thread reader([&] {
    std::array<char, 1024> buf{};
    for (;;) {
      const ssize_t n = ::recv(server, buf.data(), buf.size(), 0);
      if (n <= 0) {
        break;
      }
      same = same && std::memcmp(buf.data(), data.data() + received, size_t(n)) == 0;
      received += size_t(n);
    }
  });
  auto write = transport.writeAll(data, Millis(2000));
  transport.close();
  reader.join();
  ::close(server);
  CHECK(write.status == IoStatus::Ok);
  CHECK(write.bytes == data.size());
  CHECK(received == data.size());
  CHECK(same);
}

TEST_CASE("tcp writeAll times out when the reader stops", "[net][tcp]") {
  Listener listener(16, 4096);
  auto result = connectTo(listener);
  auto& transport = tcp(result);
  const int server = listener.accept();
  const std::string data(8 * 1024 * 1024, 'x');
  auto write = transport.writeAll(data, Millis(30));
  CHECK(write.status == IoStatus::Timeout);
  CHECK(write.bytes > 0);
  CHECK(write.bytes < data.size());
  ::close(server);
}

TEST_CASE("resolve returns numeric IPv4 and IPv6 addresses", "[net][tcp]") {
  std::string error;
  auto v4 = cxxb::net::resolve("127.0.0.1", 8009, error);
  REQUIRE(v4.size() == 1);
  CHECK(v4[0].family == AF_INET);
  CHECK(v4[0].ip == "127.0.0.1");
  CHECK(v4[0].port == 8009);

  for (const char* literal : {"::1", "[::1]"}) {
    auto v6 = cxxb::net::resolve(literal, 80, error);
    REQUIRE(v6.size() == 1);
    CHECK(v6[0].family == AF_INET6);
    CHECK(v6[0].ip == "::1");
  }

  auto local = cxxb::net::resolve("localhost", 80, error);
  CHECK(std::any_of(local.begin(), local.end(),
                    [](const ResolvedAddress& a) { return a.ip == "127.0.0.1"; }));

  error.clear();
  CHECK(cxxb::net::resolve("", 80, error).empty());
  CHECK_FALSE(error.empty());
}

TEST_CASE("tcp connects to a resolved name", "[net][tcp]") {
  Listener listener;
  std::string error;
  auto addresses = cxxb::net::resolve("localhost", listener.port(), error);
  // localhost may resolve to ::1 first, where nothing listens: connectAny moves on.
  auto result = cxxb::net::connectAny(addresses, Millis(1000), false);
  CHECK(result.status == ConnectStatus::Ok);
}

TEST_CASE("tcp transports leak no file descriptors", "[net][tcp]") {
  const size_t before = openFdCount();
  {
    Listener listener;
    for (int i = 0; i < 20; ++i) {
      auto ok = connectTo(listener);
      REQUIRE(ok.status == ConnectStatus::Ok);
      ::close(listener.accept());
    }
    ResolvedAddress dead;
    {
      Listener gone;
      dead = gone.address();
    }
    for (int i = 0; i < 20; ++i) {
      CHECK(cxxb::net::connectTcp(dead, Millis(100), true).status == ConnectStatus::Refused);
    }
    std::string error;
    CHECK_FALSE(cxxb::net::resolve("localhost", 80, error).empty());
    auto explicitClose = connectTo(listener);
    tcp(explicitClose).close();
    ::close(listener.accept());
  }
  CHECK(openFdCount() == before);
}
