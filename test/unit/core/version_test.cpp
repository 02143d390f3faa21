#include <catch2/catch.hpp>
#include <regex>
#include <string>

#include "core/version.h"

using cxxb::productToken;
using cxxb::productVersion;

TEST_CASE("the version is project(VERSION)'s MAJOR.MINOR.PATCH", "[core][version]") {
  CHECK(std::regex_match(std::string(productVersion()), std::regex(R"(\d+\.\d+\.\d+)")));
}

TEST_CASE("the server's version component is mod_cxxbalancer/VERSION", "[core][version]") {
  CHECK(productToken() == "mod_cxxbalancer/" + std::string(productVersion()));
}
