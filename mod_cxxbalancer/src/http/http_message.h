#pragma once
// Plain values for HTTP/1.1 messages, shared by the codec, the header rules and the adapter.
#include <string>
#include <vector>

namespace cxxb::http {

struct Header {
  std::string name;
  std::string value;
  bool operator==(const Header&) const = default;
};

using Headers = std::vector<Header>;

struct RequestHead {
  std::string method;
  std::string target;  ///< origin-form: path[?query], still percent-encoded
  Headers headers;
};

struct ResponseHead {
  int status = 0;
  int versionMinor = 1;  ///< HTTP/1.<n>
  std::string reason;
  Headers headers;
};

}  // namespace cxxb::http
