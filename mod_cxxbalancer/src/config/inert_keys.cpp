#include "config/inert_keys.h"

namespace cxxb::config {
namespace {

constexpr const char* kNoHealthChecks = "members are not probed (no active health checks yet)";

bool hasOverrides(const HealthCheckOverrides& hc) {
  return hc.method || hc.uri || hc.interval || hc.timeout || hc.passes || hc.fails || hc.expect;
}

bool differsFromDefault(const HealthCheck& hc) {
  const HealthCheck defaults;
  return hc.method != defaults.method || hc.uri != defaults.uri ||
         hc.interval != defaults.interval || hc.timeout != defaults.timeout ||
         hc.passes != defaults.passes || hc.fails != defaults.fails || hc.expect != defaults.expect;
}

}  // namespace

std::vector<InertKey> keysNotActingYet(const BalancerConfig& balancer) {
  std::vector<InertKey> found;
  if (differsFromDefault(balancer.hc)) {
    found.push_back({balancer.where, "balancer " + balancer.name, "hc* keys", kNoHealthChecks});
  }
  for (const auto& member : balancer.members) {
    const std::string subject = "BalancerMember " + member.url.text();
    if (hasOverrides(member.hc)) {
      found.push_back({member.where, subject, "hc* keys", kNoHealthChecks});
    }
    if (member.upgrade != Upgrade::None) {
      found.push_back({member.where, subject,
                       member.upgrade == Upgrade::WebSocket ? "upgrade=websocket" : "upgrade=*",
                       "Upgrade requests are not tunnelled yet (the Upgrade header is removed)"});
    }
    if (member.flushPackets != FlushPackets::Off) {
      found.push_back(
          {member.where, subject,
           member.flushPackets == FlushPackets::On ? "flushpackets=on" : "flushpackets=auto",
           "responses are flushed when the member pauses, as with flushpackets=off"});
    }
    if (member.ping && member.url.scheme != Scheme::Ajp) {
      found.push_back({member.where, subject, "ping",
                       "HTTP members get no Expect: 100-continue yet (ping acts on ajp:// only)"});
    }
  }
  return found;
}

std::string describe(const InertKey& key) {
  std::string out;
  if (!key.where.file.empty()) {
    out = key.where.file + ":" + std::to_string(key.where.line) + ": ";
  }
  return out + key.subject + ": " + key.key + ": accepted, but does not act yet: " + key.missing;
}

}  // namespace cxxb::config
