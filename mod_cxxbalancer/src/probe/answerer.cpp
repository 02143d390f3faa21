#include "probe/answerer.h"

namespace cxxb::probe {

std::string_view Answerer::answer(const InputLine& line) {
  if (line.tooLong) {
    return kDown;
  }
  const auto target = parseProbeLine(line.text);
  if (!target) {
    return kDown;
  }
  const std::string key = target->key();
  if (const auto cached = cache_.find(key)) {
    return *cached ? kUp : kDown;
  }
  const bool up = checker_.isUp(*target);
  cache_.store(key, up);
  return up ? kUp : kDown;
}

}  // namespace cxxb::probe
