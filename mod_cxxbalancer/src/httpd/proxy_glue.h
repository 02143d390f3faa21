#pragma once
#include "httpd/httpd_includes.h"

namespace cxxb::httpd {

/** proxy canon_handler: canonicalises cxxbalancer:// URLs as mod_proxy_http does http://. */
int onCanon(request_rec* r, char* url) noexcept;

/** proxy scheme_handler: forwards cxxbalancer:// requests to a member. */
int onSchemeHandler(request_rec* r, proxy_worker* worker, proxy_server_conf* conf, char* url,
                    const char* proxyhost, apr_port_t proxyport) noexcept;

}  // namespace cxxb::httpd
