// docs/configuration.md against the parser's key tables: every key the parser accepts is
// documented, every documented key is accepted, and every row says whether the key acts.
// The reference's path comes from CMake (CXXB_CONFIGURATION_DOC).
#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "config/settings.h"

namespace {

struct DocRow {
  std::string key;
  std::string acts;  // the last cell
};

std::string readReference() {
  std::ifstream in(CXXB_CONFIGURATION_DOC);
  REQUIRE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string trimmed(const std::string& s) {
  size_t first = s.find_first_not_of(' ');
  size_t last = s.find_last_not_of(' ');
  return first == std::string::npos ? std::string() : s.substr(first, last - first + 1);
}

/** Cells of a Markdown table row; `\|` inside a cell is not a separator. */
std::vector<std::string> cellsOf(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  for (size_t i = 1; i < line.size(); ++i) {
    if (line[i] == '\\' && i + 1 < line.size() && line[i + 1] == '|') {
      cell += '|';
      ++i;
    } else if (line[i] == '|') {
      cells.push_back(trimmed(cell));
      cell.clear();
    } else {
      cell += line[i];
    }
  }
  return cells;
}

/** The rows of the tables under the `## heading` section, up to the next `## `. */
std::vector<DocRow> rowsUnder(const std::string& text, const std::string& heading) {
  std::vector<DocRow> rows;
  std::istringstream lines(text);
  std::string line;
  bool inside = false;
  while (std::getline(lines, line)) {
    if (line.rfind("## ", 0) == 0) {
      inside = line == "## " + heading;
      continue;
    }
    if (!inside || line.rfind("| `", 0) != 0) {
      continue;
    }
    auto cells = cellsOf(line);
    REQUIRE(cells.size() >= 2);
    const std::string& first = cells.front();
    REQUIRE(first.size() > 2);
    REQUIRE(first.front() == '`');
    REQUIRE(first.back() == '`');
    rows.push_back({first.substr(1, first.size() - 2), cells.back()});
  }
  return rows;
}

void checkTable(const std::string& heading, std::span<const std::string_view> parserKeys) {
  auto rows = rowsUnder(readReference(), heading);
  std::set<std::string> documented;
  for (const auto& row : rows) {
    INFO(heading << ": `" << row.key << "`");
    CHECK(documented.insert(row.key).second);  // one row per key
    bool saysWhether = row.acts.rfind("yes", 0) == 0 || row.acts.rfind("not yet", 0) == 0;
    CHECK(saysWhether);
  }
  std::set<std::string> accepted(parserKeys.begin(), parserKeys.end());
  for (const auto& key : accepted) {
    INFO(heading << ": the parser accepts `" << key << "`, the reference does not list it");
    CHECK(documented.count(key) == 1);
  }
  for (const auto& key : documented) {
    INFO(heading << ": the reference lists `" << key << "`, the parser does not accept it");
    CHECK(accepted.count(key) == 1);
  }
  CHECK(accepted.size() >= 10);
}

}  // namespace

TEST_CASE("the configuration reference documents exactly the BalancerMember keys",
          "[config][docs]") {
  checkTable("BalancerMember keys", cxxb::config::memberKeyNames());
}

TEST_CASE("the configuration reference documents exactly the BalancerSet keys", "[config][docs]") {
  checkTable("BalancerSet keys", cxxb::config::balancerKeyNames());
}

TEST_CASE("the key tables are the keys the parser accepts", "[config]") {
  cxxb::config::BalancerConfig balancer;
  for (auto key : cxxb::config::balancerKeyNames()) {
    INFO(key);
    auto applied = cxxb::config::applyBalancerSetting(balancer, key, "?");
    // A known key is taken or fails on its value, never as an unknown key.
    CHECK((applied.ok() || applied.error().find("unknown key") == std::string::npos));
  }
  auto url = cxxb::config::parseMemberUrl("ajp://127.0.0.1:8009");
  REQUIRE(url.ok());
  for (auto key : cxxb::config::memberKeyNames()) {
    INFO(key);
    cxxb::config::MemberConfig member;
    member.url = *url;
    auto applied = cxxb::config::applyMemberSetting(member, key, "?");
    CHECK((applied.ok() || applied.error().find("unknown key") == std::string::npos));
  }
  CHECK(
      std::is_sorted(cxxb::config::memberKeyNames().begin(), cxxb::config::memberKeyNames().end()));
}
