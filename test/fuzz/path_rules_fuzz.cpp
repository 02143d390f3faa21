// libFuzzer target for http/path_rules: any byte string is a path; the answer must not
// depend on a trailing part after the segment that decided it, and a found path has a dot.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/path_rules.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view path(reinterpret_cast<const char*>(data), size);
  const bool found = cxxb::http::hasDotSegmentWithParameters(path);
  if (found && path.find('.') == std::string_view::npos &&
      path.find("%2") == std::string_view::npos) {
    std::abort();  // a dot segment needs a dot, plain or encoded
  }
  // Appending a segment never hides one that is already there.
  if (found && !cxxb::http::hasDotSegmentWithParameters(std::string(path) + "/tail")) {
    std::abort();
  }
  return 0;
}
