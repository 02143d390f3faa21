// The mod_proxy side of the module: canonicalisation and the scheme handler. Both decline
// at once for URLs that are not cxxbalancer://, as every mod_proxy_* scheme module does.
#include "httpd/proxy_glue.h"

#include <array>
#include <string>

#include "config/balancer_url.h"
#include "core/message_ids.h"
#include "core/string_util.h"
#include "http/path_rules.h"
#include "httpd/guard.h"
#include "httpd/server_state.h"
#include "proxy/forwarder.h"
#include "proxy/response_policy.h"

namespace cxxb::httpd {
namespace {

/** "cxxbalancer:", the part of the URL that ap_proxy_canon_netloc does not want. */
constexpr size_t kSchemeColonLen = config::kBalancerScheme.size() - 2;
constexpr size_t kReadBufferSize = 64 * 1024;  // member reads, and what is passed on at once
constexpr size_t kBodyBufferSize = 64 * 1024;  // client body reads

bool isOurs(const char* url) noexcept { return url != nullptr && config::isBalancerUrl(url); }

int toApLevel(LogLevel level) {
  switch (level) {
    case LogLevel::Debug:
      return APLOG_DEBUG;
    case LogLevel::Info:
      return APLOG_INFO;
    case LogLevel::Notice:
      return APLOG_NOTICE;
    case LogLevel::Warn:
      return APLOG_WARNING;
    case LogLevel::Error:
      return APLOG_ERR;
  }
  return APLOG_ERR;
}

class RequestLogger final : public Logger {
 public:
  explicit RequestLogger(request_rec* r) : r_(r) {}
  void log(LogLevel level, std::string_view id, std::string_view message) override {
    ap_log_rerror(APLOG_MARK, toApLevel(level), 0, r_, "%.*s: %.*s", int(id.size()), id.data(),
                  int(message.size()), message.data());
  }

 private:
  request_rec* r_;
};

/** The client's request body, read through httpd's input filters (which de-chunk it and
 *  enforce LimitRequestBody). */
class BrigadeBody final : public net::RequestBody {
 public:
  BrigadeBody(request_rec* r, size_t size) : r_(r), size_(size) {}

  Piece next() override {
    if (done_) {
      return {Status::End, {}};
    }
    if (bb_ == nullptr) {  // allocated on first use: most requests have no body
      buffer_ = static_cast<char*>(apr_palloc(r_->pool, size_));
      bb_ = apr_brigade_create(r_->pool, r_->connection->bucket_alloc);
    }
    apr_brigade_cleanup(bb_);
    apr_status_t rv =
        ap_get_brigade(r_->input_filters, bb_, AP_MODE_READBYTES, APR_BLOCK_READ, apr_off_t(size_));
    if (rv != APR_SUCCESS) {
      ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r_, "CXB02101: reading the request body failed");
      return {Status::Error, {}};
    }
    if (!APR_BRIGADE_EMPTY(bb_) && APR_BUCKET_IS_EOS(APR_BRIGADE_LAST(bb_))) {
      done_ = true;
    }
    apr_size_t length = size_;
    rv = apr_brigade_flatten(bb_, buffer_, &length);
    if (rv != APR_SUCCESS) {
      return {Status::Error, {}};
    }
    if (length == 0) {
      return done_ ? Piece{Status::End, {}} : Piece{Status::Data, {}};
    }
    return {Status::Data, std::string_view(buffer_, length)};
  }

 private:
  request_rec* r_;
  size_t size_;
  char* buffer_ = nullptr;
  apr_bucket_brigade* bb_ = nullptr;
  bool done_ = false;
};

/** Delivers the member's response to the client through the output filters. */
class BrigadeConsumer final : public net::ResponseConsumer {
 public:
  BrigadeConsumer(request_rec* r, proxy_dir_conf* dconf, const net::BalancerRuntime& balancer,
                  std::string frontBase)
      : r_(r),
        dconf_(dconf),
        balancer_(balancer),
        frontBase_(std::move(frontBase)),
        bb_(apr_brigade_create(r->pool, r->connection->bucket_alloc)) {}

  /** Publishes the choice as mod_proxy_balancer does, for LogFormat and mod_headers. */
  void onMemberChosen(const net::MemberChoice& choice) override {
    apr_table_t* env = r_->subprocess_env;
    auto set = [&](const char* name, std::string_view value) {
      apr_table_setn(env, name, apr_pstrmemdup(r_->pool, value.data(), value.size()));
    };
    set("BALANCER_NAME", choice.balancer);
    set("BALANCER_WORKER_NAME", choice.member);
    set("BALANCER_WORKER_ROUTE", choice.memberRoute);
    if (!choice.sessionRoute.empty()) {
      set("BALANCER_SESSION_ROUTE", choice.sessionRoute);
    }
    if (choice.routeChanged) {
      set("BALANCER_ROUTE_CHANGED", "1");
    } else {
      apr_table_unset(env, "BALANCER_ROUTE_CHANGED");
    }
    setCookie_.assign(choice.setCookie);
    sorry_ = choice.sorry;
    retryAfter_ = choice.retryAfter;
  }

  void onHead(http::ResponseHead&& head) override {
    headGiven_ = true;
    proxy::ResponseFacts facts;
    facts.sorry = sorry_;
    facts.retryAfter = retryAfter_;
    facts.setCookie = setCookie_;
    net::BalancerRuntime::MemberBases bases;
    if (proxy::hasLocationHeaders(head)) {  // most heads have none: no snapshot to take
      bases = balancer_.memberBases();
      facts.memberBases = bases.get();
    }
    facts.frontBase = frontBase_;
    proxy::ClientHead out = proxy::clientHeadFor(std::move(head), facts);
    r_->status = out.status;
    if (!out.reason.empty()) {
      r_->status_line = apr_psprintf(r_->pool, "%d %s", out.status, out.reason.c_str());
    }
    for (const auto& header : out.headers) {
      const char* name = apr_pstrmemdup(r_->pool, header.name.data(), header.name.size());
      const char* value = apr_pstrmemdup(r_->pool, header.value.data(), header.value.size());
      switch (header.use) {
        case proxy::HeaderUse::ContentType:
          ap_set_content_type(r_, value);
          continue;
        case proxy::HeaderUse::Location:
          value = ap_proxy_location_reverse_map(r_, dconf_, value);
          break;
        case proxy::HeaderUse::Cookie:
          value = ap_proxy_cookie_reverse_map(r_, dconf_, value);
          break;
        case proxy::HeaderUse::Copy:
          break;
      }
      apr_table_addn(r_->headers_out, name, value);
    }
  }

  void onBody(std::string_view data) override {
    if (failed_) {
      return;
    }
    apr_brigade_write(bb_, nullptr, nullptr, data.data(), data.size());
    pending_ += data.size();
    if (pending_ >= kReadBufferSize) {
      pass();
    }
  }

  void onComplete() override {}

  void flush() override {
    // Before the head nothing may reach the output filters: they would send httpd's
    // default status line instead of the member's.
    if (failed_ || !headGiven_) {
      return;
    }
    APR_BRIGADE_INSERT_TAIL(bb_, apr_bucket_flush_create(r_->connection->bucket_alloc));
    pass();
  }

  bool clientFailed() const override { return failed_; }

  /** Sends what is left and the end of the response. */
  int finish() {
    if (failed_) {
      return OK;
    }
    APR_BRIGADE_INSERT_TAIL(bb_, apr_bucket_eos_create(r_->connection->bucket_alloc));
    pass();
    return OK;
  }

  /** The member broke after the head: make sure the client sees a broken response. */
  void abortClient() {
    apr_brigade_cleanup(bb_);
    ap_proxy_backend_broke(r_, bb_);
    ap_pass_brigade(r_->output_filters, bb_);
    apr_brigade_cleanup(bb_);
  }

 private:
  void pass() {
    apr_status_t rv = ap_pass_brigade(r_->output_filters, bb_);
    apr_brigade_cleanup(bb_);
    pending_ = 0;
    if (rv != APR_SUCCESS || r_->connection->aborted) {
      failed_ = true;
    }
  }

  request_rec* r_;
  proxy_dir_conf* dconf_;
  const net::BalancerRuntime& balancer_;
  std::string frontBase_;
  apr_bucket_brigade* bb_;
  size_t pending_ = 0;
  bool failed_ = false;
  bool headGiven_ = false;
  std::string setCookie_;
  bool sorry_ = false;
  uint32_t retryAfter_ = 0;
};

/**
 * The front URL that corresponds to the balancer's root, derived from the request: the
 * client's path minus the part mod_proxy forwarded. Used to map Location headers that point
 * at any member back to the front without the operator listing members.
 */
std::string frontBaseFor(request_rec* r, std::string_view restPath) {
  std::string_view path = r->parsed_uri.path ? r->parsed_uri.path : "/";
  std::string prefix;
  if (restPath.size() <= path.size() && path.substr(path.size() - restPath.size()) == restPath) {
    prefix = std::string(path.substr(0, path.size() - restPath.size()));
  } else {
    return {};
  }
  prefix += "/";
  return ap_construct_url(r->pool, prefix.c_str(), r);
}

apr_interval_time_t defaultTimeout(request_rec* r, proxy_server_conf* conf) {
  if (conf != nullptr && conf->timeout_set) {
    return conf->timeout;
  }
  return r->server->timeout;
}

int statusFor(proxy::ForwardOutcome outcome) {
  switch (outcome) {
    case proxy::ForwardOutcome::Served:
    case proxy::ForwardOutcome::Sorry:
      return OK;
    case proxy::ForwardOutcome::Unavailable:
      return HTTP_SERVICE_UNAVAILABLE;
    case proxy::ForwardOutcome::Timeout:
      return HTTP_GATEWAY_TIME_OUT;
    case proxy::ForwardOutcome::BadGateway:
      return HTTP_BAD_GATEWAY;
    case proxy::ForwardOutcome::ClientFailed:
      return HTTP_BAD_REQUEST;
  }
  return HTTP_INTERNAL_SERVER_ERROR;
}

const char* sslVar(request_rec* r, const char* name) {
  return ap_ssl_var_lookup(r->pool, r->server, r->connection, r, name);
}

/** What AJP members (and logs) get to know about the client's connection. */
proxy::ClientInfo clientInfoOf(request_rec* r) {
  proxy::ClientInfo info;
  conn_rec* c = r->connection;
  info.protocol = r->protocol ? r->protocol : "HTTP/1.1";
  info.remoteAddr = r->useragent_ip ? r->useragent_ip : "";
  info.remotePort = r->useragent_addr ? r->useragent_addr->port : 0;
  info.localAddr = c->local_ip ? c->local_ip : "";
  info.localPort = c->local_addr ? c->local_addr->port : 0;
  info.serverName = ap_get_server_name_for_url(r);
  info.serverPort = uint16_t(ap_get_server_port(r));
  info.remoteUser = r->user ? r->user : "";
  info.authType = r->ap_auth_type ? r->ap_auth_type : "";
  info.tls = ap_ssl_conn_is_ssl(c) != 0;
  if (info.tls) {
    auto text = [&](const char* name) {
      const char* value = sslVar(r, name);
      return std::string(value ? value : "");
    };
    info.tlsProtocol = text("SSL_PROTOCOL");
    info.tlsCipher = text("SSL_CIPHER");
    info.tlsSessionId = text("SSL_SESSION_ID");
    info.tlsClientCert = text("SSL_CLIENT_CERT");
    if (auto bits = parseDecimal<int>(text("SSL_CIPHER_USEKEYSIZE"))) {
      info.tlsKeySize = *bits;
    }
  }
  return info;
}

int forwardRequest(request_rec* r, proxy_server_conf* conf, const char* url) {
  ServerState* state = serverState();
  auto parsed = config::parseBalancerUrl(url);
  if (!parsed) {
    return HTTP_INTERNAL_SERVER_ERROR;
  }
  std::string name(parsed->name);
  std::string rest = parsed->path.empty() ? "/" : std::string(parsed->path);
  rest.append(parsed->query);
  net::BalancerRuntime* balancer = state ? state->registry.find(name) : nullptr;
  if (balancer == nullptr) {
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                  "CXB00301: no <CxxBalancer %s> is declared (request for %s)", name.c_str(), url);
    return HTTP_INTERNAL_SERVER_ERROR;
  }

  auto* dconf =
      static_cast<proxy_dir_conf*>(ap_get_module_config(r->per_dir_config, &proxy_module));
  proxy::ForwardRequest request;
  request.method = r->method;
  request.rest = rest;
  request.idempotent = proxy::isIdempotentMethod(request.method);
  request.defaultTimeout =
      std::chrono::duration_cast<Millis>(std::chrono::microseconds(defaultTimeout(r, conf)));
  const apr_array_header_t* elts = apr_table_elts(r->headers_in);
  const auto* entries = reinterpret_cast<const apr_table_entry_t*>(elts->elts);
  request.clientHeaders.reserve(size_t(elts->nelts));
  for (int i = 0; i < elts->nelts; ++i) {
    if (entries[i].key != nullptr) {
      request.clientHeaders.push_back({entries[i].key, entries[i].val ? entries[i].val : ""});
    }
  }
  request.client = clientInfoOf(r);
  auto& context = request.context;
  context.clientIp = r->useragent_ip ? r->useragent_ip : "";
  const char* host = apr_table_get(r->headers_in, "Host");
  context.clientHost = host ? host : "";
  context.serverName = r->server->server_hostname ? r->server->server_hostname : "";
  context.preserveHost = dconf != nullptr && dconf->preserve_host;
  context.addForwardedHeaders = dconf == nullptr || dconf->add_forwarded_headers;

  BrigadeBody body(r, kBodyBufferSize);
  const char* transferEncoding = apr_table_get(r->headers_in, "Transfer-Encoding");
  const char* contentLength = apr_table_get(r->headers_in, "Content-Length");
  if (transferEncoding != nullptr) {
    context.chunkedBody = true;  // httpd's input filter accepts only chunked here
    request.body = &body;
  } else if (contentLength != nullptr) {
    auto length = parseDecimal<uint64_t>(contentLength);
    if (!length) {
      return HTTP_BAD_REQUEST;
    }
    context.contentLength = *length;
    if (*length > 0) {
      request.body = &body;
    }
  }

  std::string restPath = rest.substr(0, rest.find('?'));
  BrigadeConsumer consumer(r, dconf, *balancer, frontBaseFor(r, restPath));
  RequestLogger logger(r);
  proxy::Forwarder forwarder(SystemClock::instance(), logger, proxy::Connector::system());
  char* readBuffer = static_cast<char*>(apr_palloc(r->pool, kReadBufferSize));
  proxy::ForwardResult result =
      forwarder.forward(*balancer, request, consumer, std::span<char>(readBuffer, kReadBufferSize));
  if (result.outcome == proxy::ForwardOutcome::Served ||
      result.outcome == proxy::ForwardOutcome::Sorry) {
    return consumer.finish();
  }
  if (result.headDelivered) {
    if (result.outcome != proxy::ForwardOutcome::ClientFailed) {
      consumer.abortClient();
    }
    return OK;
  }
  if (result.outcome == proxy::ForwardOutcome::ClientFailed && r->connection->aborted) {
    return DONE;
  }
  const std::string& sorry = balancer->config().sorry;
  if (result.outcome == proxy::ForwardOutcome::Unavailable &&
      config::sorryKindOf(sorry) == config::SorryKind::LocalPath) {
    // A local maintenance page, served like an ErrorDocument: status 503, URL unchanged.
    apr_table_setn(
        r->err_headers_out, "Retry-After",
        apr_psprintf(r->pool, "%u", balancer->retryAfterSeconds(SystemClock::instance().now())));
    ap_custom_response(r, HTTP_SERVICE_UNAVAILABLE, apr_pstrdup(r->pool, sorry.c_str()));
  }
  return statusFor(result.outcome);
}

}  // namespace

int onCanon(request_rec* r, char* url) noexcept {
  if (!isOurs(url)) {
    return DECLINED;
  }
  return guardRequest(r, "canon", [&]() -> int {
    char* rest = url + kSchemeColonLen;
    char* host = nullptr;
    apr_port_t port = 0;
    if (const char* err = ap_proxy_canon_netloc(r->pool, &rest, nullptr, nullptr, &host, &port)) {
      ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "CXB00302: error parsing URL %s: %s", url, err);
      return HTTP_BAD_REQUEST;
    }
    const char* path = rest;
    const char* search = nullptr;
    if (apr_table_get(r->notes, "proxy-nocanon") != nullptr) {
      // the raw path, as the client sent it
    } else if (apr_table_get(r->notes, "proxy-noencode") != nullptr) {
      search = r->args;
    } else {
      auto* core = static_cast<core_dir_config*>(ap_get_core_module_config(r->per_dir_config));
      int flags = core->allow_encoded_slashes && !core->decode_encoded_slashes
                      ? PROXY_CANONENC_NOENCODEDSLASHENCODING
                      : 0;
      path = ap_proxy_canonenc_ex(r->pool, rest, int(strlen(rest)), enc_path, flags, r->proxyreq);
      if (path == nullptr) {
        return HTTP_BAD_REQUEST;
      }
      search = r->args;
    }
    if (http::hasDotSegmentWithParameters(path)) {
      ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                    "%s: the path to forward has a dot segment with parameters, which members "
                    "such as Tomcat resolve past httpd's rules: %s",
                    msg::kPathHasDotSegmentWithParameters, ap_escape_logitem(r->pool, path));
      return HTTP_BAD_REQUEST;
    }
    if (path == rest && *ap_scan_vchar_obstext(path)) {
      ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                    "CXB00303: the path to forward contains control characters or spaces");
      return HTTP_FORBIDDEN;
    }
    if (search != nullptr && *ap_scan_vchar_obstext(search)) {
      ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                    "CXB00304: the query string to forward contains control characters or spaces");
      return HTTP_FORBIDDEN;
    }
    const std::string scheme = "proxy:" + std::string(config::kBalancerScheme);
    r->filename = apr_pstrcat(r->pool, scheme.c_str(), host, "/", path, search ? "?" : "",
                              search ? search : "", nullptr);
    return OK;
  });
}

int onSchemeHandler(request_rec* r, proxy_worker*, proxy_server_conf* conf, char* url, const char*,
                    apr_port_t) noexcept {
  if (!isOurs(url)) {
    return DECLINED;  // like every mod_proxy_* handler: not ours, no work
  }
  return guardRequest(r, "scheme_handler", [&] { return forwardRequest(r, conf, url); });
}

}  // namespace cxxb::httpd
