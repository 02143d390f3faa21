// TlsClientContext and TlsTransport against an OpenSSL server in the test itself, on
// 127.0.0.1. The certificates are made when the tests start (a throwaway CA, a second CA
// nobody trusts, a server certificate for "localhost" and 127.0.0.1, an expired one, a
// client certificate) and written to a temporary directory as PEM files.
//
// The server runs on its own thread with blocking sockets and a script; the client side is
// the code under test on the test's thread. Nothing sleeps: the client waits on its own
// timeouts, the server on blocking reads, and every socket has a 5 s safety timeout.
#include "net/tls_transport.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <catch2/catch.hpp>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "support/fake_transport.h"

// Designated initializers name only what differs from the defaults; g++ 12 still warns.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

using cxxb::Millis;
using cxxb::net::ConnectStatus;
using cxxb::net::IoStatus;
using cxxb::net::ResolvedAddress;
using cxxb::net::TcpTransport;
using cxxb::net::TlsClientContext;
using cxxb::net::TlsSettings;
using cxxb::net::TlsTransport;

namespace {

namespace fs = std::filesystem;

// --- certificates ----------------------------------------------------------------------

using KeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using CertPtr = std::unique_ptr<X509, decltype(&X509_free)>;

struct Identity {
  KeyPtr key{nullptr, EVP_PKEY_free};
  CertPtr cert{nullptr, X509_free};
  std::string certFile;
  std::string keyFile;
};

struct CertSpec {
  std::string commonName;
  std::string subjectAltName;  ///< "DNS:localhost,IP:127.0.0.1", or "" for none
  bool ca = false;
  long notBeforeSeconds = -3600;  ///< relative to now
  long notAfterSeconds = 86400;
};

void addExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  REQUIRE(ext != nullptr);
  REQUIRE(X509_add_ext(cert, ext, -1) == 1);
  X509_EXTENSION_free(ext);
}

void writePem(const std::string& path, const std::function<int(FILE*)>& write) {
  FILE* f = std::fopen(path.c_str(), "w");
  REQUIRE(f != nullptr);
  REQUIRE(write(f) == 1);
  std::fclose(f);
}

/** A key and a certificate signed by `issuer` (self-signed when null), saved as PEM. */
Identity makeIdentity(const fs::path& dir, const std::string& name, const CertSpec& spec,
                      const Identity* issuer) {
  static long serial = 1;
  Identity id;
  id.key.reset(EVP_EC_gen("P-256"));
  REQUIRE(id.key);
  id.cert.reset(X509_new());
  X509* cert = id.cert.get();
  REQUIRE(X509_set_version(cert, 2) == 1);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial++);
  X509_gmtime_adj(X509_getm_notBefore(cert), spec.notBeforeSeconds);
  X509_gmtime_adj(X509_getm_notAfter(cert), spec.notAfterSeconds);
  REQUIRE(X509_set_pubkey(cert, id.key.get()) == 1);
  X509_NAME* subject = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(spec.commonName.c_str()), -1,
                             -1, 0);
  X509* signer = issuer ? issuer->cert.get() : cert;
  REQUIRE(X509_set_issuer_name(cert, X509_get_subject_name(signer)) == 1);
  addExtension(cert, signer, NID_basic_constraints, spec.ca ? "critical,CA:TRUE" : "CA:FALSE");
  addExtension(cert, signer, NID_subject_key_identifier, "hash");
  if (spec.ca) {
    addExtension(cert, signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    addExtension(cert, signer, NID_authority_key_identifier, "keyid");
  }
  if (!spec.subjectAltName.empty()) {
    addExtension(cert, signer, NID_subject_alt_name, spec.subjectAltName);
  }
  REQUIRE(X509_sign(cert, issuer ? issuer->key.get() : id.key.get(), EVP_sha256()) > 0);
  id.certFile = (dir / (name + ".pem")).string();
  id.keyFile = (dir / (name + ".key")).string();
  writePem(id.certFile, [&](FILE* f) { return PEM_write_X509(f, cert); });
  writePem(id.keyFile, [&](FILE* f) {
    return PEM_write_PrivateKey(f, id.key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  });
  return id;
}

/** Every certificate the tests use, made once per test run. */
struct Pki {
  fs::path dir;
  Identity ca;
  Identity otherCa;
  Identity server;   ///< localhost + 127.0.0.1, signed by ca
  Identity expired;  ///< same names, expired yesterday
  Identity client;   ///< a client certificate signed by ca

  Pki() {
    char pattern[] = "/tmp/cxxb-tls-test-XXXXXX";
    REQUIRE(::mkdtemp(pattern) != nullptr);
    dir = pattern;
    ca = makeIdentity(dir, "ca", {.commonName = "cxxb unit test CA", .ca = true}, nullptr);
    otherCa =
        makeIdentity(dir, "other-ca", {.commonName = "someone else's CA", .ca = true}, nullptr);
    server = makeIdentity(
        dir, "server", {.commonName = "localhost", .subjectAltName = "DNS:localhost,IP:127.0.0.1"},
        &ca);
    expired = makeIdentity(dir, "expired",
                           {.commonName = "localhost",
                            .subjectAltName = "DNS:localhost,IP:127.0.0.1",
                            .notBeforeSeconds = -2 * 86400,
                            .notAfterSeconds = -86400},
                           &ca);
    client = makeIdentity(dir, "client", {.commonName = "member client"}, &ca);
  }
  ~Pki() {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }
};

const Pki& pki() {
  static Pki instance;
  return instance;
}

// --- the server side ---------------------------------------------------------------------

/** A listening socket on 127.0.0.1, port chosen by the kernel. */
class Listener {
 public:
  Listener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(fd_, 16) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port_ = ntohs(addr.sin_port);
  }
  ~Listener() { ::close(fd_); }
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  ResolvedAddress address() const { return ResolvedAddress{AF_INET, "127.0.0.1", port_}; }

  /** The next connection, or -1 after 5 s (a failed test must not hang). Thread-safe. */
  int accept() const {
    pollfd pfd{fd_, POLLIN, 0};
    if (::poll(&pfd, 1, 5000) != 1) {
      return -1;
    }
    const int fd = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) {
      timeval limit{5, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
      ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
    }
    return fd;
  }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

struct ServerOptions {
  const Identity* identity = nullptr;  ///< default: pki().server
  int maxVersion = 0;                  ///< 0: TLS 1.3
  bool requireClientCert = false;
  int connections = 1;
};

/** What the server saw, read by the test after join(). */
struct ServerSeen {
  std::vector<std::string> sni;         ///< per connection, "" when none was sent
  std::vector<bool> handshakeOk;        ///< per connection
  std::vector<std::string> clientCert;  ///< subject CN of the client certificate, or ""
  std::vector<bool> reused;
  std::string error;
};

int selectHttp11(SSL*, const unsigned char** out, unsigned char* outLength, const unsigned char* in,
                 unsigned int inLength, void*) {
  static const unsigned char kWanted[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, outLength, kWanted, sizeof kWanted, in, inLength) ==
      OPENSSL_NPN_NEGOTIATED) {
    *out = selected;
    return SSL_TLSEXT_ERR_OK;
  }
  return SSL_TLSEXT_ERR_NOACK;
}

/** Reads exactly n bytes (blocking). */
std::string readExactly(SSL* ssl, size_t n) {
  std::string out;
  std::array<char, 16384> buf;
  while (out.size() < n) {
    const int got = SSL_read(ssl, buf.data(), int(std::min(buf.size(), n - out.size())));
    if (got <= 0) {
      break;
    }
    out.append(buf.data(), size_t(got));
  }
  return out;
}

void writeString(SSL* ssl, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    const int n = SSL_write(ssl, data.data() + done, int(data.size() - done));
    if (n <= 0) {
      return;
    }
    done += size_t(n);
  }
}

/** Reads until the client closes (close_notify, EOF or an error). @return close_notify seen */
bool drainUntilClose(SSL* ssl) {
  std::array<char, 4096> buf;
  for (;;) {
    const int n = SSL_read(ssl, buf.data(), int(buf.size()));
    if (n > 0) {
      continue;
    }
    return SSL_get_error(ssl, n) == SSL_ERROR_ZERO_RETURN;
  }
}

/** An OpenSSL server on its own thread: accepts `connections` connections one after the
 *  other, does the handshake and runs `script` on each. */
class TlsServer {
 public:
  using Script = std::function<void(SSL*, int fd)>;

  explicit TlsServer(ServerOptions options = {}, Script script = {}) : options_(options) {
    const Identity& id = options.identity ? *options.identity : pki().server;
    ctx_ = SSL_CTX_new(TLS_server_method());
    REQUIRE(ctx_ != nullptr);
    REQUIRE(SSL_CTX_use_certificate(ctx_, id.cert.get()) == 1);
    REQUIRE(SSL_CTX_use_PrivateKey(ctx_, id.key.get()) == 1);
    if (options.maxVersion != 0) {
      REQUIRE(SSL_CTX_set_max_proto_version(ctx_, options.maxVersion) == 1);
    }
    SSL_CTX_set_alpn_select_cb(ctx_, selectHttp11, nullptr);
    static const unsigned char kContext[] = "cxxb-test";
    SSL_CTX_set_session_id_context(ctx_, kContext, sizeof kContext - 1);
    if (options.requireClientCert) {
      REQUIRE(SSL_CTX_load_verify_locations(ctx_, pki().ca.certFile.c_str(), nullptr) == 1);
      SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
    }
    thread_ = std::thread([this, script = std::move(script)] { run(script); });
  }
  ~TlsServer() {
    join();
    SSL_CTX_free(ctx_);
  }
  TlsServer(const TlsServer&) = delete;
  TlsServer& operator=(const TlsServer&) = delete;

  ResolvedAddress address() const { return listener_.address(); }
  /** Waits for the script to finish; after this, seen() is safe to read. */
  const ServerSeen& seen() {
    join();
    return seen_;
  }

 private:
  void join() {
    if (thread_.joinable()) {
      thread_.join();
    }
  }

  void run(const Script& script) {
    // A write to a client that is gone raises SIGPIPE on this thread (OpenSSL's socket BIO
    // uses write()); blocked here, it stays pending and is dropped when the thread ends.
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
    for (int i = 0; i < options_.connections; ++i) {
      const int fd = listener_.accept();
      if (fd < 0) {
        seen_.error = "no connection within 5 s";
        return;
      }
      SSL* ssl = SSL_new(ctx_);
      SSL_set_fd(ssl, fd);
      const bool ok = SSL_accept(ssl) == 1;
      ERR_clear_error();
      const char* sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
      seen_.sni.emplace_back(sni ? sni : "");
      seen_.handshakeOk.push_back(ok);
      seen_.reused.push_back(SSL_session_reused(ssl) == 1);
      std::string clientCn;
      if (X509* peer = SSL_get0_peer_certificate(ssl)) {
        char cn[256] = {};
        X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, cn, sizeof cn);
        clientCn = cn;
      }
      seen_.clientCert.push_back(clientCn);
      if (ok && script) {
        script(ssl, fd);
      }
      SSL_free(ssl);
      ::close(fd);
    }
  }

  ServerOptions options_;
  Listener listener_;
  SSL_CTX* ctx_ = nullptr;
  ServerSeen seen_;
  std::thread thread_;
};

// --- the client side ---------------------------------------------------------------------

TlsSettings trusting(const Identity& ca, const std::string& name = "localhost") {
  TlsSettings s;
  s.caFile = ca.certFile;
  s.serverName = name;
  return s;
}

std::unique_ptr<TlsClientContext> context(TlsSettings settings) {
  auto made = TlsClientContext::create(std::move(settings));
  INFO((made ? std::string() : made.error()));
  REQUIRE(made);
  return std::move(*made);
}

std::unique_ptr<TcpTransport> tcpTo(const ResolvedAddress& address) {
  auto connected = cxxb::net::connectTcp(address, Millis(2000), false);
  REQUIRE(connected.status == ConnectStatus::Ok);
  return std::unique_ptr<TcpTransport>(static_cast<TcpTransport*>(connected.transport.release()));
}

cxxb::Result<std::unique_ptr<TlsTransport>> handshake(TlsClientContext& ctx,
                                                      const ResolvedAddress& address,
                                                      Millis timeout = Millis(3000)) {
  return ctx.handshake(tcpTo(address), timeout);
}

std::unique_ptr<TlsTransport> connected(TlsClientContext& ctx, const ResolvedAddress& address) {
  auto tls = handshake(ctx, address);
  INFO((tls ? std::string() : tls.error()));
  REQUIRE(tls);
  return std::move(*tls);
}

/** Reads until `n` bytes arrived or the read fails. */
std::string readAll(TlsTransport& t, size_t n, Millis timeout = Millis(3000)) {
  std::string out;
  std::array<char, 16384> buf;
  while (out.size() < n) {
    auto r = t.read(buf, timeout);
    if (r.status != IoStatus::Ok) {
      break;
    }
    out.append(buf.data(), r.bytes);
  }
  return out;
}

/** Waits (bounded) until the socket has something to read or was closed. */
void awaitReadable(int fd) {
  pollfd pfd{fd, POLLIN | POLLRDHUP, 0};
  REQUIRE(::poll(&pfd, 1, 3000) == 1);
}

/** The common server script: "ping" in, "pong" out, then wait for the client to close. */
void pingPong(SSL* ssl, int) {
  if (readExactly(ssl, 4) == "ping") {
    writeString(ssl, "pong");
  }
  drainUntilClose(ssl);
}

void expectPingPong(TlsTransport& t) {
  REQUIRE(t.writeAll("ping", Millis(3000)).status == IoStatus::Ok);
  CHECK(readAll(t, 4) == "pong");
}

}  // namespace

// --- handshakes ----------------------------------------------------------------------------

TEST_CASE("tls handshake with a trusted certificate, by name and by address", "[net][tls]") {
  TlsServer server({}, pingPong);
  const std::string name = GENERATE(as<std::string>{}, "localhost", "127.0.0.1");
  auto ctx = context(trusting(pki().ca, name));
  auto tls = connected(*ctx, server.address());
  CHECK(tls->protocol() == "TLSv1.3");
  CHECK(tls->alpn() == "http/1.1");
  CHECK_FALSE(tls->sessionReused());
  CHECK(tls->peer() == "127.0.0.1:" + std::to_string(server.address().port));
  expectPingPong(*tls);
  tls->close();
  const auto& seen = server.seen();
  REQUIRE(seen.handshakeOk == std::vector<bool>{true});
  // SNI carries DNS names only (RFC 6066 §3).
  CHECK(seen.sni[0] == (name == "localhost" ? "localhost" : ""));
}

TEST_CASE("tls works with TLS 1.2 servers", "[net][tls]") {
  TlsServer server({.maxVersion = TLS1_2_VERSION}, pingPong);
  auto ctx = context(trusting(pki().ca));
  auto tls = connected(*ctx, server.address());
  CHECK(tls->protocol() == "TLSv1.2");
  expectPingPong(*tls);
}

TEST_CASE("tls refuses a certificate from a CA it does not trust", "[net][tls]") {
  TlsServer server;
  auto ctx = context(trusting(pki().otherCa));
  auto tls = handshake(*ctx, server.address());
  REQUIRE_FALSE(tls);
  CHECK_THAT(tls.error(), Catch::Contains("TLS handshake with 127.0.0.1:") &&
                              Catch::Contains("certificate verify failed: unable to get local "
                                              "issuer certificate") &&
                              Catch::Contains("issuer CN=cxxb unit test CA"));
}

TEST_CASE("tls refuses a certificate for another name", "[net][tls]") {
  TlsServer server;
  SECTION("host name") {
    auto ctx = context(trusting(pki().ca, "other.example"));
    auto tls = handshake(*ctx, server.address());
    REQUIRE_FALSE(tls);
    CHECK_THAT(tls.error(), Catch::Contains("certificate verify failed: hostname mismatch (the "
                                            "certificate is not valid for other.example)"));
    CHECK(server.seen().sni == std::vector<std::string>{"other.example"});
  }
  SECTION("IP address") {
    auto ctx = context(trusting(pki().ca, "127.0.0.2"));
    auto tls = handshake(*ctx, server.address());
    REQUIRE_FALSE(tls);
    CHECK_THAT(tls.error(), Catch::Contains("IP address mismatch"));
  }
  SECTION("no partial wildcards and no suffix matches") {
    auto ctx = context(trusting(pki().ca, "host.localhost"));
    auto tls = handshake(*ctx, server.address());
    REQUIRE_FALSE(tls);
    CHECK_THAT(tls.error(), Catch::Contains("hostname mismatch"));
  }
}

TEST_CASE("tls refuses an expired certificate", "[net][tls]") {
  TlsServer server({.identity = &pki().expired});
  auto ctx = context(trusting(pki().ca));
  auto tls = handshake(*ctx, server.address());
  REQUIRE_FALSE(tls);
  CHECK_THAT(tls.error(), Catch::Contains("certificate verify failed: certificate has expired"));
}

TEST_CASE("tls with sslverify off accepts any certificate", "[net][tls]") {
  const Identity* identity = GENERATE(&pki().server, &pki().expired);
  TlsServer server({.identity = identity}, pingPong);
  TlsSettings settings = trusting(pki().otherCa, "wrong.example");
  settings.verify = false;
  auto ctx = context(settings);
  auto tls = connected(*ctx, server.address());
  expectPingPong(*tls);
}

TEST_CASE("tls sends sslsni as the server name", "[net][tls]") {
  TlsServer server({}, pingPong);
  {  // forMember: sslsni wins over the host
    cxxb::config::MemberConfig member;
    member.url.scheme = cxxb::config::Scheme::Https;
    member.url.host = "127.0.0.1";
    member.sslSni = "api.internal";
    member.sslCa = pki().ca.certFile;
    TlsSettings settings = TlsSettings::forMember(member);
    CHECK(settings.serverName == "api.internal");
    CHECK(settings.verify);
    CHECK(settings.caFile == pki().ca.certFile);
    member.sslSni.reset();
    CHECK(TlsSettings::forMember(member).serverName == "127.0.0.1");
  }
  TlsSettings settings = trusting(pki().ca, "api.internal");
  settings.verify = false;  // the test certificate does not name api.internal
  auto ctx = context(settings);
  auto tls = connected(*ctx, server.address());
  expectPingPong(*tls);
  tls->close();
  CHECK(server.seen().sni == std::vector<std::string>{"api.internal"});
}

TEST_CASE("tls presents the client certificate", "[net][tls]") {
  SECTION("sslcert and sslkey") {
    TlsServer server({.requireClientCert = true}, pingPong);
    TlsSettings settings = trusting(pki().ca);
    settings.certFile = pki().client.certFile;
    settings.keyFile = pki().client.keyFile;
    auto ctx = context(settings);
    auto tls = connected(*ctx, server.address());
    expectPingPong(*tls);
    tls->close();
    CHECK(server.seen().clientCert == std::vector<std::string>{"member client"});
  }
  SECTION("certificate and key in one file") {
    const std::string both = (pki().dir / "client-both.pem").string();
    {
      std::ofstream out(both);
      out << std::ifstream(pki().client.certFile).rdbuf()
          << std::ifstream(pki().client.keyFile).rdbuf();
    }
    TlsServer server({.requireClientCert = true}, pingPong);
    TlsSettings settings = trusting(pki().ca);
    settings.certFile = both;
    auto ctx = context(settings);
    auto tls = connected(*ctx, server.address());
    expectPingPong(*tls);
  }
  SECTION("none: a TLS 1.2 server that requires one refuses the handshake") {
    TlsServer server({.maxVersion = TLS1_2_VERSION, .requireClientCert = true});
    auto ctx = context(trusting(pki().ca));
    auto tls = handshake(*ctx, server.address());
    REQUIRE_FALSE(tls);
    CHECK_THAT(tls.error(), Catch::Contains("handshake failure"));
  }
}

TEST_CASE("tls handshake times out on a server that never answers", "[net][tls]") {
  Listener silent;  // accepts through the backlog, never speaks
  auto ctx = context(trusting(pki().ca));
  auto tls = handshake(*ctx, silent.address(), Millis(100));
  REQUIRE_FALSE(tls);
  CHECK_THAT(tls.error(), Catch::EndsWith("timed out after 100 ms"));
}

TEST_CASE("tls handshake with a plain HTTP server fails clearly", "[net][tls]") {
  Listener plain;
  std::thread server([&] {
    const int fd = plain.accept();
    if (fd < 0) {
      return;
    }
    std::array<char, 512> buf;
    (void)::recv(fd, buf.data(), buf.size(), 0);  // the ClientHello
    const std::string answer = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
    (void)::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL);
    ::close(fd);
  });
  auto ctx = context(trusting(pki().ca));
  auto tls = handshake(*ctx, plain.address());
  server.join();
  REQUIRE_FALSE(tls);
  CHECK_THAT(tls.error(),
             Catch::Contains("failed: ") && Catch::Contains("(is it a plain HTTP port?)"));
}

TEST_CASE("tls secure() wraps only TCP transports", "[net][tls]") {
  auto ctx = context(trusting(pki().ca));
  auto [fake, state] = cxxb::test::FakeTransport::make();
  auto secured = ctx->secure(std::move(fake), Millis(100));
  REQUIRE_FALSE(secured);
  CHECK(secured.error() == "TLS handshake: not a TCP connection");
}

// --- settings ------------------------------------------------------------------------------

TEST_CASE("tls context errors name the key and the file", "[net][tls]") {
  const std::string missing = (pki().dir / "missing.pem").string();
  const std::string notPem = (pki().dir / "not-pem.txt").string();
  std::ofstream(notPem) << "hello\n";
  TlsSettings s = trusting(pki().ca);
  std::string expected;
  SECTION("sslca missing") {
    s.caFile = missing;
    expected = "sslca " + missing + ": No such file or directory";
  }
  SECTION("sslca a directory") {
    s.caFile = pki().dir.string();
    expected = "sslca " + pki().dir.string() + ": not a regular file";
  }
  SECTION("sslca not PEM") {
    s.caFile = notPem;
    expected = "sslca " + notPem + ": ";
  }
  SECTION("sslcert missing") {
    s.certFile = missing;
    s.keyFile = pki().client.keyFile;
    expected = "sslcert " + missing + ": No such file or directory";
  }
  SECTION("sslkey missing") {
    s.certFile = pki().client.certFile;
    s.keyFile = missing;
    expected = "sslkey " + missing + ": No such file or directory";
  }
  SECTION("sslkey of another certificate") {
    s.certFile = pki().client.certFile;
    s.keyFile = pki().server.keyFile;
    expected = "(the key does not belong to sslcert " + pki().client.certFile + ")";
  }
  SECTION("sslcert without its key") {
    s.certFile = pki().client.certFile;
    expected = "sslcert " + pki().client.certFile +
               ": no usable private key in it (give the key with sslkey=FILE)";
  }
  SECTION("sslkey alone") {
    s.keyFile = pki().client.keyFile;
    expected = "sslkey " + pki().client.keyFile + " needs sslcert (the client certificate)";
  }
  auto made = TlsClientContext::create(s);
  REQUIRE_FALSE(made);
  CHECK_THAT(made.error(), Catch::Contains(expected));
}

TEST_CASE("tls context with the system CAs", "[net][tls]") {
  TlsSettings s;
  s.serverName = "localhost";
  REQUIRE(TlsClientContext::create(s));
  TlsServer server;  // signed by our own CA, which the system does not know
  auto ctx = context(s);
  auto tls = handshake(*ctx, server.address());
  REQUIRE_FALSE(tls);
  CHECK_THAT(tls.error(), Catch::Contains("unable to get local issuer certificate"));
}

// --- reading and writing -------------------------------------------------------------------

TEST_CASE("tls read, write and timeouts", "[net][tls]") {
  bool closeNotify = false;
  TlsServer server({}, [&](SSL* ssl, int) {
    if (readExactly(ssl, 4) == "ping") {
      writeString(ssl, "pong!");
    }
    closeNotify = drainUntilClose(ssl);
  });
  auto ctx = context(trusting(pki().ca));
  auto tls = connected(*ctx, server.address());
  REQUIRE(tls->writeAll("ping", Millis(1000)).status == IoStatus::Ok);
  std::array<char, 64> buf{};
  auto r = tls->read(buf, Millis(3000));
  REQUIRE(r.status == IoStatus::Ok);
  CHECK(std::string(buf.data(), r.bytes) == "pong!");
  CHECK(tls->reusable());  // the session tickets before "pong!" were consumed by read()

  const auto started = std::chrono::steady_clock::now();
  CHECK(tls->read(buf, Millis(50)).status == IoStatus::Timeout);
  CHECK(std::chrono::steady_clock::now() - started >= Millis(50));
  CHECK(tls->reusable());

  CHECK(tls->read(std::span<char>(), Millis(0)).status == IoStatus::Ok);  // nothing asked
  tls->close();
  CHECK(tls->fd() == -1);
  CHECK_FALSE(tls->reusable());
  CHECK(tls->read(buf, Millis(0)).status == IoStatus::Error);
  CHECK(tls->writeAll("x", Millis(0)).status == IoStatus::Error);
  server.seen();
  CHECK(closeNotify);  // close() said goodbye properly
}

TEST_CASE("tls moves megabytes both ways", "[net][tls]") {
  constexpr size_t kSize = 8 * 1024 * 1024;
  std::string payload(kSize, '\0');
  for (size_t i = 0; i < kSize; ++i) {
    payload[i] = char('a' + (i * 7) % 26);
  }
  bool receivedIntact = false;
  TlsServer server({}, [&](SSL* ssl, int) {
    receivedIntact = readExactly(ssl, kSize) == payload;
    writeString(ssl, payload);  // blocks until the client reads: both sides' buffers fill
    drainUntilClose(ssl);
  });
  auto ctx = context(trusting(pki().ca));
  auto tls = connected(*ctx, server.address());
  auto w = tls->writeAll(payload, Millis(3000));
  CHECK(w.status == IoStatus::Ok);
  CHECK(w.bytes == kSize);
  CHECK(readAll(*tls, kSize) == payload);
  tls->close();
  server.seen();
  CHECK(receivedIntact);
}

TEST_CASE("tls peer close reads as Closed", "[net][tls]") {
  const bool notify = GENERATE(true, false);
  TlsServer server({}, [&](SSL* ssl, int fd) {
    writeString(ssl, "bye");
    if (notify) {
      SSL_shutdown(ssl);  // close_notify, then the close below
    }
    ::shutdown(fd, SHUT_WR);
    drainUntilClose(ssl);
  });
  auto ctx = context(trusting(pki().ca));
  auto tls = connected(*ctx, server.address());
  CHECK(readAll(*tls, 3) == "bye");
  std::array<char, 16> buf;
  auto r = tls->read(buf, Millis(3000));
  CHECK(r.status == IoStatus::Closed);
  CHECK(tls->read(buf, Millis(0)).status == IoStatus::Closed);  // and stays so
  CHECK_FALSE(tls->reusable());
}

TEST_CASE("tls reusable() sees what arrived while the connection was idle", "[net][tls]") {
  enum class Then { CloseNotify, Eof, Data };
  const Then then = GENERATE(Then::CloseNotify, Then::Eof, Then::Data);
  TlsServer server({}, pingPong);
  TlsServer idle({}, [&](SSL* ssl, int fd) {
    if (readExactly(ssl, 4) != "ping") {
      return;
    }
    writeString(ssl, "pong");
    switch (then) {
      case Then::CloseNotify:
        SSL_shutdown(ssl);
        break;
      case Then::Eof:
        ::shutdown(fd, SHUT_WR);
        break;
      case Then::Data:
        writeString(ssl, "late");
        break;
    }
    drainUntilClose(ssl);
  });
  auto ctx = context(trusting(pki().ca));
  {
    auto tls = connected(*ctx, server.address());
    expectPingPong(*tls);
    CHECK(tls->reusable());  // a quiet connection is fine
  }
  auto tls = connected(*ctx, idle.address());
  expectPingPong(*tls);
  awaitReadable(tls->fd());
  CHECK_FALSE(tls->reusable());
  CHECK_FALSE(tls->reusable());  // and stays so
}

TEST_CASE("tls writeAll to a peer that went away fails without SIGPIPE", "[net][tls]") {
  TlsServer server({}, [](SSL*, int fd) {
    linger lin{1, 0};  // RST on close
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &lin, sizeof lin);
  });
  auto ctx = context(trusting(pki().ca));
  auto tls = connected(*ctx, server.address());
  server.seen();  // the server has reset the connection
  awaitReadable(tls->fd());
  const std::string block(64 * 1024, 'x');
  IoStatus status = IoStatus::Ok;
  for (int i = 0; i < 64 && status == IoStatus::Ok; ++i) {
    status = tls->writeAll(block, Millis(1000)).status;
  }
  CHECK((status == IoStatus::Reset || status == IoStatus::Closed));
  CHECK_FALSE(tls->reusable());
}

// --- resumption ----------------------------------------------------------------------------

TEST_CASE("tls resumes the last session on reconnect", "[net][tls]") {
  const int version = GENERATE(TLS1_2_VERSION, TLS1_3_VERSION);
  TlsServer server({.maxVersion = version, .connections = 3}, pingPong);
  auto ctx = context(trusting(pki().ca));
  for (int i = 0; i < 3; ++i) {
    auto tls = connected(*ctx, server.address());
    CHECK(tls->sessionReused() == (i > 0));
    expectPingPong(*tls);  // under TLS 1.3 the ticket arrives with the first read
    tls->close();
  }
  CHECK(server.seen().reused == std::vector<bool>{false, true, true});
}

TEST_CASE("tls sessions are per context", "[net][tls]") {
  TlsServer server({.connections = 2}, pingPong);
  auto first = context(trusting(pki().ca));
  auto second = context(trusting(pki().ca));
  auto a = connected(*first, server.address());
  expectPingPong(*a);
  a->close();
  auto b = connected(*second, server.address());
  CHECK_FALSE(b->sessionReused());
  expectPingPong(*b);
}
