#pragma once
// The product's name and version, as shown in the server's version string, in logs and on
// the manager page. The version is set once, in the top-level CMakeLists.txt
// (project(VERSION)), and reaches this file's .cpp as a compile definition.
#include <string_view>

namespace cxxb {

/** "0.1.0": the release, as the manager's JSON reports it. */
std::string_view productVersion() noexcept;

/** "mod_cxxbalancer/0.1.0": the component added to httpd's Server header. */
std::string_view productToken() noexcept;

}  // namespace cxxb
