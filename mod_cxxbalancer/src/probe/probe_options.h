#pragma once
// Command-line options of `cxxbalancer-probe`. Pure, so bad options are unit-tested.
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/balancer_config.h"
#include "core/clock.h"
#include "core/result.h"

namespace cxxb::probe {

struct ProbeOptions {
  Seconds cache{5};             ///< --cache SECONDS: how long an answer is reused; 0 = never
  Millis connectTimeout{2000};  ///< --connect-timeout MS: for the TCP connect
  Millis readTimeout{2000};     ///< --read-timeout MS: sending the request, reading its head
  std::string method = "HEAD";  ///< --method HEAD|GET|OPTIONS: for targets with a path
  /** --expect RANGES: the statuses that mean UP, written as for `hcexpect`. */
  std::vector<config::StatusRange> expect{{200, 399}};
};

struct ProbeArgs {
  ProbeOptions options;
  bool help = false;
  bool version = false;
};

/**
 * Parses the arguments after the program name: `--name VALUE` or `--name=VALUE`, plus
 * `--help` and `--version`.
 * @return the options, or a message naming the option and what it allows
 */
Result<ProbeArgs> parseProbeArgs(std::span<const std::string_view> args);

/** The --help text. */
std::string probeUsage();

}  // namespace cxxb::probe
