#include "config/balancer_url.h"

#include <catch2/catch.hpp>

#include "config/balancer_config.h"

using namespace cxxb::config;

TEST_CASE("balancer URL: name, path and query", "[config]") {
  auto u = parseBalancerUrl("cxxbalancer://web/a/b?x=1");
  REQUIRE(u);
  CHECK(u->name == "web");
  CHECK(u->path == "/a/b");
  CHECK(u->query == "?x=1");

  u = parseBalancerUrl("CxxBalancer://Web?q");
  REQUIRE(u);
  CHECK(u->name == "Web");
  CHECK(u->path.empty());
  CHECK(u->query == "?q");

  u = parseBalancerUrl("cxxbalancer://web");
  REQUIRE(u);
  CHECK(u->name == "web");
  CHECK(u->path.empty());
  CHECK(u->query.empty());

  u = parseBalancerUrl("cxxbalancer://web/");
  REQUIRE(u);
  CHECK(u->path == "/");
}

TEST_CASE("balancer URL: other schemes are not ours", "[config]") {
  CHECK_FALSE(parseBalancerUrl("balancer://web/"));
  CHECK_FALSE(parseBalancerUrl("cxxbalancer:/web/"));
  CHECK_FALSE(parseBalancerUrl("cxxbalancer:"));
  CHECK_FALSE(parseBalancerUrl(""));
  CHECK(isBalancerUrl("CXXBALANCER://x"));
  CHECK(balancerUrlOf("web") == "cxxbalancer://web");
  CHECK(parseBalancerUrl(balancerUrlOf("web"))->name == "web");
}

TEST_CASE("member Host header: default port left out for HTTP, kept for AJP", "[config]") {
  MemberUrl u;
  u.host = "app.example";
  auto [scheme, port, expected] = GENERATE(table<Scheme, uint16_t, std::string>({
      {Scheme::Http, 80, "app.example"},
      {Scheme::Http, 8080, "app.example:8080"},
      {Scheme::Https, 443, "app.example"},
      {Scheme::Https, 80, "app.example:80"},
      {Scheme::Ajp, 8009, "app.example:8009"},
      {Scheme::Ajp, 80, "app.example:80"},
  }));
  u.scheme = scheme;
  u.port = port;
  CHECK(u.hostHeader() == expected);
  u.host = "::1";
  CHECK(u.hostHeader() == "[::1]" + expected.substr(std::string("app.example").size()));
}

TEST_CASE("sorry= kinds", "[config]") {
  CHECK(sorryKindOf("") == SorryKind::None);
  CHECK(sorryKindOf("/maintenance.html") == SorryKind::LocalPath);
  CHECK(sorryKindOf("http://sorry.example/") == SorryKind::Url);
}
