#pragma once
// The `host:port[:path]` key that names a member by address: in `int:cxxbalancer-health`
// lookups and in the lines `cxxbalancer-probe` reads (seed 000's protocol). One parser, so
// both read a key the same way.
#include <cstdint>
#include <optional>
#include <string_view>

namespace cxxb {

/** The parts of a key; views into the text given to splitAddressKey(). */
struct AddressKey {
  std::string_view host;  ///< without the brackets of an IPv6 literal
  uint16_t port = 0;
  std::string_view path;  ///< everything after the second ':', "" when none
};

/**
 * Splits `host:port[:path]`, with an IPv6 literal in brackets (`[::1]:8080:/health`). The
 * path runs to the end of the key and may contain ':'. Nothing is trimmed or checked beyond
 * the shape: a non-empty host, and a port of 1..65535 in decimal digits.
 * @return nullopt when the key does not have that shape
 */
std::optional<AddressKey> splitAddressKey(std::string_view key) noexcept;

}  // namespace cxxb
