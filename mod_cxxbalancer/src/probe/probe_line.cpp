#include "probe/probe_line.h"

#include <algorithm>

#include "core/address_key.h"
#include "core/string_util.h"

namespace cxxb::probe {
namespace {

constexpr bool isAlnum(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
constexpr bool isHex(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
constexpr bool isNameChar(char c) noexcept {
  return isAlnum(c) || c == '.' || c == '-' || c == '_';
}

bool validName(std::string_view host) noexcept {
  return host.size() <= 253 && std::all_of(host.begin(), host.end(), isNameChar);
}

/** "::1", "fe80::1%eth0": the resolver decides whether it is a real address. */
bool validV6(std::string_view host) noexcept {
  const size_t percent = host.find('%');
  const std::string_view address = host.substr(0, percent);
  const std::string_view zone =
      percent == std::string_view::npos ? std::string_view() : host.substr(percent + 1);
  if (address.find(':') == std::string_view::npos ||
      !std::all_of(address.begin(), address.end(),
                   [](char c) { return isHex(c) || c == ':' || c == '.'; })) {
    return false;
  }
  if (percent != std::string_view::npos && zone.empty()) {
    return false;
  }
  return std::all_of(zone.begin(), zone.end(), isNameChar);
}

bool validPath(std::string_view path) noexcept {
  return path.front() == '/' &&
         std::all_of(path.begin(), path.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

}  // namespace

std::string ProbeTarget::authority() const {
  const bool v6 = host.find(':') != std::string::npos;
  std::string out;
  out.reserve(host.size() + 8);
  out.append(v6 ? "[" : "").append(toLower(host)).append(v6 ? "]:" : ":");
  return out.append(std::to_string(port));
}

std::string ProbeTarget::key() const {
  std::string out = authority();
  if (!path.empty()) {
    out.append(":").append(path);
  }
  return out;
}

Result<ProbeTarget> parseProbeLine(std::string_view line) {
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
  }
  line = trimSpace(line);
  if (line.empty()) {
    return unexpected("empty line");
  }
  if (line.size() > kMaxLineBytes) {
    return unexpected("line too long");
  }
  const auto address = splitAddressKey(line);
  if (!address) {
    return unexpected("not host:port[:path] with a port of 1..65535");
  }
  const bool bracketed = line.front() == '[';
  if (bracketed ? !validV6(address->host) : !validName(address->host)) {
    return unexpected(bracketed ? "not an IPv6 address in brackets" : "not a host name");
  }
  if (!address->path.empty() && !validPath(address->path)) {
    return unexpected("path does not start with / or has a space or control byte");
  }
  return ProbeTarget{std::string(address->host), address->port, std::string(address->path)};
}

}  // namespace cxxb::probe
