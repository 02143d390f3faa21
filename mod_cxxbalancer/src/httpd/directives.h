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

/**
 * check_config: the sslca, sslcert and sslkey files of every https member load (readable,
 * PEM, key matching the certificate), so `apachectl -t` names a bad file with the member's
 * line instead of the start failing later.
 */
int checkTlsFiles(server_rec* s);

}  // namespace cxxb::httpd
