// The module record and hook registration. This file's name is the module's name
// (httpd takes it from __FILE__), so it stays mod_cxxbalancer.cpp.
#include "config/inert_keys.h"
#include "core/message_ids.h"
#include "core/version.h"
#include "httpd/directives.h"
#include "httpd/guard.h"
#include "httpd/httpd_includes.h"
#include "httpd/manager_handler.h"
#include "httpd/proxy_glue.h"
#include "httpd/rewrite_map.h"
#include "httpd/server_state.h"
#include "httpd/shared_segment.h"

namespace cxxb::httpd {
namespace {

/** Names every key of the configuration that is accepted but does not act yet;
 *  `toConsole`: plain lines on stderr, as `apachectl -t` prints its findings. */
void warnOfKeysNotActingYet(server_rec* s, const ConfigGeneration& generation, bool toConsole) {
  for (const auto& balancer : generation.balancers) {
    for (const auto& key : config::keysNotActingYet(balancer)) {
      ap_log_error(APLOG_MARK, APLOG_WARNING | (toConsole ? APLOG_STARTUP : 0), 0, s, "%s: %s",
                   msg::kKeyNotActingYet, config::describe(key).c_str());
    }
  }
}

/**
 * Starts a new configuration generation before the directives of this read run, and
 * registers the shared-memory mutex type: httpd accepts `Mutex ... cxxbalancer-shm` only
 * for types registered in pre_config.
 */
int onPreConfig(apr_pool_t* pconf, apr_pool_t*, apr_pool_t*) noexcept {
  try {
    newConfigGeneration(pconf);
    // Before the directives run: RewriteMap checks int: names when it is parsed.
    registerHealthRewriteMap();
    if (registerShmMutex(pconf) != APR_SUCCESS) {
      return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
  } catch (...) {
    return HTTP_INTERNAL_SERVER_ERROR;
  }
}

/**
 * After all directives, also under `apachectl -t`: ProxyPass targets must exist, and every
 * member must fit its shared-memory record (a start must not fail on what -t accepted).
 */
int onCheckConfig(apr_pool_t*, apr_pool_t*, apr_pool_t* ptemp, server_rec* s) noexcept {
  return guardServer(s, "check_config", [&] {
    if (ConfigGeneration* generation = configGeneration()) {
      if (auto fits = shm::MemberTable::checkFits(generation->balancers); !fits) {
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, s, "%s: %s",
                     msg::kShmRecordTooSmall, fits.error().c_str());
        return HTTP_INTERNAL_SERVER_ERROR;
      }
    }
    // A start warns in post_config; `apachectl -t` stops before it, so it warns here.
    if (ConfigGeneration* generation = configGeneration();
        generation != nullptr && ap_state_query(AP_SQ_RUN_MODE) == AP_SQ_RM_CONFIG_TEST) {
      warnOfKeysNotActingYet(s, *generation, true);
    }
    const int targets = checkProxyPassTargets(s, ptemp);
    const int tls = checkTlsFiles(s);
    return targets != OK ? targets : tls;
  });
}

/**
 * Adds mod_cxxbalancer/VERSION to the server's version string (the Server header under
 * `ServerTokens Full`). Builds the live balancers and their shared memory once per
 * generation, before the children fork. Skipped in the first of httpd's two start-up
 * passes (only configuration checking happens there, and the process may still detach); a
 * graceful restart runs only the real pass, which carries member state over from the
 * previous segment.
 */
int onPostConfig(apr_pool_t* pconf, apr_pool_t*, apr_pool_t*, server_rec* s) noexcept {
  return guardServer(s, "post_config", [&] {
    // In both passes: httpd forgets version components with each configuration read.
    const std::string_view token = productToken();
    ap_add_version_component(pconf, apr_pstrmemdup(pconf, token.data(), token.size()));
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
      return OK;
    }
    ConfigGeneration* generation = configGeneration();
    if (generation == nullptr) {
      return OK;
    }
    warnOfKeysNotActingYet(s, *generation, false);
    ServerState& state = newServerState(pconf, s, *generation);
    // TLS contexts before the children fork, while still root: keys readable by root only
    // load (as with mod_ssl), and each child inherits its own copy (and session cache).
    int status = OK;
    for (const auto& error : state.registry.initTls()) {
      ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, s, "%s: %s", msg::kTlsContextFailed,
                   error.c_str());
      status = HTTP_INTERNAL_SERVER_ERROR;
    }
    return status;
  });
}

/** Each child re-opens the shared-memory lock; connection pools are per child: size them to
 *  the child's threads. */
void onChildInit(apr_pool_t* pchild, server_rec* s) noexcept {
  guardVoid(s, "child_init", [&] {
    ServerState* state = serverState();
    if (state == nullptr) {
      return;
    }
    state->segment->childInit(pchild, s);
    int threads = 1;
    if (ap_mpm_query(AP_MPMQ_MAX_THREADS, &threads) != APR_SUCCESS || threads < 1) {
      threads = 1;
    }
    state->registry.initChild(uint32_t(threads), SystemClock::instance());
  });
}

void registerHooks(apr_pool_t*) noexcept {
  static const char* const kAfterProxy[] = {"mod_proxy.c", nullptr};
  ap_hook_pre_config(onPreConfig, nullptr, nullptr, APR_HOOK_MIDDLE);
  ap_hook_check_config(onCheckConfig, kAfterProxy, nullptr, APR_HOOK_MIDDLE);
  ap_hook_post_config(onPostConfig, kAfterProxy, nullptr, APR_HOOK_MIDDLE);
  ap_hook_child_init(onChildInit, nullptr, nullptr, APR_HOOK_MIDDLE);
  // FIRST, so mod_proxy_http never sees our URLs; we decline everything else at once.
  proxy_hook_canon_handler(onCanon, nullptr, nullptr, APR_HOOK_FIRST);
  proxy_hook_scheme_handler(onSchemeHandler, nullptr, nullptr, APR_HOOK_FIRST);
  // FIRST: a location with `SetHandler cxxbalancer-manager` is ours alone; every other
  // request is declined after one string comparison.
  ap_hook_handler(onManagerHandler, nullptr, nullptr, APR_HOOK_FIRST);
}

}  // namespace
}  // namespace cxxb::httpd

extern "C" {
__attribute__((visibility("default"))) module AP_MODULE_DECLARE_DATA cxxbalancer_module = {
    STANDARD20_MODULE_STUFF,
    nullptr,  // create per-dir config
    nullptr,  // merge per-dir config
    nullptr,  // create per-server config
    nullptr,  // merge per-server config
    cxxb::httpd::kDirectives,
    cxxb::httpd::registerHooks,
    AP_MODULE_FLAG_NONE,
};
}
