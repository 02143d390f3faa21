#pragma once
// The only header that includes httpd and APR. Nothing outside src/httpd may include it.

// C++20 has designated initializers: this gives command_rec its typed union, so directive
// handlers need no function-pointer casts.
#ifndef AP_HAVE_DESIGNATED_INITIALIZER
#define AP_HAVE_DESIGNATED_INITIALIZER
#endif
#include <ap_mpm.h>
#include <apr_strings.h>
#include <http_config.h>
#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>
#include <http_ssl.h>
#include <httpd.h>
#include <util_cfgtree.h>
#include <util_filter.h>
#include <util_mutex.h>
extern "C" {
#include <mod_proxy.h>  // has no __cplusplus guard in httpd 2.4
}

extern "C" module AP_MODULE_DECLARE_DATA cxxbalancer_module;
APLOG_USE_MODULE(cxxbalancer);  // defines a per-file static needed by APLOG_MARK in C++
