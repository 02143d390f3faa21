// `RewriteMap NAME int:cxxbalancer-health`: UP/DOWN from the members' state. It reads
// memory only, so it never blocks a request (unlike a prg: map that probes on lookup).
#include "httpd/rewrite_map.h"

#include <vector>

#include "balancer/health_map.h"
#include "core/message_ids.h"
#include "httpd/server_state.h"

extern "C" {
#include <mod_rewrite.h>  // no __cplusplus guard
}

namespace cxxb::httpd {
namespace {

char* lookupHealth(request_rec* r, char* key) noexcept {
  try {
    ServerState* state = serverState();
    std::vector<balancer::HealthMapEntry> entries;
    if (state != nullptr) {
      TimePoint now = SystemClock::instance().now();
      for (auto& [name, balancer] : state->registry.all()) {
        for (const auto& member : balancer->members()) {
          const auto& config = member->config();
          balancer::HealthMapEntry entry;
          entry.balancer = balancer->name();
          entry.route = member->route();
          entry.host = config.url.host;
          entry.port = config.url.port;
          entry.path = config.url.path;
          entry.hotStandby =
              (member->status.load(std::memory_order_relaxed) & config::kStatusHotStandby) != 0;
          entry.usable = member->usableNow(now);
          entries.push_back(entry);
        }
      }
    }
    std::string_view answer = balancer::healthMapLookup(key ? key : "", entries);
    return apr_pstrmemdup(r->pool, answer.data(), answer.size());
  } catch (...) {
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "%s: health map lookup failed for '%s'",
                  msg::kHealthMapLookupFailed, key ? key : "");
    return apr_pstrdup(r->pool, "DOWN");
  }
}

}  // namespace

void registerHealthRewriteMap() noexcept {
  auto* registerMap = APR_RETRIEVE_OPTIONAL_FN(ap_register_rewrite_mapfunc);
  if (registerMap != nullptr) {
    static char name[] = "cxxbalancer-health";
    registerMap(name, lookupHealth);
  }
}

}  // namespace cxxb::httpd
