#pragma once
// TLS to https members, with OpenSSL, over an established TcpTransport.
//
// One TlsClientContext per https member holds the SSL_CTX (trust store, client
// certificate, the name to check, the last session for resumption). It is built once per
// configuration generation and used by every request thread of a child; each TlsTransport
// is one connection, used by one thread at a time like the TcpTransport below it.
//
// mod_ssl shares the OpenSSL library in the same process: nothing here touches global
// OpenSSL state (no OPENSSL_cleanup, no global options); everything lives in our SSL_CTX.
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "config/balancer_config.h"
#include "core/result.h"
#include "net/tcp_transport.h"
#include "net/transport.h"

// OpenSSL's types, declared as <openssl/types.h> does, so users of this header do not pull
// in the OpenSSL headers (and their macros) with it.
struct ssl_ctx_st;
struct ssl_st;
struct ssl_session_st;
struct bio_method_st;
struct x509_st;

namespace cxxb::net {

/** What a member's `ssl*` keys ask for (DESIGN.md §2, member keys). */
struct TlsSettings {
  bool verify = true;    ///< sslverify: check the chain and the name
  std::string caFile;    ///< sslca: PEM bundle to trust; "" for the system's CAs
  std::string certFile;  ///< sslcert: client certificate chain (PEM); may hold the key too
  std::string keyFile;   ///< sslkey: its private key (PEM, unencrypted); "" for certFile
  /** The name the certificate must match (a DNS name, or an IP literal which is matched
   *  against the certificate's IP addresses), also sent as SNI unless it is an IP literal. */
  std::string serverName;

  /** The settings of an https member: serverName is sslsni when set, else the URL's host. */
  static TlsSettings forMember(const config::MemberConfig& member);
};

class TlsTransport;

/**
 * The client side of TLS for one member: TLS 1.2 or newer, ALPN "http/1.1", the peer
 * verified against the trust store and the name when `verify` is on, SNI for DNS names, an
 * optional client certificate, and resumption of the last session so that reconnects from
 * the pool are cheap.
 *
 * Thread-safe: handshake() may run on many threads at once. Every TlsTransport it made
 * must be destroyed before the context.
 */
class TlsClientContext {
 public:
  /**
   * Builds the context; reads the CA, certificate and key files now.
   * @return the context, or an error naming the key and file at fault, e.g.
   *         "sslca /etc/x.pem: No such file or directory"
   */
  static Result<std::unique_ptr<TlsClientContext>> create(TlsSettings settings);
  ~TlsClientContext();
  TlsClientContext(const TlsClientContext&) = delete;
  TlsClientContext& operator=(const TlsClientContext&) = delete;

  /**
   * Runs the handshake over a connected TCP transport within `timeout`.
   * @return the TLS transport, or an error such as "TLS handshake with 127.0.0.1:8443
   *         failed: certificate verify failed: certificate has expired"
   */
  Result<std::unique_ptr<TlsTransport>> handshake(std::unique_ptr<TcpTransport> tcp,
                                                  Millis timeout);
  /** handshake() for what connectAny() returns (a TcpTransport behind the interface). */
  Result<TransportPtr> secure(TransportPtr tcp, Millis timeout);

  const TlsSettings& settings() const noexcept { return settings_; }

 private:
  explicit TlsClientContext(TlsSettings settings);
  /** OpenSSL's new-session callback: keeps the newest session of this member. */
  static int onNewSession(ssl_st* ssl, ssl_session_st* session);
  /** A reference to the last session, or null; the caller frees it. */
  ssl_session_st* takeSessionRef();

  TlsSettings settings_;
  ssl_ctx_st* ctx_ = nullptr;
  bio_method_st* bioMethod_ = nullptr;  ///< socket BIO that never raises SIGPIPE
  bool nameIsIp_ = false;
  std::mutex sessionMutex_;
  ssl_session_st* lastSession_ = nullptr;  ///< guarded by sessionMutex_; one reference
};

/**
 * One TLS connection to a member. Same contract as TcpTransport: non-blocking underneath,
 * poll() against the timeouts, no SIGPIPE. OpenSSL's WANT_READ / WANT_WRITE are waited for
 * whichever operation asked, so a renegotiation or a key update in the middle of a write is
 * handled. A peer that closes without close_notify reads as Closed (as mod_ssl does).
 */
class TlsTransport final : public Transport {
 public:
  ~TlsTransport() override;
  TlsTransport(const TlsTransport&) = delete;
  TlsTransport& operator=(const TlsTransport&) = delete;

  IoResult read(std::span<char> buffer, Millis timeout) override;
  IoResult writeAll(std::string_view data, Millis timeout) override;
  /** False once the peer sent close_notify, EOF or anything unsolicited (also data OpenSSL
   *  has already decrypted); session tickets and other handshake records are consumed. */
  bool reusable() noexcept override;
  /** Sends close_notify (best effort, never waits), then closes the socket. */
  void close() noexcept override;
  const std::string& peer() const noexcept override { return tcp_->peer(); }

  /** The socket, or -1 after close(). */
  int fd() const noexcept { return tcp_->fd(); }
  /** Whether the handshake resumed an earlier session (no certificate exchange). */
  bool sessionReused() const noexcept;
  /** "TLSv1.3", "TLSv1.2", ... */
  std::string protocol() const;
  /** The protocol ALPN agreed on ("" when the server ignored ALPN). */
  std::string alpn() const;

  /** Called by the verify callback: the first certificate the chain check rejected.
   *  Internal. */
  void noteRejectedCertificate(int depth, x509_st* cert);

  /** Where the custom BIO keeps its descriptor and the last errno. Internal. */
  struct SocketState {
    int fd = -1;
    int lastErrno = 0;
  };

 private:
  friend class TlsClientContext;
  TlsTransport(std::unique_ptr<TcpTransport> tcp, ssl_st* ssl) noexcept;
  /** Drives SSL_connect until done, failed or `timeout`. @return "" or the failure */
  std::string connect(Millis timeout, bool verify, const std::string& serverName);

  std::unique_ptr<TcpTransport> tcp_;
  ssl_st* ssl_;
  SocketState socket_;
  std::string rejected_;      ///< "depth N: subject ..., issuer ..." of a rejected certificate
  bool established_ = false;  ///< handshake completed
  bool peerClosed_ = false;   ///< close_notify (or EOF) received
  bool broken_ = false;       ///< a fatal error: no close_notify may be sent any more
};

}  // namespace cxxb::net
