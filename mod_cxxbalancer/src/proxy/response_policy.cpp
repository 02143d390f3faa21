#include "proxy/response_policy.h"

#include "core/string_util.h"
#include "http/header_rules.h"
#include "http/url_map.h"

namespace cxxb::proxy {
namespace {

constexpr int kServiceUnavailable = 503;

bool isLocationHeader(std::string_view name) noexcept {
  return iequals(name, "Location") || iequals(name, "Content-Location") || iequals(name, "URI");
}

}  // namespace

bool hasLocationHeaders(const http::ResponseHead& head) noexcept {
  for (const auto& header : head.headers) {
    if (isLocationHeader(header.name)) {
      return true;
    }
  }
  return false;
}

ClientHead clientHeadFor(http::ResponseHead&& head, const ResponseFacts& facts) {
  ClientHead out;
  out.headers.reserve(head.headers.size() + 3);
  out.status = head.status;
  out.reason = std::move(head.reason);
  if (facts.sorry) {
    out.status = kServiceUnavailable;
    out.reason.clear();
    out.headers.push_back({"Retry-After", std::to_string(facts.retryAfter), HeaderUse::Copy});
    out.headers.push_back({"Cache-Control", "no-store", HeaderUse::Copy});
  }
  if (!facts.setCookie.empty()) {
    out.headers.push_back({"Set-Cookie", std::string(facts.setCookie), HeaderUse::Copy});
  }
  http::filterResponseHeaders(head.headers);
  for (auto& header : head.headers) {
    if (iequals(header.name, "Content-Type")) {
      out.headers.push_back(
          {std::move(header.name), std::move(header.value), HeaderUse::ContentType});
      continue;
    }
    const bool cookie = iequals(header.name, "Set-Cookie");
    if (facts.sorry && (cookie || iequals(header.name, "Cache-Control"))) {
      continue;  // the sorry server's own cookies and caching mean nothing here
    }
    if (isLocationHeader(header.name)) {
      std::string mapped =
          facts.memberBases == nullptr
              ? std::move(header.value)
              : http::reverseMapLocation(header.value, *facts.memberBases, facts.frontBase);
      out.headers.push_back({std::move(header.name), std::move(mapped), HeaderUse::Location});
    } else {
      out.headers.push_back({std::move(header.name), std::move(header.value),
                             cookie ? HeaderUse::Cookie : HeaderUse::Copy});
    }
  }
  return out;
}

}  // namespace cxxb::proxy
