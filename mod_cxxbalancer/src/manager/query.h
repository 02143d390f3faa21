#pragma once
// What a manager request asks for, from its query string. Pure.
#include <optional>
#include <string_view>

namespace cxxb::manager {

enum class OutputFormat { Html, Json };

/**
 * The format named by `format=` in `query` (without the '?'): "json" or "html", any case;
 * HTML when the query has no `format`. @return nullopt for any other format
 */
std::optional<OutputFormat> outputFormat(std::string_view query);

}  // namespace cxxb::manager
