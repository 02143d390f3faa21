#pragma once
// Paths that a member reads differently from httpd.
//
// Tomcat (and other servlet containers) strip `;parameters` from every path segment before
// resolving `.` and `..`, so `/app/x/..;/admin` is `/admin` to Tomcat, while httpd's
// `<Location>` rules saw a segment named `..;` and no parent reference at all. A request can
// so reach what a `<Location /app/admin>` deny rule protects. httpd itself resolves plain
// `.` and `..` before mapping; only the forms with parameters survive to the member.
#include <string_view>

namespace cxxb::http {

/**
 * Whether `path` (the encoded path to forward, without the query) has a `.` or `..`
 * segment that carries `;` parameters: `..;`, `.;`, `..;jsessionid=x`, and the same with
 * `%2e` for a dot or `%3b` for the semicolon (either case). Parameters on ordinary
 * segments (`/cart;jsessionid=ABC.jvm1`) are not matched: sticky sessions use them.
 */
bool hasDotSegmentWithParameters(std::string_view path) noexcept;

}  // namespace cxxb::http
