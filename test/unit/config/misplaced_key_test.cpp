// Messages for keys written on mod_proxy's lines (ProxyPass, ProxySet) for a cxxbalancer://
// balancer: each names the directive the key belongs in. Checked word for word.
#include <catch2/catch.hpp>
#include <string>

#include "config/settings.h"

namespace {

struct Case {
  const char* what;
  const char* key;
  const char* value;
  const char* expected;
};

const Case kCases[] = {
    {"a balancer key points at BalancerSet", "StickySession", "JSESSIONID|jsessionid",
     "stickysession=JSESSIONID|jsessionid: x; allowed: BalancerSet "
     "stickysession=JSESSIONID|jsessionid inside <CxxBalancer b>"},
    {"a member key points at BalancerMember", "retry", "5",
     "retry=5: x; allowed: retry=5 on each BalancerMember line inside <CxxBalancer b>"},
    {"a key of both points at BalancerSet first", "hcuri", "/health",
     "hcuri=/health: x; allowed: BalancerSet hcuri=/health inside <CxxBalancer b>, or on one "
     "BalancerMember line there"},
    {"mod_proxy's enablereuse is the inverse of disablereuse", "enablereuse", "off",
     "enablereuse=off: x; allowed: disablereuse=On on each BalancerMember line inside "
     "<CxxBalancer b>"},
    {"a key without an equivalent says so", "nonce", "abc",
     "nonce=abc: x; allowed: a BalancerSet or BalancerMember key inside <CxxBalancer b>; nonce "
     "has no equivalent"},
    {"a secret is not shown", "secret", "t0ps3cret",
     "secret=***: x; allowed: secret=*** on each BalancerMember line inside <CxxBalancer b>"},
};

}  // namespace

TEST_CASE("a key on a mod_proxy line names the directive it belongs in", "[config]") {
  for (const auto& c : kCases) {
    INFO(c.what);
    CHECK(cxxb::config::misplacedKeyMessage("b", c.key, c.value, "x") == c.expected);
  }
}
