#include "core/version.h"

#ifndef CXXB_VERSION
#error "CXXB_VERSION comes from project(VERSION) in CMakeLists.txt"
#endif

namespace cxxb {

std::string_view productVersion() noexcept { return CXXB_VERSION; }

std::string_view productToken() noexcept { return "mod_cxxbalancer/" CXXB_VERSION; }

}  // namespace cxxb
