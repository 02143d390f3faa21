#include "config/balancer_config.h"

#include <string>

namespace cxxb::config {
namespace {

std::string_view schemeName(Scheme scheme) noexcept {
  switch (scheme) {
    case Scheme::Http:
      return "http";
    case Scheme::Https:
      return "https";
    case Scheme::Ajp:
      return "ajp";
  }
  return "http";
}

uint16_t defaultPort(Scheme scheme) noexcept {
  switch (scheme) {
    case Scheme::Http:
      return 80;
    case Scheme::Https:
      return 443;
    case Scheme::Ajp:
      return 8009;
  }
  return 80;
}

// IPv6 literals are the only hosts that contain ':'; URLs need them in brackets.
std::string hostForUrl(const std::string& host) {
  if (host.find(':') != std::string::npos) {
    return "[" + host + "]";
  }
  return host;
}

}  // namespace

std::string MemberUrl::text() const {
  std::string out(schemeName(scheme));
  out += "://";
  out += hostForUrl(host);
  out += ':';
  out += std::to_string(port);
  out += path;
  return out;
}

std::string MemberUrl::origin() const {
  std::string out(schemeName(scheme));
  out += "://";
  out += hostForUrl(host);
  if (port != defaultPort(scheme)) {
    out += ':';
    out += std::to_string(port);
  }
  return out;
}

std::string MemberUrl::hostHeader() const {
  std::string out = hostForUrl(host);
  if (scheme == Scheme::Ajp || port != defaultPort(scheme)) {
    out += ':';
    out += std::to_string(port);
  }
  return out;
}

SorryKind sorryKindOf(std::string_view sorry) noexcept {
  if (sorry.empty()) {
    return SorryKind::None;
  }
  return sorry.front() == '/' ? SorryKind::LocalPath : SorryKind::Url;
}

HealthCheck HealthCheckOverrides::applyTo(const HealthCheck& balancer) const {
  HealthCheck out = balancer;
  if (method) {
    out.method = *method;
  }
  if (uri) {
    out.uri = *uri;
  }
  if (interval) {
    out.interval = *interval;
  }
  if (timeout) {
    out.timeout = *timeout;
  }
  if (passes) {
    out.passes = *passes;
  }
  if (fails) {
    out.fails = *fails;
  }
  if (expect) {
    out.expect = *expect;
  }
  return out;
}

}  // namespace cxxb::config
