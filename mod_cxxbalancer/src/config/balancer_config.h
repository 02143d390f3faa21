#pragma once
// The configuration users write (DESIGN.md §2) as plain values. Filled by the parsers in
// settings.h, read by everything else. No httpd types: the adapter copies in and out.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/lb_methods.h"
#include "core/clock.h"

namespace cxxb::config {

enum class Scheme { Http, Https, Ajp };

/** A member's address as written in `BalancerMember URL`. */
struct MemberUrl {
  Scheme scheme = Scheme::Http;
  std::string host;   ///< without brackets for IPv6 literals
  uint16_t port = 0;  ///< the scheme's default port when the URL has none
  std::string path;   ///< "" or starting with '/', kept as written (percent-encoded)

  /** scheme://host:port[path], brackets around IPv6 hosts; the member's identity. */
  std::string text() const;
  /** scheme://host[:port] with the port only when it is not the scheme's default. */
  std::string origin() const;
  /**
   * The Host header that names this member (without ProxyPreserveHost): host[:port],
   * brackets around IPv6 literals. For http and https the port is left out when it is the
   * scheme's default (RFC 9110 §4.2.3, and what mod_proxy_http sends). For ajp it is always
   * there: the member sees an HTTP request, for which 8009 is no default port.
   */
  std::string hostHeader() const;
};

/** Member status flags (`status=+X`). Values are stable: they live in shared memory. */
enum StatusFlag : uint32_t {
  kStatusDisabled = 1u << 0,      ///< D
  kStatusStopped = 1u << 1,       ///< S
  kStatusHotStandby = 1u << 2,    ///< H
  kStatusDraining = 1u << 3,      ///< N
  kStatusIgnoreErrors = 1u << 4,  ///< I
  kStatusInError = 1u << 5,       ///< E
};

enum class HealthMethod { None, Tcp, Options, Head, Get, Cping };
enum class Upgrade { None, WebSocket, Any };
enum class FlushPackets { Off, On, Auto };

/** An inclusive range of HTTP status codes, as in `hcexpect=200-399`. */
struct StatusRange {
  int low = 200;
  int high = 399;
  bool operator==(const StatusRange&) const = default;
};

/** True when `status` falls in one of `ranges` (what `hcexpect` accepts). */
inline bool statusInRanges(int status, const std::vector<StatusRange>& ranges) noexcept {
  for (const StatusRange& range : ranges) {
    if (status >= range.low && status <= range.high) {
      return true;
    }
  }
  return false;
}

/** Health-check settings; on a member every field is an optional override. */
struct HealthCheck {
  HealthMethod method = HealthMethod::None;
  std::string uri = "/";
  Seconds interval{30};
  Millis timeout{5000};
  uint32_t passes = 1;
  uint32_t fails = 1;
  std::vector<StatusRange> expect{{200, 399}};
};

struct HealthCheckOverrides {
  std::optional<HealthMethod> method;
  std::optional<std::string> uri;
  std::optional<Seconds> interval;
  std::optional<Millis> timeout;
  std::optional<uint32_t> passes;
  std::optional<uint32_t> fails;
  std::optional<std::vector<StatusRange>> expect;

  /** The balancer's settings with this member's overrides applied. */
  HealthCheck applyTo(const HealthCheck& balancer) const;
};

/** Where a directive came from, for messages that point at the line to fix. */
struct SourceLocation {
  std::string file;
  int line = 0;
};

struct MemberConfig {
  MemberUrl url;
  SourceLocation where;
  uint32_t loadFactor = 1;  // 1..100
  uint32_t lbset = 0;       // 0..99
  std::string route;
  std::string redirect;
  uint32_t status = 0;  // StatusFlag bits set by status=
  Seconds retry{60};
  std::optional<Millis> timeout;         // unset: ProxyTimeout, then the server Timeout
  std::optional<Millis> connectTimeout;  // unset: timeout
  std::optional<Millis> ping;            // unset: off
  std::optional<uint32_t> max;           // unset: the MPM's threads per child
  std::optional<uint32_t> smax;          // unset: max
  std::optional<Seconds> ttl;            // unset: idle connections above smax are kept
  bool disableReuse = false;
  bool keepalive = false;
  Seconds addressTtl{30};
  std::string secret;
  uint32_t packetSize = 8192;  // 8192..65536
  Upgrade upgrade = Upgrade::None;
  FlushPackets flushPackets = FlushPackets::Off;
  bool sslVerify = true;
  std::string sslCa;
  std::string sslCert;
  std::string sslKey;
  std::optional<std::string> sslSni;  // unset: the member's host name
  HealthCheckOverrides hc;
};

struct BalancerConfig {
  std::string name;
  SourceLocation where;
  std::vector<MemberConfig> members;
  std::string lbMethod{kDefaultLbMethod};
  std::string stickyCookie;    // stickysession=COOKIE[|urlparam], first part
  std::string stickyUrlParam;  // second part; equals the cookie name when only one is given
  char stickySeparator = '.';
  bool scolonPathDelim = false;
  std::string routeCookie;
  bool stickyForce = false;
  bool noFailover = false;
  std::optional<uint32_t> maxAttempts;  // unset: members - 1
  std::vector<int> failOnStatus;
  bool failOnTimeout = false;
  bool forceRecovery = true;
  std::string sorry;
  uint32_t growth = 4;
  HealthCheck hc;
};

/** What a `sorry=` value names. */
enum class SorryKind {
  None,       ///< unset
  LocalPath,  ///< starts with '/': served by httpd like an ErrorDocument
  Url,        ///< anything else: an http(s) URL fetched like a member
};
SorryKind sorryKindOf(std::string_view sorry) noexcept;

}  // namespace cxxb::config
