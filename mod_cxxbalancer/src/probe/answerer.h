#pragma once
// What the program answers to one line: the parser, the cache and a check put together.
// Pure: the check comes in through TargetChecker, so the whole protocol is unit-tested
// without sockets; the program plugs in the network check (target_check.h).
#include <string_view>

#include "probe/probe_cache.h"
#include "probe/probe_line.h"

namespace cxxb::probe {

inline constexpr std::string_view kUp = "UP";
inline constexpr std::string_view kDown = "DOWN";

class TargetChecker {
 public:
  virtual ~TargetChecker() = default;
  /** Checks `target` now; must return within the checker's own timeouts. */
  virtual bool isUp(const ProbeTarget& target) = 0;
};

class Answerer {
 public:
  Answerer(TargetChecker& checker, ProbeCache& cache) : checker_(checker), cache_(cache) {}

  /** UP or DOWN for one line; malformed and over-long lines are DOWN and not checked. */
  std::string_view answer(const InputLine& line);

 private:
  TargetChecker& checker_;
  ProbeCache& cache_;
};

}  // namespace cxxb::probe
