#pragma once
// Parsers for `BalancerMember URL key=value...` and `BalancerSet key=value...`.
//
// Error messages are one line for the operator with the stable shape
//   <key>=<value>: <what is wrong>; allowed: <what is allowed>
// e.g. `loadfactor=500: out of range; allowed: 1..100` (URLs: `<url>: ...`). Tests check them
// word for word. httpd prefixes them with the file and line of the directive.
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/balancer_config.h"
#include "core/result.h"

namespace cxxb::config {

/**
 * The keys a BalancerMember line accepts, alphabetical. The parser's own table, for the
 * configuration reference's test and tools (`unknown key` messages list the same names).
 */
std::span<const std::string_view> memberKeyNames();

/** The keys a BalancerSet line accepts, alphabetical. */
std::span<const std::string_view> balancerKeyNames();

/**
 * The message for a `key=value` that was written on one of mod_proxy's lines (ProxyPass,
 * ProxySet) for the balancer `balancer`, where the module never reads it. It names the
 * directive the key belongs in: `<key>=<value>: <problem>; allowed: BalancerSet key=value
 * inside <CxxBalancer NAME>` (or BalancerMember for member keys). Secrets are not shown.
 */
std::string misplacedKeyMessage(std::string_view balancer, std::string_view key,
                                std::string_view value, std::string_view problem);

/** Parses `http://host[:port][/path]`, `https://…`, `ajp://…`; IPv6 as `[::1]`. */
Result<MemberUrl> parseMemberUrl(std::string_view url);

/** Splits `key=value`; the key is returned lowercased. */
Result<std::pair<std::string, std::string>> splitKeyValue(std::string_view arg);

/** Applies one `key=value` of a BalancerMember line. Unknown keys and bad values fail. */
Result<void> applyMemberSetting(MemberConfig& member, std::string_view key, std::string_view value);

/** Applies one `key=value` of a BalancerSet line. */
Result<void> applyBalancerSetting(BalancerConfig& balancer, std::string_view key,
                                  std::string_view value);

/**
 * Parses a whole BalancerMember argument list: the URL first, then key=value settings.
 * @param args the words after the directive name, already split httpd-style
 */
Result<MemberConfig> parseMemberLine(const std::vector<std::string>& args);

/** Applies every key=value of a BalancerSet line. */
Result<void> parseBalancerSetLine(BalancerConfig& balancer, const std::vector<std::string>& args);

/**
 * Checks a whole balancer once its container is closed: at least one member, no two
 * members with the same URL, no two with the same route, redirect naming a known route.
 * @param offendingMember when set and the error is about one member, receives its index,
 *        so the caller can point at that member's line
 */
Result<void> validateBalancer(const BalancerConfig& balancer, size_t* offendingMember = nullptr);

/** Balancer names: letters, digits, '-', '_', '.'; 1..64 characters. */
Result<void> validateBalancerName(std::string_view name);

/** Parses a duration: "5" seconds, "250ms" milliseconds. */
Result<Millis> parseDuration(std::string_view key, std::string_view value);

}  // namespace cxxb::config
