#pragma once
// Exception barriers: every function httpd calls is noexcept and runs its body inside one
// of these, so no C++ exception ever unwinds through httpd's C frames.
#include <exception>
#include <utility>

#include "core/message_ids.h"
#include "httpd/httpd_includes.h"

namespace cxxb::httpd {

template <class Fn>
int guardRequest(request_rec* r, const char* where, Fn&& fn) noexcept {
  try {
    return std::forward<Fn>(fn)();
  } catch (const std::exception& e) {
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "%s: %s failed: %s", msg::kRequestHookFailed, where,
                  e.what());
  } catch (...) {
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "%s: %s failed: unknown exception",
                  msg::kRequestHookUnknownException, where);
  }
  return HTTP_INTERNAL_SERVER_ERROR;
}

/** For directive handlers: returns the handler's error string, or one built from the
 *  exception in cmd->pool. */
template <class Fn>
const char* guardConfig(cmd_parms* cmd, Fn&& fn) noexcept {
  try {
    return std::forward<Fn>(fn)();
  } catch (const std::exception& e) {
    return apr_pstrcat(cmd->pool, cmd->cmd ? cmd->cmd->name : "directive", ": ", e.what(), nullptr);
  } catch (...) {
    return "unexpected error while parsing configuration";
  }
}

/** For post_config, check_config and child_init: failures stop the server. */
template <class Fn>
int guardServer(server_rec* s, const char* where, Fn&& fn) noexcept {
  try {
    return std::forward<Fn>(fn)();
  } catch (const std::exception& e) {
    ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "%s: %s failed: %s", msg::kServerHookFailed, where,
                 e.what());
  } catch (...) {
    ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "%s: %s failed: unknown exception",
                 msg::kServerHookUnknownException, where);
  }
  return HTTP_INTERNAL_SERVER_ERROR;
}

/** For void callbacks (child_init, cleanups). */
template <class Fn>
void guardVoid(server_rec* s, const char* where, Fn&& fn) noexcept {
  try {
    std::forward<Fn>(fn)();
  } catch (const std::exception& e) {
    ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "%s: %s failed: %s", msg::kCallbackFailed, where,
                 e.what());
  } catch (...) {
    ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "%s: %s failed: unknown exception",
                 msg::kCallbackUnknownException, where);
  }
}

}  // namespace cxxb::httpd
