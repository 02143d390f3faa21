#include "core/address_key.h"

#include "core/string_util.h"

namespace cxxb {

std::optional<AddressKey> splitAddressKey(std::string_view key) noexcept {
  AddressKey out;
  std::string_view rest;
  if (!key.empty() && key.front() == '[') {
    const size_t close = key.find(']');
    if (close == std::string_view::npos || close + 1 >= key.size() || key[close + 1] != ':') {
      return std::nullopt;
    }
    out.host = key.substr(1, close - 1);
    rest = key.substr(close + 2);
  } else {
    const size_t colon = key.find(':');
    if (colon == std::string_view::npos) {
      return std::nullopt;
    }
    out.host = key.substr(0, colon);
    rest = key.substr(colon + 1);
  }
  const size_t colon = rest.find(':');
  const auto port = parseDecimal<uint16_t>(rest.substr(0, colon));
  if (!port || *port == 0 || out.host.empty()) {
    return std::nullopt;
  }
  out.port = *port;
  out.path = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
  return out;
}

}  // namespace cxxb
