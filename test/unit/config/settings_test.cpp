#include "config/settings.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace cxxb;
using namespace cxxb::config;
using namespace std::chrono_literals;

namespace {

MemberConfig memberFor(const std::string& url) {
  auto parsed = parseMemberUrl(url);
  REQUIRE(parsed.ok());
  MemberConfig m;
  m.url = *parsed;
  return m;
}

std::string memberError(const std::string& url, const std::string& key, const std::string& value) {
  MemberConfig m = memberFor(url);
  auto r = applyMemberSetting(m, key, value);
  REQUIRE_FALSE(r.ok());
  return r.error();
}

std::string balancerError(const std::string& key, const std::string& value) {
  BalancerConfig b;
  auto r = applyBalancerSetting(b, key, value);
  REQUIRE_FALSE(r.ok());
  return r.error();
}

MemberConfig member(const std::string& url, const std::string& route = "") {
  MemberConfig m = memberFor(url);
  m.route = route;
  return m;
}

constexpr const char* kMemberKeyList =
    "addressttl, connectiontimeout, disablereuse, flushpackets, hcexpect, hcfails, hcinterval, "
    "hcmethod, hcpasses, hctimeout, hcuri, keepalive, lbset, loadfactor, max, packetsize, ping, "
    "redirect, retry, route, secret, smax, sslca, sslcert, sslkey, sslsni, sslverify, status, "
    "timeout, ttl, upgrade";
constexpr const char* kBalancerKeyList =
    "failonstatus, failontimeout, forcerecovery, growth, hcexpect, hcfails, hcinterval, "
    "hcmethod, hcpasses, hctimeout, hcuri, lbmethod, maxattempts, nofailover, routecookie, "
    "scolonpathdelim, sorry, stickyforce, stickysession, stickysessionsep";
const std::string kLong65(65, 'r');
const std::string kLong256(256, 's');
constexpr const char* kDuration = "1ms..3600s, as seconds (5, 5s) or milliseconds (250ms)";

}  // namespace

// --- URLs ------------------------------------------------------------------------------------

TEST_CASE("parseMemberUrl accepts the supported forms", "[config]") {
  struct Case {
    const char* url;
    Scheme scheme;
    const char* host;
    uint16_t port;
    const char* path;
    const char* text;
    const char* origin;
  };
  auto c = GENERATE(values<Case>({
      {"http://backend", Scheme::Http, "backend", 80, "", "http://backend:80", "http://backend"},
      {"http://backend/", Scheme::Http, "backend", 80, "/", "http://backend:80/", "http://backend"},
      {"https://b.example.org", Scheme::Https, "b.example.org", 443, "",
       "https://b.example.org:443", "https://b.example.org"},
      {"ajp://192.168.1.3:8009/webapp", Scheme::Ajp, "192.168.1.3", 8009, "/webapp",
       "ajp://192.168.1.3:8009/webapp", "ajp://192.168.1.3"},
      {"ajp://tomcat", Scheme::Ajp, "tomcat", 8009, "", "ajp://tomcat:8009", "ajp://tomcat"},
      {"HTTP://Sorry.Example.ORG:8080", Scheme::Http, "sorry.example.org", 8080, "",
       "http://sorry.example.org:8080", "http://sorry.example.org:8080"},
      {"http://[::1]:8080/a%20b/", Scheme::Http, "::1", 8080, "/a%20b/", "http://[::1]:8080/a%20b/",
       "http://[::1]:8080"},
      {"https://[2001:DB8::7]", Scheme::Https, "2001:db8::7", 443, "", "https://[2001:db8::7]:443",
       "https://[2001:db8::7]"},
      {"http://[::ffff:10.0.0.1]:81", Scheme::Http, "::ffff:10.0.0.1", 81, "",
       "http://[::ffff:10.0.0.1]:81", "http://[::ffff:10.0.0.1]:81"},
      {"http://[1:2:3:4:5:6:7:8]", Scheme::Http, "1:2:3:4:5:6:7:8", 80, "",
       "http://[1:2:3:4:5:6:7:8]:80", "http://[1:2:3:4:5:6:7:8]"},
      {"http://app_1:65535/x;v=1", Scheme::Http, "app_1", 65535, "/x;v=1",
       "http://app_1:65535/x;v=1", "http://app_1:65535"},
  }));
  CAPTURE(c.url);
  auto url = parseMemberUrl(c.url);
  REQUIRE(url.ok());
  CHECK(url->scheme == c.scheme);
  CHECK(url->host == c.host);
  CHECK(url->port == c.port);
  CHECK(url->path == c.path);
  CHECK(url->text() == c.text);
  CHECK(url->origin() == c.origin);
  // The identity parses back to itself.
  auto again = parseMemberUrl(url->text());
  REQUIRE(again.ok());
  CHECK(again->text() == url->text());
}

TEST_CASE("parseMemberUrl refuses bad URLs with exact messages", "[config]") {
  constexpr const char* kForms = "scheme://host[:port][/path] with scheme http, https or ajp";
  auto c = GENERATE(values<std::pair<std::string, std::string>>({
      {"ftp://x/", "ftp://x/: unsupported scheme 'ftp'; allowed: http, https, ajp"},
      {"cxxbalancer://web/",
       "cxxbalancer://web/: unsupported scheme 'cxxbalancer'; allowed: http, https, ajp"},
      {"backend:8080", std::string("backend:8080: missing ://; allowed: ") + kForms},
      {"", std::string(": missing ://; allowed: ") + kForms},
      {"://x", "://x: missing scheme; allowed: http, https, ajp"},
      {"http://user:pw@x/",
       std::string("http://user:pw@x/: user info not allowed; allowed: ") + kForms},
      {"http://x/?a=1", std::string("http://x/?a=1: query not allowed; allowed: ") + kForms},
      {"http://x/#top", std::string("http://x/#top: fragment not allowed; allowed: ") + kForms},
      {"http:///path", std::string("http:///path: empty host; allowed: ") + kForms},
      {"http://:80/", std::string("http://:80/: empty host; allowed: ") + kForms},
      {"http://[]:80/", std::string("http://[]:80/: empty host; allowed: ") + kForms},
      {"http://x:0/", "http://x:0/: port out of range; allowed: 1..65535"},
      {"http://x:65536/", "http://x:65536/: port out of range; allowed: 1..65535"},
      {"http://x:99999999999999999999/",
       "http://x:99999999999999999999/: port out of range; allowed: 1..65535"},
      {"http://x:/", "http://x:/: empty port; allowed: 1..65535"},
      {"http://x:8o/", "http://x:8o/: invalid port; allowed: 1..65535"},
      {"http://[::1/",
       std::string("http://[::1/: missing ] after IPv6 address; allowed: ") + kForms},
      {"http://[::1]x/",
       std::string("http://[::1]x/: invalid character 'x' after ]; allowed: ") + kForms},
      {"http://[::g]/",
       "http://[::g]/: invalid IPv6 address; allowed: an IPv6 address in "
       "brackets, e.g. [::1]:8080"},
      {"http://[1::2::3]/",
       "http://[1::2::3]/: invalid IPv6 address; allowed: an IPv6 address "
       "in brackets, e.g. [::1]:8080"},
      {"http://::1:8080/",
       "http://::1:8080/: IPv6 address without brackets; allowed: an IPv6 "
       "address in brackets, e.g. [::1]:8080"},
      {"http://b%41d/",
       "http://b%41d/: invalid character '%' in host; allowed: host names of "
       "A-Z a-z 0-9 . _ -, IPv4 or [IPv6] addresses"},
      {"http://x/a\x01",
       "http://x/a\\x01: invalid character 0x01 in path; allowed: printable "
       "ASCII, other bytes percent-encoded"},
  }));
  CAPTURE(c.first);
  auto url = parseMemberUrl(c.first);
  REQUIRE_FALSE(url.ok());
  CHECK(url.error() == c.second);
}

TEST_CASE("parseMemberUrl checks IPv6 group counts", "[config]") {
  CHECK(parseMemberUrl("http://[1:2:3:4:5:6:7::]").ok());
  CHECK(parseMemberUrl("http://[::]").ok());
  CHECK(parseMemberUrl("http://[::1.2.3.4]").ok());
  CHECK_FALSE(parseMemberUrl("http://[1:2:3:4:5:6:7:8:9]").ok());
  CHECK_FALSE(parseMemberUrl("http://[1:2:3:4:5:6:7:8::]").ok());
  CHECK_FALSE(parseMemberUrl("http://[12345::]").ok());
  CHECK_FALSE(parseMemberUrl("http://[::1.2.3.256]").ok());
  CHECK_FALSE(parseMemberUrl("http://[::1.2.3]").ok());
  CHECK_FALSE(parseMemberUrl("http://[:1::]").ok());
  CHECK_FALSE(parseMemberUrl("http://[1.2.3.4::]").ok());
}

TEST_CASE("error messages stay on one line and bounded", "[config]") {
  std::string url = "http://x/" + std::string(300, 'a') + "\n";
  auto r = parseMemberUrl(url);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().find('\n') == std::string::npos);
  CHECK(r.error().size() < 400);
  CHECK(r.error().find("\\x0a") == std::string::npos);  // cut before the newline
  CHECK(r.error().find("...: invalid character 0x0a in path") != std::string::npos);
}

// --- key=value ----------------------------------------------------------------------------

TEST_CASE("splitKeyValue lowercases the key and keeps the value", "[config]") {
  auto kv = splitKeyValue("LoadFactor=A=b");
  REQUIRE(kv.ok());
  CHECK(kv->first == "loadfactor");
  CHECK(kv->second == "A=b");
  auto empty = splitKeyValue("route=");
  REQUIRE(empty.ok());
  CHECK(empty->second.empty());
  CHECK(splitKeyValue("route").error() == "route: not key=value; allowed: key=value");
  CHECK(splitKeyValue("=5").error() == "=5: empty key; allowed: key=value");
}

// --- Member keys ----------------------------------------------------------------------------

TEST_CASE("every member key accepts good values", "[config]") {
  struct Case {
    const char* url;
    const char* key;
    const char* value;
  };
  auto c = GENERATE(values<Case>({
      {"http://a", "loadfactor", "1"},
      {"http://a", "loadfactor", "100"},
      {"http://a", "lbset", "0"},
      {"http://a", "lbset", "99"},
      {"http://a", "route", "jvm1"},
      {"http://a", "route", "A.b_c-9"},
      {"http://a", "redirect", "jvm2"},
      {"http://a", "status", "+H"},
      {"http://a", "status", "-D"},
      {"http://a", "status", "D"},
      {"http://a", "status", "+H-D"},
      {"http://a", "status", "sIe"},
      {"http://a", "retry", "0"},
      {"http://a", "retry", "86400"},
      {"http://a", "timeout", "5"},
      {"http://a", "timeout", "250ms"},
      {"http://a", "timeout", "3600s"},
      {"http://a", "connectiontimeout", "1ms"},
      {"http://a", "ping", "3600000MS"},
      {"http://a", "max", "1"},
      {"http://a", "max", "100000"},
      {"http://a", "smax", "0"},
      {"http://a", "ttl", "1"},
      {"http://a", "ttl", "86400"},
      {"http://a", "disablereuse", "On"},
      {"http://a", "disablereuse", "off"},
      {"http://a", "keepalive", "ON"},
      {"http://a", "addressttl", "0"},
      {"http://a", "addressttl", "86400"},
      {"ajp://a", "secret", "s3cr3t!#"},
      {"ajp://a", "packetsize", "8192"},
      {"ajp://a", "packetsize", "65536"},
      {"http://a", "upgrade", "websocket"},
      {"https://a", "upgrade", "WebSocket"},
      {"http://a", "upgrade", "*"},
      {"ajp://a", "flushpackets", "auto"},
      {"http://a", "flushpackets", "On"},
      {"http://a", "flushpackets", "off"},
      {"https://a", "sslverify", "off"},
      {"https://a", "sslca", "/etc/ssl/ca.pem"},
      {"https://a", "sslcert", "c.pem"},
      {"https://a", "sslkey", "/k dir/key.pem"},
      {"https://a", "sslsni", "api.example.org"},
      {"http://a", "hcmethod", "GET"},
      {"ajp://a", "hcmethod", "cping"},
      {"http://a", "hcmethod", "none"},
      {"http://a", "hcuri", "/health?full=1"},
      {"http://a", "hcinterval", "1"},
      {"http://a", "hctimeout", "500ms"},
      {"http://a", "hcpasses", "100"},
      {"http://a", "hcfails", "1"},
      {"http://a", "hcexpect", "200,204,300-399"},
  }));
  CAPTURE(c.url, c.key, c.value);
  MemberConfig m = memberFor(c.url);
  auto r = applyMemberSetting(m, c.key, c.value);
  CHECK(r.ok());
  if (!r.ok()) {
    WARN(r.error());
  }
}

TEST_CASE("member keys store what they parse", "[config]") {
  auto m = parseMemberLine({"ajp://10.0.0.1:8009/app",
                            "Route=jvm1",
                            "LOADFACTOR=10",
                            "lbset=2",
                            "redirect=jvm2",
                            "status=+H-D",
                            "retry=5",
                            "timeout=250ms",
                            "connectiontimeout=2",
                            "ping=100ms",
                            "max=10",
                            "smax=5",
                            "ttl=60",
                            "disablereuse=On",
                            "keepalive=on",
                            "addressttl=0",
                            "secret=abc",
                            "packetsize=16384",
                            "flushpackets=auto",
                            "hcmethod=CPING",
                            "hcuri=/ok",
                            "hcinterval=10",
                            "hctimeout=3",
                            "hcpasses=2",
                            "hcfails=3",
                            "hcexpect=200-299,304"});
  REQUIRE(m.ok());
  CHECK(m->url.text() == "ajp://10.0.0.1:8009/app");
  CHECK(m->route == "jvm1");
  CHECK(m->loadFactor == 10);
  CHECK(m->lbset == 2);
  CHECK(m->redirect == "jvm2");
  CHECK(m->status == kStatusHotStandby);
  CHECK(m->retry == 5s);
  CHECK(m->timeout == 250ms);
  CHECK(m->connectTimeout == 2000ms);
  CHECK(m->ping == 100ms);
  CHECK(m->max == 10u);
  CHECK(m->smax == 5u);
  CHECK(m->ttl == 60s);
  CHECK(m->disableReuse);
  CHECK(m->keepalive);
  CHECK(m->addressTtl == 0s);
  CHECK(m->secret == "abc");
  CHECK(m->packetSize == 16384);
  CHECK(m->flushPackets == FlushPackets::Auto);
  CHECK(m->hc.method == HealthMethod::Cping);
  CHECK(m->hc.uri == "/ok");
  CHECK(m->hc.interval == 10s);
  CHECK(m->hc.timeout == 3000ms);
  CHECK(m->hc.passes == 2u);
  CHECK(m->hc.fails == 3u);
  REQUIRE(m->hc.expect);
  CHECK(*m->hc.expect == std::vector<StatusRange>{{200, 299}, {304, 304}});

  auto h = parseMemberLine({"https://api:8443", "sslverify=Off", "sslca=/ca.pem", "sslcert=/c",
                            "sslkey=/k", "sslsni=api.internal", "upgrade=*"});
  REQUIRE(h.ok());
  CHECK_FALSE(h->sslVerify);
  CHECK(h->sslCa == "/ca.pem");
  CHECK(h->sslCert == "/c");
  CHECK(h->sslKey == "/k");
  CHECK(h->sslSni == std::optional<std::string>("api.internal"));
  CHECK(h->upgrade == Upgrade::Any);
}

TEST_CASE("status flags follow httpd: a sign holds until the next one", "[config]") {
  auto statusOf = [](std::vector<std::string> values) {
    MemberConfig m = memberFor("http://a");
    for (const auto& v : values) {
      REQUIRE(applyMemberSetting(m, "status", v).ok());
    }
    return m.status;
  };
  CHECK(statusOf({"D"}) == kStatusDisabled);
  CHECK(statusOf({"+HD"}) == (kStatusHotStandby | kStatusDisabled));
  CHECK(statusOf({"+D", "-D"}) == 0u);
  CHECK(statusOf({"+DS-D"}) == kStatusStopped);
  CHECK(statusOf({"n", "+i", "E"}) == (kStatusDraining | kStatusIgnoreErrors | kStatusInError));
}

TEST_CASE("every member key refuses bad values", "[config]") {
  struct Case {
    const char* url;
    const char* key;
    const char* value;
  };
  auto c = GENERATE(values<Case>({
      {"http://a", "loadfactor", "0"},
      {"http://a", "loadfactor", "101"},
      {"http://a", "loadfactor", "x"},
      {"http://a", "loadfactor", "1.5"},
      {"http://a", "lbset", "100"},
      {"http://a", "lbset", "-1"},
      {"http://a", "route", "jvm/1"},
      {"http://a", "route", kLong65.c_str()},
      {"http://a", "redirect", "a b"},
      {"http://a", "status", "+X"},
      {"http://a", "status", "+"},
      {"http://a", "status", "H-"},
      {"http://a", "retry", "86401"},
      {"http://a", "retry", "1s"},
      {"http://a", "timeout", "0"},
      {"http://a", "timeout", "0ms"},
      {"http://a", "timeout", "3601"},
      {"http://a", "timeout", "3600001ms"},
      {"http://a", "timeout", "5m"},
      {"http://a", "connectiontimeout", "ms"},
      {"http://a", "ping", "-1"},
      {"http://a", "max", "0"},
      {"http://a", "max", "100001"},
      {"http://a", "smax", "100001"},
      {"http://a", "ttl", "0"},
      {"http://a", "ttl", "86401"},
      {"http://a", "disablereuse", "yes"},
      {"http://a", "keepalive", "1"},
      {"http://a", "addressttl", "86401"},
      {"ajp://a", "secret", "has space"},
      {"ajp://a", "secret", kLong256.c_str()},
      {"ajp://a", "packetsize", "8191"},
      {"ajp://a", "packetsize", "65537"},
      {"http://a", "upgrade", "h2c"},
      {"http://a", "flushpackets", "sometimes"},
      {"https://a", "sslverify", "maybe"},
      {"https://a", "sslca", "/a\x01"},
      {"https://a", "sslsni", "-bad.example"},
      {"https://a", "sslsni", "a..b"},
      {"https://a", "sslsni", "10.0.0.1:443"},
      {"http://a", "hcmethod", "POST"},
      {"http://a", "hcuri", "health"},
      {"http://a", "hcinterval", "0"},
      {"http://a", "hctimeout", "0"},
      {"http://a", "hcpasses", "0"},
      {"http://a", "hcfails", "101"},
      {"http://a", "hcexpect", "600"},
      {"http://a", "hcexpect", "399-200"},
      {"http://a", "hcexpect", "200,"},
      {"http://a", "loadfactor", ""},
  }));
  CAPTURE(c.url, c.key, c.value);
  std::string error = memberError(c.url, c.key, c.value);
  CHECK(error.rfind(std::string(c.key) + "=", 0) == 0);
  CHECK(error.find("; allowed: ") != std::string::npos);
  CHECK(error.find('\n') == std::string::npos);
}

TEST_CASE("member messages are exact", "[config]") {
  auto c = GENERATE(values<std::vector<std::string>>({
      {"http://a", "loadfactor", "500", "loadfactor=500: out of range; allowed: 1..100"},
      {"http://a", "LoadFactor", "ten", "loadfactor=ten: not a number; allowed: 1..100"},
      {"http://a", "lbset", "-1", "lbset=-1: out of range; allowed: 0..99"},
      {"http://a", "route", "",
       "route=: empty value; allowed: 1..64 characters of A-Z a-z 0-9 . _ -"},
      {"http://a", "route", "jvm/1",
       "route=jvm/1: invalid character '/'; allowed: 1..64 characters of A-Z a-z 0-9 . _ -"},
      {"http://a", "status", "+X",
       "status=+X: unknown flag 'X'; allowed: flags D, S, H, N, I, E, each set by + (or no sign) "
       "and cleared by -, e.g. +H or +H-D"},
      {"http://a", "timeout", "5m",
       std::string("timeout=5m: not a duration; allowed: ") + kDuration},
      {"http://a", "timeout", "0", std::string("timeout=0: out of range; allowed: ") + kDuration},
      {"http://a", "keepalive", "yes", "keepalive=yes: not On or Off; allowed: On, Off"},
      {"http://a", "secret", "abc", "secret=***: not for http members; allowed: ajp members"},
      {"ajp://a", "secret", "a\tb",
       "secret=***: contains a space or a non-printable character; allowed: 1..255 printable "
       "ASCII characters without spaces"},
      {"https://a", "packetsize", "8192",
       "packetsize=8192: not for https members; allowed: ajp members"},
      {"ajp://a", "packetsize", "4096", "packetsize=4096: out of range; allowed: 8192..65536"},
      {"http://a", "sslverify", "off",
       "sslverify=off: not for http members; allowed: https members"},
      {"ajp://a", "sslca", "/ca.pem", "sslca=/ca.pem: not for ajp members; allowed: https members"},
      {"ajp://a", "upgrade", "websocket",
       "upgrade=websocket: not for ajp members; allowed: http and https members"},
      {"http://a", "upgrade", "h2c", "upgrade=h2c: unknown protocol; allowed: websocket, *"},
      {"http://a", "hcmethod", "CPING",
       "hcmethod=CPING: CPING only for ajp members; allowed: NONE, TCP, OPTIONS, HEAD, GET"},
      {"http://a", "hcmethod", "POST",
       "hcmethod=POST: unknown method; allowed: NONE, TCP, OPTIONS, HEAD, GET, CPING"},
      {"https://a", "sslsni", "a_b",
       "sslsni=a_b: not a host name; allowed: a DNS host name, e.g. backend.example.org"},
      {"http://a", "hcexpect", "399-200",
       "hcexpect=399-200: range runs backwards; allowed: status codes or ranges of 100..599, "
       "e.g. 200-399 or 200,204,300-399"},
      {"http://a", "flushpackets", "1",
       "flushpackets=1: not on, off or auto; allowed: on, off, auto"},
      {"http://a", "fluxcapacitor", "1",
       std::string("fluxcapacitor=1: unknown key; allowed: ") + kMemberKeyList},
      {"http://a", "LbMethod", "bytraffic",
       std::string("lbmethod=bytraffic: unknown key (a BalancerSet key); allowed: ") +
           kMemberKeyList},
  }));
  CAPTURE(c[0], c[1], c[2]);
  CHECK(memberError(c[0], c[1], c[2]) == c[3]);
}

TEST_CASE("smax is checked against max whichever comes second", "[config]") {
  auto smaxFirst = parseMemberLine({"http://a", "smax=20", "max=10"});
  REQUIRE_FALSE(smaxFirst.ok());
  CHECK(smaxFirst.error() == "max=10: less than smax=20; allowed: 20..100000");
  auto maxFirst = parseMemberLine({"http://a", "max=10", "smax=20"});
  REQUIRE_FALSE(maxFirst.ok());
  CHECK(maxFirst.error() == "smax=20: greater than max=10; allowed: 0..10");
  auto smaxAlone = parseMemberLine({"http://a", "smax=100001"});
  REQUIRE_FALSE(smaxAlone.ok());
  CHECK(smaxAlone.error() == "smax=100001: out of range; allowed: 0..100000");
  auto equal = parseMemberLine({"http://a", "smax=10", "max=10"});
  CHECK(equal.ok());
}

TEST_CASE("a failed member setting leaves the member unchanged", "[config]") {
  MemberConfig m = memberFor("http://a");
  REQUIRE(applyMemberSetting(m, "status", "+H").ok());
  CHECK_FALSE(applyMemberSetting(m, "status", "-H+Q").ok());
  CHECK(m.status == kStatusHotStandby);
  CHECK_FALSE(applyMemberSetting(m, "loadfactor", "0").ok());
  CHECK(m.loadFactor == 1);
}

TEST_CASE("parseMemberLine reports the URL and the first bad setting", "[config]") {
  CHECK(parseMemberLine({}).error() ==
        "BalancerMember: missing URL; allowed: scheme://host[:port][/path] with scheme http, "
        "https or ajp");
  CHECK(parseMemberLine({"ftp://x/", "loadfactor=500"}).error() ==
        "ftp://x/: unsupported scheme 'ftp'; allowed: http, https, ajp");
  CHECK(parseMemberLine({"http://x/", "loadfactor"}).error() ==
        "loadfactor: not key=value; allowed: key=value");
  CHECK(parseMemberLine({"http://x/", "route=a", "loadfactor=500", "lbset=100"}).error() ==
        "loadfactor=500: out of range; allowed: 1..100");
}

// --- Balancer keys --------------------------------------------------------------------------

TEST_CASE("every balancer key accepts good values", "[config]") {
  auto c = GENERATE(values<std::pair<const char*, const char*>>({
      {"lbmethod", "byrequests"},
      {"lbmethod", "bytraffic"},
      {"lbmethod", "ByBusyness"},
      {"lbmethod", "bybusyness"},
      {"lbmethod", "P2C"},
      {"stickysession", "JSESSIONID"},
      {"stickysession", "JSESSIONID|jsessionid"},
      {"stickysessionsep", "_"},
      {"scolonpathdelim", "On"},
      {"routecookie", "ROUTEID"},
      {"stickyforce", "on"},
      {"nofailover", "Off"},
      {"failontimeout", "ON"},
      {"forcerecovery", "off"},
      {"maxattempts", "0"},
      {"maxattempts", "100"},
      {"failonstatus", "500"},
      {"failonstatus", "500,502,503"},
      {"sorry", "/errors/sorry.html"},
      {"sorry", "https://status.example.org/down.html"},
      {"growth", "0"},
      {"growth", "1000"},
      {"hcmethod", "TCP"},
      {"hcmethod", "options"},
      {"hcmethod", "HEAD"},
      {"hcmethod", "GET"},
      {"hcmethod", "CPING"},
      {"hcuri", "/"},
      {"hcinterval", "86400"},
      {"hctimeout", "5"},
      {"hcpasses", "1"},
      {"hcfails", "100"},
      {"hcexpect", "200-399"},
      {"hcexpect", "200,204,300-399"},
  }));
  CAPTURE(c.first, c.second);
  BalancerConfig b;
  auto r = applyBalancerSetting(b, c.first, c.second);
  CHECK(r.ok());
  if (!r.ok()) {
    WARN(r.error());
  }
}

TEST_CASE("balancer keys store what they parse", "[config]") {
  BalancerConfig b;
  REQUIRE(parseBalancerSetLine(
              b, {"LBMethod=ByBusyness", "stickysession=JSESSIONID|jsessionid",
                  "stickysessionsep=_", "scolonpathdelim=On", "routecookie=ROUTEID",
                  "stickyforce=On", "nofailover=On", "maxattempts=3", "failonstatus=503,500,503",
                  "failontimeout=On", "forcerecovery=Off", "sorry=/sorry.html", "growth=10"})
              .ok());
  CHECK(b.lbMethod == "bybusyness");
  CHECK(b.stickyCookie == "JSESSIONID");
  CHECK(b.stickyUrlParam == "jsessionid");
  CHECK(b.stickySeparator == '_');
  CHECK(b.scolonPathDelim);
  CHECK(b.routeCookie == "ROUTEID");
  CHECK(b.stickyForce);
  CHECK(b.noFailover);
  CHECK(b.maxAttempts == 3u);
  CHECK(b.failOnStatus == std::vector<int>{503, 500});
  CHECK(b.failOnTimeout);
  CHECK_FALSE(b.forceRecovery);
  CHECK(b.sorry == "/sorry.html");
  CHECK(b.growth == 10u);

  REQUIRE(parseBalancerSetLine(
              b, {"stickysession=SID", "hcmethod=get", "hcuri=/health", "hcinterval=5",
                  "hctimeout=1500ms", "hcpasses=2", "hcfails=3", "hcexpect=200,204,300-399"})
              .ok());
  CHECK(b.stickyCookie == "SID");
  CHECK(b.stickyUrlParam == "SID");
  CHECK(b.hc.method == HealthMethod::Get);
  CHECK(b.hc.uri == "/health");
  CHECK(b.hc.interval == 5s);
  CHECK(b.hc.timeout == 1500ms);
  CHECK(b.hc.passes == 2u);
  CHECK(b.hc.fails == 3u);
  CHECK(b.hc.expect == std::vector<StatusRange>{{200, 200}, {204, 204}, {300, 399}});
}

TEST_CASE("every balancer key refuses bad values", "[config]") {
  auto c = GENERATE(values<std::pair<const char*, const char*>>({
      {"lbmethod", "roundrobin"},
      {"stickysession", "a b"},
      {"stickysession", "|x"},
      {"stickysession", "a|"},
      {"stickysession", "a|b|c"},
      {"stickysession", "a;b"},
      {"stickysessionsep", ".."},
      {"stickysessionsep", " "},
      {"scolonpathdelim", "yes"},
      {"routecookie", "a=b"},
      {"stickyforce", "2"},
      {"nofailover", "true"},
      {"failontimeout", "false"},
      {"forcerecovery", "x"},
      {"maxattempts", "101"},
      {"failonstatus", "99"},
      {"failonstatus", "600"},
      {"failonstatus", "500,,502"},
      {"failonstatus", "5xx"},
      {"sorry", "sorry.html"},
      {"sorry", "ajp://x/"},
      {"sorry", "http://x/?q"},
      {"sorry", "/a\x7f"},
      {"growth", "1001"},
      {"hcmethod", "PATCH"},
      {"hcuri", "health"},
      {"hcinterval", "0"},
      {"hcinterval", "86401"},
      {"hctimeout", "3601"},
      {"hcpasses", "0"},
      {"hcfails", "0"},
      {"hcexpect", "2xx"},
      {"hcexpect", "99"},
      {"hcexpect", "200-"},
      {"growth", ""},
  }));
  CAPTURE(c.first, c.second);
  std::string error = balancerError(c.first, c.second);
  CHECK(error.rfind(std::string(c.first) + "=", 0) == 0);
  CHECK(error.find("; allowed: ") != std::string::npos);
}

TEST_CASE("balancer messages are exact", "[config]") {
  auto c = GENERATE(values<std::vector<std::string>>({
      {"lbmethod", "roundrobin",
       "lbmethod=roundrobin: unknown method; allowed: byrequests, bytraffic, bybusyness, p2c"},
      {"stickysession", "a|b|c",
       "stickysession=a|b|c: more than one |; allowed: COOKIE or COOKIE|urlparam, names of token "
       "characters"},
      {"stickysession", "a;b",
       "stickysession=a;b: invalid character ';'; allowed: COOKIE or COOKIE|urlparam, names of "
       "token characters"},
      {"maxattempts", "101", "maxattempts=101: out of range; allowed: 0..100"},
      {"failonstatus", "500,600",
       "failonstatus=500,600: out of range; allowed: comma-separated status codes of 100..599, "
       "e.g. 500,502,503"},
      {"failonstatus", "5xx",
       "failonstatus=5xx: not a status list; allowed: comma-separated status codes of 100..599, "
       "e.g. 500,502,503"},
      {"sorry", "sorry.html",
       "sorry=sorry.html: missing ://; allowed: a local path starting with / or an http(s) URL"},
      {"sorry", "ajp://x/",
       "sorry=ajp://x/: unsupported scheme 'ajp'; allowed: a local path starting with / or an "
       "http(s) URL"},
      {"growth", "1001", "growth=1001: out of range; allowed: 0..1000"},
      {"hcmethod", "PATCH",
       "hcmethod=PATCH: unknown method; allowed: NONE, TCP, OPTIONS, HEAD, GET, CPING"},
      {"hcuri", "health", "hcuri=health: does not start with /; allowed: a path starting with /"},
      {"hcinterval", "0", "hcinterval=0: out of range; allowed: 1..86400 (seconds)"},
      {"hcexpect", "200-",
       "hcexpect=200-: not a status list; allowed: status codes or ranges of "
       "100..599, e.g. 200-399 or 200,204,300-399"},
      {"stickysessionsep", "..",
       "stickysessionsep=..: not one printable character; allowed: one printable character other "
       "than space, e.g. . or _"},
      {"nofailover", "true", "nofailover=true: not On or Off; allowed: On, Off"},
      {"fluxcapacitor", "1",
       std::string("fluxcapacitor=1: unknown key; allowed: ") + kBalancerKeyList},
      {"loadfactor", "5",
       std::string("loadfactor=5: unknown key (a BalancerMember key); allowed: ") +
           kBalancerKeyList},
  }));
  CAPTURE(c[0], c[1]);
  CHECK(balancerError(c[0], c[1]) == c[2]);
}

TEST_CASE("lbmethod= accepts every method of the table, in any case", "[config]") {
  for (const auto& method : kLbMethods) {
    BalancerConfig b;
    std::string upper;
    for (const char c : method.name) {
      upper += static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
    }
    INFO(upper);
    REQUIRE(applyBalancerSetting(b, "lbmethod", upper).ok());
    CHECK(b.lbMethod == method.name);
  }
  BalancerConfig b;
  auto bad = applyBalancerSetting(b, "lbmethod", "random");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error() ==
        "lbmethod=random: unknown method; allowed: byrequests, bytraffic, bybusyness, p2c");
}

TEST_CASE("a bad BalancerSet line changes nothing", "[config]") {
  BalancerConfig b;
  auto r = parseBalancerSetLine(b, {"lbmethod=bytraffic", "growth=5000"});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error() == "growth=5000: out of range; allowed: 0..1000");
  CHECK(b.lbMethod == "byrequests");
  CHECK(parseBalancerSetLine(b, {"lbmethod"}).error() ==
        "lbmethod: not key=value; allowed: key=value");
  CHECK(parseBalancerSetLine(b, {}).error() ==
        std::string("BalancerSet: no setting; allowed: ") + kBalancerKeyList);
}

// --- Durations --------------------------------------------------------------------------------

TEST_CASE("parseDuration reads seconds and milliseconds", "[config]") {
  CHECK(*parseDuration("timeout", "5") == 5000ms);
  CHECK(*parseDuration("timeout", "5s") == 5000ms);
  CHECK(*parseDuration("timeout", "250ms") == 250ms);
  CHECK(*parseDuration("timeout", "1ms") == 1ms);
  CHECK(*parseDuration("timeout", "3600") == 3600s);
  CHECK(parseDuration("Timeout", "").error() ==
        std::string("timeout=: empty value; allowed: ") + kDuration);
  CHECK(parseDuration("timeout", "99999999999999999999999").error() ==
        std::string("timeout=99999999999999999999999: out of range; allowed: ") + kDuration);
  CHECK(parseDuration("timeout", "1.5").error() ==
        std::string("timeout=1.5: not a duration; allowed: ") + kDuration);
}

// --- Whole balancers --------------------------------------------------------------------------

TEST_CASE("validateBalancer accepts a sound balancer", "[config]") {
  BalancerConfig b;
  b.name = "webapp";
  b.members = {member("ajp://a:8009", "jvm1"), member("ajp://b:8009", "jvm2"),
               member("http://sorry:8080")};
  b.members[1].redirect = "jvm1";
  CHECK(validateBalancer(b).ok());
}

TEST_CASE("validateBalancer refuses what cannot work", "[config]") {
  BalancerConfig b;
  b.name = "webapp";
  SECTION("no member") {
    CHECK(validateBalancer(b).error() ==
          "balancer webapp: has no BalancerMember; allowed: at least one BalancerMember");
  }
  SECTION("the same URL twice, also when written differently") {
    b.members = {member("http://A:80/app"), member("http://a/app")};
    b.members[0].where = {"/etc/apache2/sites/web.conf", 12};
    b.members[1].where = {"/etc/apache2/sites/web.conf", 14};
    CHECK(validateBalancer(b).error() ==
          "http://a:80/app: duplicate BalancerMember in balancer webapp "
          "(/etc/apache2/sites/web.conf:12 and /etc/apache2/sites/web.conf:14); allowed: each "
          "member URL once");
    b.members[0].where = {};
    b.members[1].where = {};
    CHECK(validateBalancer(b).error() ==
          "http://a:80/app: duplicate BalancerMember in balancer webapp; allowed: each member URL "
          "once");
  }
  SECTION("different paths are different members") {
    b.members = {member("http://a/app1"), member("http://a/app2")};
    CHECK(validateBalancer(b).ok());
  }
  SECTION("the same route twice") {
    b.members = {member("ajp://a", "jvm1"), member("ajp://b", "jvm1")};
    CHECK(validateBalancer(b).error() ==
          "route=jvm1: used twice in balancer webapp, by ajp://a:8009 and ajp://b:8009; allowed: a "
          "different route per member");
  }
  SECTION("redirect to an unknown route") {
    b.members = {member("ajp://a", "jvm1"), member("ajp://b", "jvm2")};
    b.members[0].redirect = "jvm9";
    CHECK(validateBalancer(b).error() ==
          "redirect=jvm9: no member of balancer webapp has this route; allowed: jvm1, jvm2");
    b.members = {member("ajp://a")};
    b.members[0].redirect = "jvm9";
    CHECK(validateBalancer(b).error() ==
          "redirect=jvm9: no member of balancer webapp has this route; allowed: a route of this "
          "balancer (none set)");
  }
  SECTION("smax above max") {
    b.members = {member("http://a")};
    b.members[0].max = 5;
    b.members[0].smax = 6;
    CHECK(validateBalancer(b).error() ==
          "smax=6: greater than max=5 of http://a:80; allowed: 0..5");
  }
  SECTION("balancer-wide CPING reaches an http member") {
    b.members = {member("ajp://a"), member("http://sorry")};
    b.hc.method = HealthMethod::Cping;
    CHECK(validateBalancer(b).error() ==
          "hcmethod=CPING: not for http member http://sorry:80 of balancer webapp; allowed: NONE, "
          "TCP, OPTIONS, HEAD, GET as that member's hcmethod");
    b.members[1].hc.method = HealthMethod::Tcp;
    CHECK(validateBalancer(b).ok());
  }
}

TEST_CASE("validateBalancerName", "[config]") {
  CHECK(validateBalancerName("webapp").ok());
  CHECK(validateBalancerName("a.b_c-9").ok());
  CHECK(validateBalancerName(std::string(64, 'n')).ok());
  constexpr const char* kAllowed = "; allowed: 1..64 characters of A-Z a-z 0-9 . _ -";
  CHECK(validateBalancerName("").error() == std::string("balancer name : empty") + kAllowed);
  CHECK(validateBalancerName(std::string(65, 'n')).error() ==
        "balancer name " + std::string(65, 'n') + ": too long" + kAllowed);
  CHECK(validateBalancerName("web/app").error() ==
        std::string("balancer name web/app: invalid character '/'") + kAllowed);
}

// --- Health-check overrides -------------------------------------------------------------------

TEST_CASE("HealthCheckOverrides::applyTo replaces only what is set", "[config]") {
  HealthCheck balancer;
  balancer.method = HealthMethod::Get;
  balancer.uri = "/health";
  HealthCheckOverrides none;
  CHECK(none.applyTo(balancer).uri == "/health");
  CHECK(none.applyTo(balancer).method == HealthMethod::Get);

  HealthCheckOverrides all;
  all.method = HealthMethod::Cping;
  all.uri = "/x";
  all.interval = 7s;
  all.timeout = 700ms;
  all.passes = 4;
  all.fails = 5;
  all.expect = std::vector<StatusRange>{{200, 200}};
  HealthCheck out = all.applyTo(balancer);
  CHECK(out.method == HealthMethod::Cping);
  CHECK(out.uri == "/x");
  CHECK(out.interval == 7s);
  CHECK(out.timeout == 700ms);
  CHECK(out.passes == 4u);
  CHECK(out.fails == 5u);
  CHECK(out.expect == std::vector<StatusRange>{{200, 200}});
}
