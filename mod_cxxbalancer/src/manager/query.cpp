#include "manager/query.h"

#include "core/string_util.h"

namespace cxxb::manager {

std::optional<OutputFormat> outputFormat(std::string_view query) {
  std::optional<OutputFormat> format = OutputFormat::Html;
  while (!query.empty()) {
    size_t end = query.find('&');
    std::string_view pair = query.substr(0, end);
    query = end == std::string_view::npos ? std::string_view() : query.substr(end + 1);
    size_t eq = pair.find('=');
    if (pair.substr(0, eq) != "format") {
      continue;
    }
    std::string_view value =
        eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    if (iequals(value, "json")) {
      format = OutputFormat::Json;
    } else if (iequals(value, "html")) {
      format = OutputFormat::Html;
    } else {
      return std::nullopt;
    }
  }
  return format;
}

}  // namespace cxxb::manager
