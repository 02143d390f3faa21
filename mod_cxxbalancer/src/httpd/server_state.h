#pragma once
// The adapter's two process-wide roots, each owned by the configuration pool:
// - ConfigGeneration collects what the directives parse (reset in pre_config);
// - ServerState holds the live balancers built from it in post_config, and this
//   generation's shared-memory segment they keep their state in.
// Nothing else is global. Both pointers are cleared by the cleanups of the pool that owns
// them, so a graceful restart never sees the previous generation.
#include <memory>
#include <string>
#include <vector>

#include "config/balancer_config.h"
#include "httpd/httpd_includes.h"
#include "httpd/shared_segment.h"
#include "net/balancer_runtime.h"

namespace cxxb::httpd {

struct ConfigGeneration {
  std::vector<config::BalancerConfig> balancers;
  const config::BalancerConfig* find(std::string_view name) const;
};

struct ServerState {
  std::vector<config::BalancerConfig> balancers;  ///< as configured, for the manager
  std::unique_ptr<SharedSegment> segment;         ///< member state shared by all children
  net::BalancerRegistry registry;  ///< per-child views bound to `segment`; destroyed first
};

/** Creates a fresh generation owned by `pconf` (pre_config). */
ConfigGeneration& newConfigGeneration(apr_pool_t* pconf);
/** The generation being parsed; null outside configuration reading. */
ConfigGeneration* configGeneration() noexcept;

/**
 * Builds the live state for this generation, owned by `pconf` (post_config, real pass):
 * creates the shared segment (carrying member state over a graceful restart) and binds
 * the balancers to it. @throws std::runtime_error when shared memory cannot be set up
 */
ServerState& newServerState(apr_pool_t* pconf, server_rec* s, const ConfigGeneration& generation);
/** The live state; null before post_config. */
ServerState* serverState() noexcept;

}  // namespace cxxb::httpd
