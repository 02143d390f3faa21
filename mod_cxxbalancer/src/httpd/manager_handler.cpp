// The manager's httpd side: takes a snapshot of shared memory and sends what a pure
// renderer made of it. No state changes here (later work adds POST actions with nonces).
#include "httpd/manager_handler.h"

#include <cstring>
#include <string>

#include "core/clock.h"
#include "core/message_ids.h"
#include "httpd/guard.h"
#include "httpd/server_state.h"
#include "manager/query.h"
#include "manager/render_html.h"
#include "manager/render_json.h"
#include "manager/snapshot.h"

namespace cxxb::httpd {
namespace {

int serveManager(request_rec* r) {
  r->allowed = (AP_METHOD_BIT << M_GET);
  if (r->method_number != M_GET) {  // HEAD is M_GET with header_only
    return HTTP_METHOD_NOT_ALLOWED;
  }
  auto format = manager::outputFormat(r->args ? r->args : "");
  if (!format) {
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  "%s: manager: unknown format requested (allowed: html, json)",
                  msg::kManagerUnknownFormat);
    return HTTP_BAD_REQUEST;
  }
  ServerState* state = serverState();
  if (state == nullptr || !state->segment) {
    return HTTP_SERVICE_UNAVAILABLE;
  }
  const Clock& clock = SystemClock::instance();
  manager::Snapshot snapshot = manager::takeSnapshot(state->segment->table(), state->balancers,
                                                     clock.wallNowNs(), clock.now());
  std::string body;
  if (*format == manager::OutputFormat::Json) {
    body = manager::renderJson(snapshot);
    body += '\n';
    ap_set_content_type(r, "application/json");
  } else {
    body = manager::renderHtml(snapshot);
    ap_set_content_type(r, "text/html; charset=utf-8");
  }
  apr_table_setn(r->headers_out, "Cache-Control", "no-store");
  apr_table_setn(r->headers_out, "X-Content-Type-Options", "nosniff");
  ap_set_content_length(r, apr_off_t(body.size()));
  if (!r->header_only) {
    ap_rwrite(body.data(), int(body.size()), r);
  }
  return OK;
}

}  // namespace

int onManagerHandler(request_rec* r) noexcept {
  if (r->handler == nullptr || std::strcmp(r->handler, kManagerHandlerName) != 0) {
    return DECLINED;
  }
  return guardRequest(r, "manager", [&] { return serveManager(r); });
}

}  // namespace cxxb::httpd
