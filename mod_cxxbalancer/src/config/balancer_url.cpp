#include "config/balancer_url.h"

#include "core/string_util.h"

namespace cxxb::config {

std::string balancerUrlOf(std::string_view name) {
  std::string out(kBalancerScheme);
  out.append(name);
  return out;
}

bool isBalancerUrl(std::string_view url) noexcept {
  return url.size() >= kBalancerScheme.size() &&
         iequals(url.substr(0, kBalancerScheme.size()), kBalancerScheme);
}

std::optional<BalancerUrl> parseBalancerUrl(std::string_view url) noexcept {
  if (!isBalancerUrl(url)) {
    return std::nullopt;
  }
  std::string_view rest = url.substr(kBalancerScheme.size());
  BalancerUrl out;
  size_t end = rest.find_first_of("/?");
  out.name = rest.substr(0, end);
  if (end == std::string_view::npos) {
    return out;
  }
  rest.remove_prefix(end);
  size_t q = rest.find('?');
  out.path = rest.substr(0, q);
  if (q != std::string_view::npos) {
    out.query = rest.substr(q);
  }
  return out;
}

}  // namespace cxxb::config
