#pragma once
// Keys the parser accepts whose behaviour this release does not have yet. Start-up names
// each one it finds in the configuration, so nobody relies on a setting that does nothing.
// When a key starts to act, its entry leaves keysNotActingYet() (and its test).
#include <string>
#include <vector>

#include "config/balancer_config.h"

namespace cxxb::config {

struct InertKey {
  SourceLocation where;  ///< the BalancerMember line, or the <CxxBalancer> line
  std::string subject;   ///< "BalancerMember URL" or "balancer NAME"
  std::string key;       ///< as written, e.g. "upgrade=websocket"
  std::string missing;   ///< what does not happen yet
};

/** Every key set in `balancer` (or its members) that does not act yet, in file order. */
std::vector<InertKey> keysNotActingYet(const BalancerConfig& balancer);

/** "file:line: subject: key: accepted, but does not act yet: missing" */
std::string describe(const InertKey& key);

}  // namespace cxxb::config
