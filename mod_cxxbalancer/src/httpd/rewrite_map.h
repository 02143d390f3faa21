#pragma once
#include "httpd/httpd_includes.h"

namespace cxxb::httpd {

/** Registers `int:cxxbalancer-health` with mod_rewrite, when it is loaded (pre_config). */
void registerHealthRewriteMap() noexcept;

}  // namespace cxxb::httpd
