// Feeds arbitrary bytes to the configuration parsers: as a member URL, and split on spaces as
// the arguments of BalancerMember (as written, and behind a URL of each scheme) and BalancerSet
// lines. Beyond "no crash, no UB" it checks the promises the messages and URLs make: errors
// are one printable line of the shape `...; allowed: ...`, and a parsed URL's identity parses
// back to the same member.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "config/settings.h"

namespace {

using namespace cxxb::config;

void require(bool condition) {
  if (!condition) {
    std::abort();
  }
}

template <class R>
void checkMessage(const R& result) {
  if (result.ok()) {
    return;
  }
  const std::string& message = result.error();
  require(!message.empty());
  require(message.find("; allowed: ") != std::string::npos);
  for (char c : message) {
    require(c >= 0x20 && c < 0x7f);
  }
}

std::vector<std::string> splitOnSpaces(std::string_view input) {
  std::vector<std::string> words;
  size_t start = 0;
  while (start < input.size()) {
    size_t space = input.find(' ', start);
    if (space == std::string_view::npos) {
      space = input.size();
    }
    if (space > start) {
      words.emplace_back(input.substr(start, space - start));
    }
    start = space + 1;
  }
  return words;
}

void checkUrl(std::string_view input) {
  auto url = parseMemberUrl(input);
  checkMessage(url);
  if (!url.ok()) {
    return;
  }
  for (const std::string& again : {url->text(), url->origin() + url->path}) {
    auto reparsed = parseMemberUrl(again);
    require(reparsed.ok());
    require(reparsed->scheme == url->scheme && reparsed->host == url->host &&
            reparsed->port == url->port && reparsed->path == url->path);
  }
}

void checkMember(const std::vector<std::string>& args, BalancerConfig& balancer) {
  auto member = parseMemberLine(args);
  checkMessage(member);
  if (member.ok()) {
    balancer.members.push_back(*member);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  checkUrl(input);

  std::vector<std::string> words = splitOnSpaces(input);
  BalancerConfig balancer;
  balancer.name = words.empty() ? std::string() : words.front();
  checkMessage(validateBalancerName(balancer.name));
  checkMessage(parseDuration("timeout", balancer.name));

  checkMember(words, balancer);
  for (const char* url : {"http://a", "https://b", "ajp://c"}) {
    std::vector<std::string> args{url};
    args.insert(args.end(), words.begin(), words.end());
    checkMember(args, balancer);
  }
  checkMessage(parseBalancerSetLine(balancer, words));
  checkMessage(validateBalancer(balancer));
  return 0;
}
