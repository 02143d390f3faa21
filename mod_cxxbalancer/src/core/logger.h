#pragma once
// Logging from below the adapter. Every message carries a stable id (CXBnnnnn) that tests
// and operators can grep for; the adapter maps this onto ap_log_rerror/ap_log_error.
#include <string_view>

namespace cxxb {

enum class LogLevel { Debug, Info, Notice, Warn, Error };

class Logger {
 public:
  virtual ~Logger() = default;
  virtual void log(LogLevel level, std::string_view id, std::string_view message) = 0;
};

}  // namespace cxxb
