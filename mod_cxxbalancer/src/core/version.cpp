#include "core/version.h"

namespace cxxb {

std::string_view productVersion() noexcept { return "mod_cxxbalancer/0.1.0"; }

}  // namespace cxxb
