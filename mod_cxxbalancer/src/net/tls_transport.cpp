// TLS over our own non-blocking sockets. OpenSSL runs non-blocking: every WANT_READ or
// WANT_WRITE becomes a poll() against the caller's deadline, so a TLS connection has exactly
// the timeout semantics of TcpTransport. A small BIO of our own does the socket I/O with
// send(MSG_NOSIGNAL): OpenSSL's socket BIO uses write(), which raises SIGPIPE on a closed
// connection, and unit tests (unlike httpd) do not ignore that signal.
#include "net/tls_transport.h"
#include "net/poll_wait.h"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
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

/** The oldest error on this thread's OpenSSL queue (the cause; later ones are the callers
 *  reporting it), as text; the queue is emptied. */
std::string openSslError(const char* fallback = "unknown OpenSSL error") {
  unsigned long first = 0;
  while (unsigned long code = ERR_get_error()) {
    if (first == 0) {
      first = code;
    }
  }
  if (first == 0) {
    return fallback;
  }
  if (const char* reason = ERR_reason_error_string(first)) {
    return reason;
  }
  char buffer[256];
  ERR_error_string_n(first, buffer, sizeof buffer);
  return buffer;
}

bool isIpLiteral(const std::string& name) {
  unsigned char buffer[sizeof(in6_addr)];
  return ::inet_pton(AF_INET, name.c_str(), buffer) == 1 ||
         ::inet_pton(AF_INET6, name.c_str(), buffer) == 1;
}

/** "" when `path` names a readable regular file, else why not. Checked before OpenSSL
 *  reads it: OpenSSL's own message for a missing file is far less clear. */
std::string fileProblem(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    return errorText(errno);
  }
  if (!S_ISREG(st.st_mode)) {
    return "not a regular file";
  }
  if (::access(path.c_str(), R_OK) != 0) {
    return errorText(errno);
  }
  return {};
}

/** Notes the first certificate the chain check rejects, for the handshake's error message.
 *  The verdict stays OpenSSL's. */
int onVerify(int ok, X509_STORE_CTX* store) {
  if (ok == 1) {
    return ok;
  }
  auto* ssl =
      static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  auto* tls = ssl != nullptr ? static_cast<TlsTransport*>(SSL_get_app_data(ssl)) : nullptr;
  if (tls != nullptr) {
    tls->noteRejectedCertificate(X509_STORE_CTX_get_error_depth(store),
                                 X509_STORE_CTX_get_current_cert(store));
  }
  return ok;
}

/** An encrypted key would make OpenSSL prompt on the terminal; refuse it instead. */
int noPassword(char*, int, int, void*) { return -1; }

std::string nameText(X509_NAME* name) {
  if (name == nullptr) {
    return "?";
  }
  BIO* out = BIO_new(BIO_s_mem());
  if (out == nullptr) {
    return "?";
  }
  X509_NAME_print_ex(out, name, 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  const long length = BIO_get_mem_data(out, &data);
  std::string text = length > 0 ? std::string(data, size_t(length)) : std::string("?");
  BIO_free(out);
  return text;
}

// --- the socket BIO ---------------------------------------------------------------------

using SocketState = TlsTransport::SocketState;

SocketState& stateOf(BIO* bio) { return *static_cast<SocketState*>(BIO_get_data(bio)); }

int bioWrite(BIO* bio, const char* data, size_t length, size_t* written) {
  BIO_clear_retry_flags(bio);
  SocketState& state = stateOf(bio);
  for (;;) {
    const ssize_t n = ::send(state.fd, data, length, MSG_NOSIGNAL);
    if (n >= 0) {
      *written = size_t(n);
      return 1;
    }
    if (errno == EINTR) {
      continue;
    }
    state.lastErrno = errno;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      BIO_set_retry_write(bio);
    }
    return 0;
  }
}

int bioRead(BIO* bio, char* data, size_t length, size_t* readBytes) {
  BIO_clear_retry_flags(bio);
  SocketState& state = stateOf(bio);
  for (;;) {
    const ssize_t n = ::recv(state.fd, data, length, 0);
    if (n > 0) {
      *readBytes = size_t(n);
      return 1;
    }
    if (n == 0) {
      state.lastErrno = 0;
      // OpenSSL asks BIO_eof() to tell a clean EOF from a failure.
      BIO_set_flags(bio, BIO_FLAGS_IN_EOF);
      return 0;
    }
    if (errno == EINTR) {
      continue;
    }
    state.lastErrno = errno;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      BIO_set_retry_read(bio);
    }
    return 0;
  }
}

long bioCtrl(BIO* bio, int command, long, void*) {
  switch (command) {
    case BIO_CTRL_FLUSH:  // every write goes straight to the socket
      return 1;
    case BIO_CTRL_EOF:
      return BIO_test_flags(bio, BIO_FLAGS_IN_EOF) != 0 ? 1 : 0;
    default:
      return 0;
  }
}

int bioCreate(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

int bioDestroy(BIO*) { return 1; }  // the descriptor belongs to the TcpTransport

constexpr unsigned char kAlpnHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};

}  // namespace

// --- TlsSettings ------------------------------------------------------------------------

TlsSettings TlsSettings::forMember(const config::MemberConfig& member) {
  TlsSettings settings;
  settings.verify = member.sslVerify;
  settings.caFile = member.sslCa;
  settings.certFile = member.sslCert;
  settings.keyFile = member.sslKey;
  settings.serverName = member.sslSni.value_or(member.url.host);
  return settings;
}

// --- TlsClientContext -------------------------------------------------------------------

TlsClientContext::TlsClientContext(TlsSettings settings) : settings_(std::move(settings)) {}

TlsClientContext::~TlsClientContext() {
  if (lastSession_ != nullptr) {
    SSL_SESSION_free(lastSession_);
  }
  if (ctx_ != nullptr) {
    SSL_CTX_free(ctx_);
  }
  if (bioMethod_ != nullptr) {
    BIO_meth_free(bioMethod_);
  }
}

Result<std::unique_ptr<TlsClientContext>> TlsClientContext::create(TlsSettings settings) {
  std::unique_ptr<TlsClientContext> self(new TlsClientContext(std::move(settings)));
  const TlsSettings& s = self->settings_;
  ERR_clear_error();

  // One BIO_METHOD per context (not per process): nothing global to leak across DSO reloads.
  // A fixed type: BIO_get_new_index() hands out a process-wide number that runs out.
  self->bioMethod_ = BIO_meth_new(BIO_TYPE_SOURCE_SINK, "cxxb socket");
  if (self->bioMethod_ == nullptr || BIO_meth_set_write_ex(self->bioMethod_, bioWrite) != 1 ||
      BIO_meth_set_read_ex(self->bioMethod_, bioRead) != 1 ||
      BIO_meth_set_ctrl(self->bioMethod_, bioCtrl) != 1 ||
      BIO_meth_set_create(self->bioMethod_, bioCreate) != 1 ||
      BIO_meth_set_destroy(self->bioMethod_, bioDestroy) != 1) {
    return unexpected("TLS: cannot set up the socket BIO: " + openSslError());
  }

  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) {
    return unexpected("TLS: cannot create a context: " + openSslError());
  }
  self->ctx_ = ctx;
  SSL_CTX_set_app_data(ctx, self.get());
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
    return unexpected("TLS: cannot require TLS 1.2: " + openSslError());
  }
  // A member that closes without close_notify has closed, as in mod_ssl (httpd 2.4.5x):
  // HTTP framing, not the TLS alert, tells a complete response from a truncated one.
  SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
  // Partial writes let writeAll() count progress record by record; released buffers keep
  // idle pooled connections small.
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                            SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_default_passwd_cb(ctx, noPassword);

  if (s.caFile.empty()) {
    if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
      return unexpected("TLS: the system's CA certificates cannot be loaded: " + openSslError());
    }
  } else {
    if (auto problem = fileProblem(s.caFile); !problem.empty()) {
      return unexpected("sslca " + s.caFile + ": " + problem);
    }
    if (SSL_CTX_load_verify_locations(ctx, s.caFile.c_str(), nullptr) != 1) {
      return unexpected("sslca " + s.caFile + ": " + openSslError() +
                        " (expected PEM certificates)");
    }
  }

  self->nameIsIp_ = isIpLiteral(s.serverName);
  SSL_CTX_set_verify(ctx, s.verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE,
                     s.verify ? onVerify : nullptr);
  if (s.verify && !s.serverName.empty()) {
    // Set once on the context; SSL_new() copies it into every connection.
    X509_VERIFY_PARAM* param = SSL_CTX_get0_param(ctx);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    const int ok = self->nameIsIp_ ? X509_VERIFY_PARAM_set1_ip_asc(param, s.serverName.c_str())
                                   : X509_VERIFY_PARAM_set1_host(param, s.serverName.c_str(), 0);
    if (ok != 1) {
      return unexpected("TLS: cannot check the certificate against '" + s.serverName +
                        "': " + openSslError());
    }
  }

  if (!s.certFile.empty()) {
    if (auto problem = fileProblem(s.certFile); !problem.empty()) {
      return unexpected("sslcert " + s.certFile + ": " + problem);
    }
    if (SSL_CTX_use_certificate_chain_file(ctx, s.certFile.c_str()) != 1) {
      return unexpected("sslcert " + s.certFile + ": " + openSslError() +
                        " (expected a PEM certificate chain)");
    }
    const std::string& keyFile = s.keyFile.empty() ? s.certFile : s.keyFile;
    const char* key = s.keyFile.empty() ? "sslcert" : "sslkey";
    if (auto problem = fileProblem(keyFile); !problem.empty()) {
      return unexpected(std::string(key) + " " + keyFile + ": " + problem);
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, keyFile.c_str(), SSL_FILETYPE_PEM) != 1) {
      const unsigned long e = ERR_peek_error();
      const bool mismatch =
          ERR_GET_LIB(e) == ERR_LIB_X509 && ERR_GET_REASON(e) == X509_R_KEY_VALUES_MISMATCH;
      if (s.keyFile.empty() && !mismatch) {
        ERR_clear_error();
        return unexpected("sslcert " + s.certFile +
                          ": no usable private key in it (give the key with sslkey=FILE)");
      }
      return unexpected(std::string(key) + " " + keyFile + ": " + openSslError() +
                        (mismatch ? " (the key does not belong to sslcert " + s.certFile + ")"
                                  : std::string(" (expected an unencrypted PEM private key)")));
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
      return unexpected(std::string(key) + " " + keyFile + ": " + openSslError() +
                        " (the key does not belong to sslcert " + s.certFile + ")");
    }
  } else if (!s.keyFile.empty()) {
    return unexpected("sslkey " + s.keyFile + " needs sslcert (the client certificate)");
  }

  if (SSL_CTX_set_alpn_protos(ctx, kAlpnHttp11, sizeof kAlpnHttp11) != 0) {  // 0 is success
    return unexpected("TLS: cannot offer ALPN http/1.1: " + openSslError());
  }
  // Sessions are kept by onNewSession, one per member: OpenSSL's internal client cache
  // would never be looked up anyway (clients resume with SSL_set_session).
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  SSL_CTX_sess_set_new_cb(ctx, &TlsClientContext::onNewSession);
  ERR_clear_error();
  return self;
}

int TlsClientContext::onNewSession(SSL* ssl, SSL_SESSION* session) {
  auto* self = static_cast<TlsClientContext*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
  if (self == nullptr) {
    return 0;
  }
  SSL_SESSION* old = nullptr;
  {
    std::lock_guard<std::mutex> lock(self->sessionMutex_);
    old = std::exchange(self->lastSession_, session);
  }
  if (old != nullptr) {
    SSL_SESSION_free(old);
  }
  return 1;  // we keep the reference OpenSSL handed us
}

SSL_SESSION* TlsClientContext::takeSessionRef() {
  std::lock_guard<std::mutex> lock(sessionMutex_);
  if (lastSession_ == nullptr || SSL_SESSION_is_resumable(lastSession_) != 1) {
    return nullptr;
  }
  SSL_SESSION_up_ref(lastSession_);
  return lastSession_;
}

Result<std::unique_ptr<TlsTransport>> TlsClientContext::handshake(std::unique_ptr<TcpTransport> tcp,
                                                                  Millis timeout) {
  if (!tcp || tcp->fd() < 0) {
    return unexpected("TLS handshake: no connection");
  }
  const std::string peer = tcp->peer();
  ERR_clear_error();
  SSL* ssl = SSL_new(ctx_);
  if (ssl == nullptr) {
    return unexpected("TLS handshake with " + peer + " failed: " + openSslError());
  }
  std::unique_ptr<TlsTransport> tls(new TlsTransport(std::move(tcp), ssl));
  BIO* bio = BIO_new(bioMethod_);
  if (bio == nullptr) {
    return unexpected("TLS handshake with " + peer + " failed: " + openSslError());
  }
  BIO_set_data(bio, &tls->socket_);
  SSL_set_app_data(ssl, tls.get());  // for onVerify
  SSL_set_bio(ssl, bio, bio);        // one reference for both directions, owned by ssl
  SSL_set_connect_state(ssl);
  // RFC 6066: SNI carries DNS names only, never address literals.
  if (!nameIsIp_ && !settings_.serverName.empty() &&
      SSL_set_tlsext_host_name(ssl, settings_.serverName.c_str()) != 1) {
    return unexpected("TLS handshake with " + peer + ": bad server name '" + settings_.serverName +
                      "': " + openSslError());
  }
  if (SSL_SESSION* session = takeSessionRef()) {
    SSL_set_session(ssl, session);  // takes its own reference
    SSL_SESSION_free(session);
  }
  std::string failure = tls->connect(timeout, settings_.verify, settings_.serverName);
  if (!failure.empty()) {
    return unexpected("TLS handshake with " + peer + " " + failure);
  }
  return tls;
}

Result<TransportPtr> TlsClientContext::secure(TransportPtr tcp, Millis timeout) {
  auto* raw = dynamic_cast<TcpTransport*>(tcp.get());
  if (raw == nullptr) {
    return unexpected("TLS handshake: not a TCP connection");
  }
  tcp.release();
  auto tls = handshake(std::unique_ptr<TcpTransport>(raw), timeout);
  if (!tls) {
    return unexpected(tls.error());
  }
  return TransportPtr(std::move(*tls));
}

// --- TlsTransport -----------------------------------------------------------------------

TlsTransport::TlsTransport(std::unique_ptr<TcpTransport> tcp, SSL* ssl) noexcept
    : tcp_(std::move(tcp)), ssl_(ssl) {
  socket_.fd = tcp_->fd();
}

TlsTransport::~TlsTransport() { close(); }

std::string TlsTransport::connect(Millis timeout, bool verify, const std::string& serverName) {
  const TimePoint deadline = deadlineAfter(timeout);
  for (;;) {
    ERR_clear_error();
    socket_.lastErrno = 0;
    const int rc = SSL_connect(ssl_);
    if (rc == 1) {
      established_ = true;
      return {};
    }
    const int err = SSL_get_error(ssl_, rc);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
      const int ready =
          waitUntil(socket_.fd, err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline);
      if (ready == 0) {
        return "timed out after " + std::to_string(timeout.count()) + " ms";
      }
      if (ready < 0) {
        broken_ = true;
        return "failed: poll: " + errorText(errno);
      }
      continue;
    }
    broken_ = true;
    const long verifyResult = SSL_get_verify_result(ssl_);
    if (verify && verifyResult != X509_V_OK) {
      ERR_clear_error();
      std::string text = std::string("failed: certificate verify failed: ") +
                         X509_verify_cert_error_string(verifyResult);
      if (verifyResult == X509_V_ERR_HOSTNAME_MISMATCH ||
          verifyResult == X509_V_ERR_IP_ADDRESS_MISMATCH) {
        text += " (the certificate is not valid for " + serverName + ")";
      }
      if (!rejected_.empty()) {
        text += " [" + rejected_ + "]";
      }
      return text;
    }
    if (err == SSL_ERROR_SSL) {
      const bool plain = ERR_GET_REASON(ERR_peek_error()) == SSL_R_WRONG_VERSION_NUMBER;
      return "failed: " + openSslError() + (plain ? " (is it a plain HTTP port?)" : "");
    }
    ERR_clear_error();
    if (err == SSL_ERROR_SYSCALL && socket_.lastErrno != 0) {
      return "failed: " + errorText(socket_.lastErrno);
    }
    return "failed: the member closed the connection";
  }
}

IoResult TlsTransport::read(std::span<char> buffer, Millis timeout) {
  if (buffer.empty()) {
    return {};
  }
  if (ssl_ != nullptr && peerClosed_) {
    return {IoStatus::Closed, 0, 0};
  }
  if (ssl_ == nullptr || broken_) {
    return {IoStatus::Error, 0, EBADF};
  }
  std::optional<TimePoint> deadline;  // taken only once there is nothing to read
  for (;;) {
    ERR_clear_error();
    socket_.lastErrno = 0;
    size_t n = 0;
    if (SSL_read_ex(ssl_, buffer.data(), buffer.size(), &n) == 1) {
      return {IoStatus::Ok, n, 0};
    }
    const int err = SSL_get_error(ssl_, 0);
    switch (err) {
      case SSL_ERROR_WANT_READ:
      case SSL_ERROR_WANT_WRITE: {
        if (!deadline) {
          deadline = deadlineAfter(timeout);
        }
        const int ready =
            waitUntil(socket_.fd, err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, *deadline);
        if (ready == 0) {
          return {IoStatus::Timeout, 0, 0};
        }
        if (ready < 0) {
          return {IoStatus::Error, 0, errno};
        }
        continue;
      }
      case SSL_ERROR_ZERO_RETURN:  // close_notify, or EOF (SSL_OP_IGNORE_UNEXPECTED_EOF)
        peerClosed_ = true;
        return {IoStatus::Closed, 0, 0};
      case SSL_ERROR_SYSCALL: {
        ERR_clear_error();
        broken_ = true;
        const int sys = socket_.lastErrno;
        if (sys == 0 || sys == EPIPE) {
          peerClosed_ = true;
          return {IoStatus::Closed, 0, sys};
        }
        return {sys == ECONNRESET ? IoStatus::Reset : IoStatus::Error, 0, sys};
      }
      default:
        ERR_clear_error();
        broken_ = true;
        return {IoStatus::Error, 0, EPROTO};
    }
  }
}

IoResult TlsTransport::writeAll(std::string_view data, Millis timeout) {
  if (ssl_ == nullptr || broken_) {
    return {IoStatus::Error, 0, EBADF};
  }
  size_t written = 0;
  std::optional<TimePoint> deadline;  // per progress step: reset whenever bytes go out
  while (written < data.size()) {
    ERR_clear_error();
    socket_.lastErrno = 0;
    size_t n = 0;
    if (SSL_write_ex(ssl_, data.data() + written, data.size() - written, &n) == 1) {
      written += n;
      deadline.reset();
      continue;
    }
    const int err = SSL_get_error(ssl_, 0);
    switch (err) {
      case SSL_ERROR_WANT_READ:
      case SSL_ERROR_WANT_WRITE: {
        if (!deadline) {
          deadline = deadlineAfter(timeout);
        }
        const int ready =
            waitUntil(socket_.fd, err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, *deadline);
        if (ready == 0) {
          return {IoStatus::Timeout, written, 0};
        }
        if (ready < 0) {
          return {IoStatus::Error, written, errno};
        }
        continue;
      }
      case SSL_ERROR_ZERO_RETURN:
        peerClosed_ = true;
        return {IoStatus::Closed, written, 0};
      case SSL_ERROR_SYSCALL: {
        ERR_clear_error();
        broken_ = true;
        const int sys = socket_.lastErrno;
        if (sys == 0 || sys == EPIPE) {
          return {IoStatus::Closed, written, sys};
        }
        return {sys == ECONNRESET ? IoStatus::Reset : IoStatus::Error, written, sys};
      }
      default:
        ERR_clear_error();
        broken_ = true;
        return {IoStatus::Error, written, EPROTO};
    }
  }
  return {IoStatus::Ok, written, 0};
}

bool TlsTransport::reusable() noexcept {
  if (ssl_ == nullptr || broken_ || peerClosed_ || !established_) {
    return false;
  }
  if (SSL_pending(ssl_) > 0) {
    return false;  // decrypted bytes nobody asked for
  }
  if (SSL_has_pending(ssl_) == 0) {
    pollfd pfd{socket_.fd, POLLIN, 0};
    int rc;
    do {
      rc = ::poll(&pfd, 1, 0);
    } while (rc < 0 && errno == EINTR);
    if (rc == 0) {
      return true;  // quiet: the common case costs one poll()
    }
  }
  // Something arrived: let OpenSSL look without blocking. Session tickets and key updates
  // are consumed and leave the connection usable; close_notify, EOF, errors and any
  // application byte do not.
  for (;;) {
    ERR_clear_error();
    char byte;
    size_t n = 0;
    if (SSL_read_ex(ssl_, &byte, 1, &n) == 1) {
      return false;
    }
    const int err = SSL_get_error(ssl_, 0);
    ERR_clear_error();
    if (err == SSL_ERROR_WANT_READ) {
      return true;
    }
    if (err == SSL_ERROR_ZERO_RETURN) {
      peerClosed_ = true;
    } else {
      broken_ = true;
    }
    return false;
  }
}

void TlsTransport::close() noexcept {
  if (ssl_ != nullptr) {
    if (established_ && !broken_) {
      // One attempt, never waiting: close_notify tells the member the close is deliberate,
      // and marks the session as cleanly ended (so it stays resumable).
      ERR_clear_error();
      SSL_shutdown(ssl_);
    }
    ERR_clear_error();
    SSL_free(ssl_);
    ssl_ = nullptr;
  }
  if (tcp_) {
    tcp_->close();
  }
  socket_.fd = -1;
}

void TlsTransport::noteRejectedCertificate(int depth, X509* cert) {
  if (rejected_.empty() && cert != nullptr) {
    rejected_ = "depth " + std::to_string(depth) + ": subject " +
                nameText(X509_get_subject_name(cert)) + ", issuer " +
                nameText(X509_get_issuer_name(cert));
  }
}

bool TlsTransport::sessionReused() const noexcept {
  return ssl_ != nullptr && SSL_session_reused(ssl_) == 1;
}

std::string TlsTransport::protocol() const { return ssl_ != nullptr ? SSL_get_version(ssl_) : ""; }

std::string TlsTransport::alpn() const {
  if (ssl_ == nullptr) {
    return {};
  }
  const unsigned char* data = nullptr;
  unsigned int length = 0;
  SSL_get0_alpn_selected(ssl_, &data, &length);
  return data != nullptr ? std::string(reinterpret_cast<const char*>(data), length) : std::string();
}

}  // namespace cxxb::net
