#include "httpd/server_state.h"

#include "core/string_util.h"
#include "httpd/pool.h"

namespace cxxb::httpd {
namespace {

ConfigGeneration* gGeneration = nullptr;
ServerState* gState = nullptr;

apr_status_t forgetGeneration(void*) noexcept {
  gGeneration = nullptr;
  return APR_SUCCESS;
}

apr_status_t forgetState(void*) noexcept {
  gState = nullptr;
  return APR_SUCCESS;
}

}  // namespace

const config::BalancerConfig* ConfigGeneration::find(std::string_view name) const {
  for (const auto& balancer : balancers) {
    if (iequals(balancer.name, name)) {
      return &balancer;
    }
  }
  return nullptr;
}

ConfigGeneration& newConfigGeneration(apr_pool_t* pconf) {
  // Registered before the object so it runs after the object is destroyed (reverse order).
  apr_pool_cleanup_register(pconf, nullptr, forgetGeneration, apr_pool_cleanup_null);
  gGeneration = &makePoolOwned<ConfigGeneration>(pconf);
  return *gGeneration;
}

ConfigGeneration* configGeneration() noexcept { return gGeneration; }

ServerState& newServerState(apr_pool_t* pconf, server_rec* s, const ConfigGeneration& generation) {
  apr_pool_cleanup_register(pconf, nullptr, forgetState, apr_pool_cleanup_null);
  auto& state = makePoolOwned<ServerState>(pconf);
  state.balancers = generation.balancers;
  state.segment = SharedSegment::create(pconf, s, state.balancers);
  for (const auto& balancer : generation.balancers) {
    state.registry.add(balancer, state.segment->table());
  }
  gState = &state;
  return state;
}

ServerState* serverState() noexcept { return gState; }

}  // namespace cxxb::httpd
