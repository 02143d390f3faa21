// Fuzzes config::parseBalancerUrl with arbitrary text. Properties checked:
//   - no crash, no read outside the input (ASan/UBSan);
//   - a URL of the scheme splits into name, path and query that are pieces of the input, in
//     order, and together with the scheme they give the input back;
//   - the name holds no '/' or '?', the path starts with '/', the query with '?';
//   - balancerUrlOf(name) parses back to the same name.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "config/balancer_url.h"

namespace {

void check(bool ok) {
  if (!ok) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cxxb::config;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto url = parseBalancerUrl(input);
  check(url.has_value() == isBalancerUrl(input));
  if (!url) {
    return 0;
  }
  check(url->name.find_first_of("/?") == std::string_view::npos);
  check(url->path.empty() || url->path.front() == '/');
  check(url->query.empty() || url->query.front() == '?');
  check(url->path.find('?') == std::string_view::npos);
  std::string whole(input.substr(0, kBalancerScheme.size()));
  whole.append(url->name).append(url->path).append(url->query);
  check(whole == input);
  if (url->name.find_first_of("/?") == std::string_view::npos) {
    const std::string rebuilt = balancerUrlOf(url->name);  // the views point into it
    auto again = parseBalancerUrl(rebuilt);
    check(again && again->name == url->name && again->path.empty() && again->query.empty());
  }
  return 0;
}
