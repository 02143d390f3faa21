// The registry's own rules. That every id is logged, and that the docs show the registry,
// is checked over the sources by scripts/check-message-ids.py (ctest: message_ids_*).
#include <catch2/catch.hpp>

#include <cctype>
#include <set>
#include <string>

#include "core/message_ids.h"

namespace msg = cxxb::msg;

namespace {

bool wellFormed(std::string_view id) {
  if (id.size() != 8 || id.substr(0, 3) != "CXB") {
    return false;
  }
  for (char c : id.substr(3)) {
    if (!std::isdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

bool oneLine(std::string_view text) {
  return !text.empty() && text.find('\n') == std::string_view::npos &&
         text.find('|') == std::string_view::npos && text.back() == '.';
}

}  // namespace

TEST_CASE("every registered id is well formed, unique and in ascending order", "[core][msg]") {
  std::set<std::string_view> seen;
  std::string_view previous;
  for (const auto& message : msg::messages()) {
    INFO(message.id);
    CHECK(wellFormed(message.id));
    CHECK(seen.insert(message.id).second);
    CHECK(previous < message.id);
    previous = message.id;
  }
  CHECK(seen.size() == msg::messages().size());
}

TEST_CASE("every registered id belongs to exactly one area", "[core][msg]") {
  for (const auto& message : msg::messages()) {
    INFO(message.id);
    int areas = 0;
    for (const auto& area : msg::messageAreas()) {
      areas += message.id.substr(0, area.prefix.size()) == area.prefix ? 1 : 0;
    }
    CHECK(areas == 1);
  }
  std::string_view previous;
  for (const auto& area : msg::messageAreas()) {
    INFO(area.prefix);
    CHECK(area.prefix.size() == 6);
    CHECK(previous < area.prefix);
    CHECK(!area.title.empty());
    previous = area.prefix;
  }
}

TEST_CASE("every registered id says what it means and what to do, in one line", "[core][msg]") {
  for (const auto& message : msg::messages()) {
    INFO(message.id);
    CHECK(oneLine(message.meaning));
    CHECK(oneLine(message.action));
  }
}

TEST_CASE("the constants are the registered ids", "[core][msg]") {
  auto registered = [](std::string_view id) {
    for (const auto& message : msg::messages()) {
      if (message.id == id) {
        return true;
      }
    }
    return false;
  };
  CHECK(registered(msg::kMemberConnectFailed));
  CHECK(std::string_view(msg::kMemberConnectFailed) == "CXB02001");
  CHECK(registered(msg::kMemberTimeout));
  CHECK(registered(msg::kMemberTimeoutPutInError));
  CHECK_FALSE(registered("CXB99999"));
}
