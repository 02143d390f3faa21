#pragma once
// The product's name and version, as shown in logs and on the manager page.
#include <string_view>

namespace cxxb {

std::string_view productVersion() noexcept;

}  // namespace cxxb
