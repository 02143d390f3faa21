#pragma once
// The network check behind each UP or DOWN of `cxxbalancer-probe`: a TCP connect and, for
// a target with a path, one HTTP/1.1 request whose response status decides. Bounded in
// time: the connect by --connect-timeout over all of the host's addresses together, the
// request and the response head by --read-timeout; a black-holed host costs at most their
// sum (plus the system resolver's own limits for a name, none for a literal).
#include "probe/answerer.h"
#include "probe/probe_options.h"

namespace cxxb::probe {

/** Runs one check now: true for UP. Network failures are DOWN, never exceptions. */
bool checkTarget(const ProbeTarget& target, const ProbeOptions& options);

class NetworkChecker final : public TargetChecker {
 public:
  explicit NetworkChecker(const ProbeOptions& options) : options_(options) {}
  bool isUp(const ProbeTarget& target) override { return checkTarget(target, options_); }

 private:
  const ProbeOptions& options_;
};

}  // namespace cxxb::probe
