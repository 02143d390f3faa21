#pragma once
// The module's own URL scheme, `cxxbalancer://NAME[/path][?query]`, as ProxyPass and
// RewriteRule [P] name a balancer: the one place that writes and reads it.
#include <optional>
#include <string>
#include <string_view>

namespace cxxb::config {

/** The scheme with its "://", as mod_proxy hands it to the scheme handler. */
inline constexpr std::string_view kBalancerScheme = "cxxbalancer://";

/** "cxxbalancer://NAME": how logs and BALANCER_NAME call a balancer. */
std::string balancerUrlOf(std::string_view name);

struct BalancerUrl {
  std::string_view name;   ///< as written (balancer names compare case-insensitively)
  std::string_view path;   ///< from the '/' after the name ("" when there is none)
  std::string_view query;  ///< from the '?' after the name or path ("" when there is none)
};

/** Whether `url` starts with the scheme (case-insensitively, as URL schemes compare). */
bool isBalancerUrl(std::string_view url) noexcept;

/**
 * Splits a cxxbalancer:// URL. Views point into `url`.
 * @return nullopt when `url` is not of this scheme
 */
std::optional<BalancerUrl> parseBalancerUrl(std::string_view url) noexcept;

}  // namespace cxxb::config
