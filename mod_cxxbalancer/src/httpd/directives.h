#pragma once
#include "httpd/httpd_includes.h"

namespace cxxb::httpd {

/** The module's directive table (null-terminated). */
extern const command_rec kDirectives[];

/**
 * check_config: every `cxxbalancer://NAME` in a ProxyPass, ProxyPassMatch or RewriteRule, at
 * any depth of the configuration, must name a declared <CxxBalancer>. Runs for `apachectl -t`.
 */
int checkProxyPassTargets(server_rec* s, apr_pool_t* ptemp);

}  // namespace cxxb::httpd
