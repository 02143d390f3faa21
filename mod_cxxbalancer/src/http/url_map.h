#pragma once
// Mapping between the front URL space and a member's: the forwarded path on the way in,
// Location-like headers on the way out.
#include <string>
#include <string_view>
#include <vector>

namespace cxxb::http {

/**
 * Joins a member's base path and the rest of the request path with exactly one '/' at the
 * junction (seed 002's trailing-slash trap: "/app/" + "/x" is "/app/x", never "/app//x").
 * Everything else is kept byte for byte, including encoded characters and doubled slashes
 * the client sent inside `rest`. An empty result becomes "/".
 */
std::string joinPath(std::string_view memberPath, std::string_view rest);

/**
 * If `value` (a Location, Content-Location or URI header) starts with one of `memberBases`
 * (absolute URLs such as "http://10.0.0.1:8080/app/", compared case-insensitively in scheme
 * and host, with and without the default port), returns it with that prefix replaced by
 * `frontBase`; otherwise returns `value` unchanged.
 */
std::string reverseMapLocation(std::string_view value, const std::vector<std::string>& memberBases,
                               std::string_view frontBase);

}  // namespace cxxb::http
