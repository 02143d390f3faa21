#include "probe/probe_options.h"

#include <array>
#include <optional>

#include "config/settings.h"
#include "core/string_util.h"

namespace cxxb::probe {
namespace {

constexpr uint32_t kMaxCacheSeconds = 86400;
constexpr uint32_t kMaxTimeoutMs = 600000;

Unexpected badValue(std::string_view option, std::string_view value, std::string_view allowed) {
  std::string message(option);
  message.append(" ").append(value).append(": allowed: ").append(allowed);
  return unexpected(std::move(message));
}

Result<uint32_t> parseBounded(std::string_view option, std::string_view value, uint32_t lo,
                              uint32_t hi, std::string_view allowed) {
  const auto number = parseDecimal<uint32_t>(value);
  if (!number || *number < lo || *number > hi) {
    return badValue(option, value, allowed);
  }
  return *number;
}

Result<std::string> parseMethod(std::string_view value) {
  static constexpr std::array<std::string_view, 3> kMethods{"HEAD", "GET", "OPTIONS"};
  for (std::string_view method : kMethods) {
    if (iequals(value, method)) {
      return std::string(method);
    }
  }
  return badValue("--method", value, "HEAD, GET or OPTIONS");
}

/** The same syntax and limits as the hcexpect key, from the one parser of it. */
Result<std::vector<config::StatusRange>> parseExpect(std::string_view value) {
  config::BalancerConfig scratch;
  if (auto applied = config::applyBalancerSetting(scratch, "hcexpect", value); !applied) {
    // "hcexpect=VALUE: what; allowed: ..." said of the option instead of the key.
    std::string_view detail = applied.error();
    const std::string keyPrefix = "hcexpect=" + std::string(value) + ": ";
    if (detail.substr(0, keyPrefix.size()) == keyPrefix) {
      detail.remove_prefix(keyPrefix.size());
    }
    return unexpected("--expect " + std::string(value) + ": " + std::string(detail));
  }
  return scratch.hc.expect;
}

Result<void> applyOption(ProbeOptions& options, std::string_view name, std::string_view value) {
  if (name == "--cache") {
    auto seconds = parseBounded(name, value, 0, kMaxCacheSeconds, "seconds, 0..86400");
    if (!seconds) {
      return unexpected(seconds.error());
    }
    options.cache = Seconds(*seconds);
  } else if (name == "--connect-timeout" || name == "--read-timeout") {
    auto ms = parseBounded(name, value, 1, kMaxTimeoutMs, "milliseconds, 1..600000");
    if (!ms) {
      return unexpected(ms.error());
    }
    (name == "--connect-timeout" ? options.connectTimeout : options.readTimeout) = Millis(*ms);
  } else if (name == "--method") {
    auto method = parseMethod(value);
    if (!method) {
      return unexpected(method.error());
    }
    options.method = std::move(*method);
  } else {
    auto expect = parseExpect(value);
    if (!expect) {
      return unexpected(expect.error());
    }
    options.expect = std::move(*expect);
  }
  return {};
}

bool takesValue(std::string_view name) {
  static constexpr std::array<std::string_view, 5> kNames{"--cache", "--connect-timeout",
                                                          "--read-timeout", "--method", "--expect"};
  for (std::string_view known : kNames) {
    if (name == known) {
      return true;
    }
  }
  return false;
}

}  // namespace

Result<ProbeArgs> parseProbeArgs(std::span<const std::string_view> args) {
  ProbeArgs out;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "--help" || arg == "-h") {
      out.help = true;
      continue;
    }
    if (arg == "--version") {
      out.version = true;
      continue;
    }
    const size_t equals = arg.find('=');
    const std::string_view name = arg.substr(0, equals);
    if (!takesValue(name)) {
      return unexpected(std::string(arg) + ": unknown option (see --help)");
    }
    std::string_view value;
    if (equals != std::string_view::npos) {
      value = arg.substr(equals + 1);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return unexpected(std::string(name) + ": needs a value (see --help)");
    }
    if (auto applied = applyOption(out.options, name, value); !applied) {
      return unexpected(applied.error());
    }
  }
  return out;
}

std::string probeUsage() {
  return R"(usage: cxxbalancer-probe [options]

A RewriteMap prg: program. Reads one key a line on stdin, host:port[:path] (IPv6 as
[addr]:port[:path]), and writes one line, UP or DOWN, for each:
  host:port        UP when a TCP connect succeeds within --connect-timeout
  host:port:/path  UP when, in addition, an HTTP/1.1 request (--method) for /path gets a
                   response head within --read-timeout whose status is in --expect
A malformed or over-long line is answered DOWN. Exits with status 0 when stdin closes.

options:
  --cache SECONDS        reuse a target's answer for this long (default 5; 0: check every
                         time)
  --connect-timeout MS   connect timeout, milliseconds (default 2000)
  --read-timeout MS      time for sending the request and reading the response head,
                         milliseconds (default 2000)
  --method METHOD        HEAD, GET or OPTIONS (default HEAD)
  --expect RANGES        statuses that mean UP, as hcexpect: 200-399 or 200,204,300-302
                         (default 200-399)
  --help, --version
)";
}

}  // namespace cxxb::probe
