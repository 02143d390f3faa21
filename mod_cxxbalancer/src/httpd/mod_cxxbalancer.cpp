// The module record and hook registration. This file's name is the module's name
// (httpd takes it from __FILE__), so it stays mod_cxxbalancer.cpp.
#include "httpd/directives.h"
#include "httpd/guard.h"
#include "httpd/httpd_includes.h"
#include "httpd/proxy_glue.h"
#include "httpd/rewrite_map.h"
#include "httpd/server_state.h"

namespace cxxb::httpd {
namespace {

/** Starts a new configuration generation before the directives of this read run. */
int onPreConfig(apr_pool_t* pconf, apr_pool_t*, apr_pool_t*) noexcept {
  try {
    newConfigGeneration(pconf);
    // Before the directives run: RewriteMap checks int: names when it is parsed.
    registerHealthRewriteMap();
    return OK;
  } catch (...) {
    return HTTP_INTERNAL_SERVER_ERROR;
  }
}

/** After all directives, also under `apachectl -t`: ProxyPass targets must exist. */
int onCheckConfig(apr_pool_t*, apr_pool_t*, apr_pool_t* ptemp, server_rec* s) noexcept {
  return guardServer(s, "check_config", [&] {
    const int targets = checkProxyPassTargets(s, ptemp);
    const int tls = checkTlsFiles(s);
    return targets != OK ? targets : tls;
  });
}

/** Builds the live balancers once per generation, before the children fork. */
int onPostConfig(apr_pool_t* pconf, apr_pool_t*, apr_pool_t*, server_rec* s) noexcept {
  return guardServer(s, "post_config", [&] {
    ConfigGeneration* generation = configGeneration();
    if (generation == nullptr) {
      return OK;
    }
    ServerState& state = newServerState(pconf, *generation);
    // TLS contexts before the children fork, while still root: keys readable by root only
    // load (as with mod_ssl), and each child inherits its own copy (and session cache).
    int status = OK;
    for (const auto& error : state.registry.initTls()) {
      ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_EMERG, 0, s, "CXB00013: %s", error.c_str());
      status = HTTP_INTERNAL_SERVER_ERROR;
    }
    return status;
  });
}

/** Connection pools are per child: size them to the child's threads. */
void onChildInit(apr_pool_t*, server_rec* s) noexcept {
  guardVoid(s, "child_init", [&] {
    ServerState* state = serverState();
    if (state == nullptr) {
      return;
    }
    int threads = 1;
    if (ap_mpm_query(AP_MPMQ_MAX_THREADS, &threads) != APR_SUCCESS || threads < 1) {
      threads = 1;
    }
    state->registry.initChild(uint32_t(threads), SteadyClock::instance());
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
