#pragma once
// Answers of `RewriteMap NAME int:cxxbalancer-health` (DESIGN.md §2): UP or DOWN for a
// balancer, a balancer's route, or a member address. Pure: the adapter passes a snapshot.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace cxxb::balancer {

/** What the map needs to know of one member. */
struct HealthMapEntry {
  std::string_view balancer;
  std::string_view route;
  std::string_view host;
  uint16_t port = 0;
  std::string_view path;  ///< the member URL's path, "" when none
  bool hotStandby = false;
  bool usable = false;  ///< may take requests now (not disabled, stopped or in error)
};

/**
 * Keys, matched without regard to case except paths:
 * - `BALANCER`: UP when a member outside hot standby is usable;
 * - `BALANCER/ROUTE`: UP when the member with that route is usable;
 * - `host:port[:path]` (IPv6 in brackets): UP when a member with that address is usable.
 * Anything else, including unknown names, is DOWN.
 */
std::string_view healthMapLookup(std::string_view key, std::span<const HealthMapEntry> members);

}  // namespace cxxb::balancer
