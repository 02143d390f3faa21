#pragma once
#include "httpd/httpd_includes.h"

namespace cxxb::httpd {

/** The module's directive table (null-terminated). */
extern const command_rec kDirectives[];

/**
 * check_config: every `cxxbalancer://NAME` in a ProxyPass (server or <Location>) must name a
 * declared <CxxBalancer>. Runs for `apachectl -t` too.
 */
int checkProxyPassTargets(server_rec* s);

}  // namespace cxxb::httpd
