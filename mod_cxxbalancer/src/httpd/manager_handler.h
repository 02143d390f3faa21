#pragma once
#include "httpd/httpd_includes.h"

namespace cxxb::httpd {

/** The name operators use: `SetHandler cxxbalancer-manager`. */
inline constexpr char kManagerHandlerName[] = "cxxbalancer-manager";

/**
 * handler hook: serves the read-only manager view (HTML, or JSON with `?format=json`) of
 * every balancer's shared state. Declines every request not for this handler. GET and
 * HEAD only; access control is the operator's (`Require` on the location).
 */
int onManagerHandler(request_rec* r) noexcept;

}  // namespace cxxb::httpd
