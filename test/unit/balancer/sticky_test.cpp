#include "balancer/sticky.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

using cxxb::balancer::findStickyRoute;
using cxxb::balancer::makeRouteCookie;
using cxxb::balancer::routeFromSetCookie;
using cxxb::balancer::RouteMismatchDetector;
using cxxb::balancer::RouteSource;
using cxxb::balancer::StickyConfig;
using cxxb::balancer::StickyRoute;

namespace {

StickyConfig tomcat(bool scolon = false) {
  return StickyConfig{.cookie = "JSESSIONID",
                      .urlParam = "jsessionid",
                      .separator = '.',
                      .scolonPathDelim = scolon};
}

/** "session|route|source" or "none", so a table of cases reads in one line each. */
std::string find(const StickyConfig& config, std::string_view path, std::string_view query,
                 std::vector<std::string_view> cookies = {}) {
  const auto found = findStickyRoute(config, path, query, cookies);
  if (!found) {
    return "none";
  }
  const char* source = "?";
  switch (found->source) {
    case RouteSource::None:
      source = "None";
      break;
    case RouteSource::PathParam:
      source = "path";
      break;
    case RouteSource::QueryParam:
      source = "query";
      break;
    case RouteSource::Cookie:
      source = "cookie";
      break;
  }
  return found->session + "|" + found->route + "|" + source;
}

}  // namespace

TEST_CASE("sticky: no stickysession, no lookup", "[balancer][sticky]") {
  StickyConfig none;
  CHECK(find(none, "/app;jsessionid=A.jvm1", "jsessionid=A.jvm1", {"JSESSIONID=A.jvm1"}) == "none");
  CHECK(find(tomcat(), "/app/", "", {}) == "none");
  CHECK(find(tomcat(), "", "", {"", ";", ",,", "=", "=x"}) == "none");
}

TEST_CASE("sticky: the cookie", "[balancer][sticky]") {
  const auto c = tomcat();
  CHECK(find(c, "/", "", {"JSESSIONID=ABC123.jvm2"}) == "ABC123.jvm2|jvm2|cookie");
  SECTION("among other cookies, with and without spaces") {
    CHECK(find(c, "/", "", {"a=1; JSESSIONID=ABC.jvm2; b=2"}) == "ABC.jvm2|jvm2|cookie");
    CHECK(find(c, "/", "", {"a=1;JSESSIONID=ABC.jvm2;b=2"}) == "ABC.jvm2|jvm2|cookie");
    CHECK(find(c, "/", "", {"  JSESSIONID = ABC.jvm2 ;b=2"}) == "ABC.jvm2|jvm2|cookie");
    CHECK(find(c, "/", "", {"a=1,JSESSIONID=ABC.jvm2"}) == "ABC.jvm2|jvm2|cookie");  // RFC 2965
    CHECK(find(c, "/", "", {"a=1;\tJSESSIONID=ABC.jvm2\t"}) == "ABC.jvm2|jvm2|cookie");
  }
  SECTION("a quoted value loses its quotes") {
    CHECK(find(c, "/", "", {"JSESSIONID=\"ABC.jvm2\"; x=1"}) == "ABC.jvm2|jvm2|cookie");
    CHECK(find(c, "/", "", {"JSESSIONID=\"\"; JSESSIONID=B.jvm3"}) == "B.jvm3|jvm3|cookie");
    CHECK(find(c, "/", "", {"JSESSIONID=\"ABC.jvm2"}) == "\"ABC.jvm2|jvm2|cookie");
  }
  SECTION("a name that only ends or starts like it is another cookie") {
    CHECK(find(c, "/", "", {"XJSESSIONID=X.jvm9"}) == "none");
    CHECK(find(c, "/", "", {"XJSESSIONID=X.jvm9; JSESSIONID=A.jvm1"}) == "A.jvm1|jvm1|cookie");
    CHECK(find(c, "/", "", {"JSESSIONIDX=X.jvm9; JSESSIONID=A.jvm1"}) == "A.jvm1|jvm1|cookie");
    CHECK(find(c, "/", "", {"jsessionid=X.jvm9"}) == "none");  // names are case-sensitive
    CHECK(find(c, "/", "", {"a=JSESSIONID=X.jvm9"}) == "none");
    CHECK(find(c, "/", "", {"a=\"x JSESSIONID=X.jvm9\""}) == "none");
  }
  SECTION("the first non-empty value wins, across headers") {
    CHECK(find(c, "/", "", {"JSESSIONID=A.jvm1; JSESSIONID=B.jvm2"}) == "A.jvm1|jvm1|cookie");
    CHECK(find(c, "/", "", {"JSESSIONID=; JSESSIONID=B.jvm2"}) == "B.jvm2|jvm2|cookie");
    CHECK(find(c, "/", "", {"a=1", "JSESSIONID=B.jvm2"}) == "B.jvm2|jvm2|cookie");
    CHECK(find(c, "/", "", {"JSESSIONID=A.jvm1", "JSESSIONID=B.jvm2"}) == "A.jvm1|jvm1|cookie");
    CHECK(find(c, "/", "", {"JSESSIONID=", "JSESSIONID=B.jvm2"}) == "B.jvm2|jvm2|cookie");
    CHECK(find(c, "/", "", {"JSESSIONID"}) == "none");
  }
  SECTION("the route is what follows the first separator") {
    CHECK(find(c, "/", "", {"JSESSIONID=ABC"}) == "ABC||cookie");
    CHECK(find(c, "/", "", {"JSESSIONID=ABC."}) == "ABC.||cookie");
    CHECK(find(c, "/", "", {"JSESSIONID=.jvm1"}) == ".jvm1|jvm1|cookie");
    CHECK(find(c, "/", "", {"JSESSIONID=A.b.c"}) == "A.b.c|b.c|cookie");
  }
}

TEST_CASE("sticky: the URL parameter wins over the cookie, the path over the query",
          "[balancer][sticky]") {
  const auto c = tomcat();
  CHECK(find(c, "/app/page;jsessionid=P.jvm1", "jsessionid=Q.jvm2", {"JSESSIONID=C.jvm3"}) ==
        "P.jvm1|jvm1|path");
  CHECK(find(c, "/app/page", "jsessionid=Q.jvm2", {"JSESSIONID=C.jvm3"}) == "Q.jvm2|jvm2|query");
  CHECK(find(c, "/app/page", "", {"JSESSIONID=C.jvm3"}) == "C.jvm3|jvm3|cookie");
  SECTION("a URL value without route still wins (httpd does not fall back to the cookie)") {
    CHECK(find(c, "/app;jsessionid=NOROUTE", "", {"JSESSIONID=C.jvm3"}) == "NOROUTE||path");
  }
}

TEST_CASE("sticky: path parameters", "[balancer][sticky]") {
  const auto c = tomcat();
  CHECK(find(c, "/app;jsessionid=A.jvm1", "") == "A.jvm1|jvm1|path");
  CHECK(find(c, "/app/x.jsp;jsessionid=A.jvm1", "a=b") == "A.jvm1|jvm1|path");
  CHECK(find(c, "/app;foo=1;jsessionid=A.jvm1", "") == "A.jvm1|jvm1|path");
  CHECK(find(c, "/app;jsessionid=A.jvm1/more", "") == "A.jvm1|jvm1|path");
  CHECK(find(c, "/app;jsessionid=A.jvm1&x", "") == "A.jvm1|jvm1|path");
  CHECK(find(c, "/app;JSESSIONID=A.jvm1", "") == "none");  // the URL name is jsessionid
  CHECK(find(c, "/app;xjsessionid=A.jvm1", "") == "none");
  CHECK(find(c, "/app/jsessionid=A.jvm1", "") == "none");  // not a path parameter
  CHECK(find(c, "/app;jsessionid", "") == "none");
  CHECK(find(c, "/app;jsessionidx=A.jvm1", "") == "none");
  CHECK(find(c, "/app;jsessionid=/x;jsessionid=B.jvm2", "") == "B.jvm2|jvm2|path");
  CHECK(find(c, "/a;jsessionid=A.jvm1/b;jsessionid=B.jvm2", "") == "A.jvm1|jvm1|path");
  CHECK(find(c, "/app%3Bjsessionid=A.jvm1", "") == "none");  // encoded ';' is data

  SECTION("without scolonpathdelim a ';' is part of the value, as in httpd") {
    CHECK(find(c, "/app;jsessionid=A.jvm1;foo=1", "") == "A.jvm1;foo=1|jvm1;foo=1|path");
    CHECK(find(c, "/app;jsessionid=;jsessionid=B.jvm2", "") == ";jsessionid=B.jvm2|jvm2|path");
  }
  SECTION("with scolonpathdelim a ';' ends it") {
    CHECK(find(tomcat(true), "/app;jsessionid=A.jvm1;foo=1", "") == "A.jvm1|jvm1|path");
    CHECK(find(tomcat(true), "/app;jsessionid=;x=1;jsessionid=B.jvm2", "") == "B.jvm2|jvm2|path");
  }
}

TEST_CASE("sticky: query parameters", "[balancer][sticky]") {
  const auto c = tomcat();
  CHECK(find(c, "/", "jsessionid=A.jvm1") == "A.jvm1|jvm1|query");
  CHECK(find(c, "/", "a=1&jsessionid=A.jvm1&b=2") == "A.jvm1|jvm1|query");
  CHECK(find(c, "/", "xjsessionid=A.jvm1") == "none");
  CHECK(find(c, "/", "a=jsessionid=A.jvm1") == "none");
  CHECK(find(c, "/", "jsessionid=&jsessionid=B.jvm2") == "B.jvm2|jvm2|query");
  CHECK(find(c, "/", "jsessionid=&x=1") == "none");  // httpd would take "x=1"
  CHECK(find(c, "/", "jsessionid") == "none");
  CHECK(find(c, "/", "&&jsessionid=A.jvm1") == "A.jvm1|jvm1|query");
  CHECK(find(c, "/", "jsessionid=A.jvm1?x") == "A.jvm1|jvm1|query");  // httpd's '?' delimiter

  SECTION("';' separates query parameters only with scolonpathdelim") {
    CHECK(find(c, "/", "jsessionid=A.jvm1;x=1") == "A.jvm1;x=1|jvm1;x=1|query");
    CHECK(find(c, "/", "x=1;jsessionid=A.jvm1") == "none");
    CHECK(find(tomcat(true), "/", "jsessionid=A.jvm1;x=1") == "A.jvm1|jvm1|query");
    CHECK(find(tomcat(true), "/", "x=1;jsessionid=A.jvm1") == "A.jvm1|jvm1|query");
  }
}

TEST_CASE("sticky: names and separators from the configuration", "[balancer][sticky]") {
  SECTION("one name for both, as stickysession=JSESSIONID sets it") {
    StickyConfig c{.cookie = "JSESSIONID", .urlParam = "JSESSIONID"};
    CHECK(find(c, "/a;JSESSIONID=A.x", "") == "A.x|x|path");
    CHECK(find(c, "/a;jsessionid=A.x", "") == "none");
  }
  SECTION("another separator") {
    StickyConfig c{.cookie = "ROUTEID", .urlParam = "ROUTEID", .separator = '_'};
    CHECK(find(c, "/", "", {"ROUTEID=s_w1.x"}) == "s_w1.x|w1.x|cookie");
    CHECK(find(c, "/", "", {"ROUTEID=s.w1"}) == "s.w1||cookie");
  }
  SECTION("no separator: the whole value is the route (httpd)") {
    StickyConfig c{.cookie = "R", .urlParam = "r", .separator = '\0'};
    CHECK(find(c, "/", "", {"R=w1"}) == "w1|w1|cookie");
  }
  SECTION("cookie only: an empty URL name is never matched") {
    StickyConfig c{.cookie = "JSESSIONID", .urlParam = ""};
    CHECK(find(c, "/a;=A.jvm1", "=B.jvm2", {"JSESSIONID=C.jvm3"}) == "C.jvm3|jvm3|cookie");
  }
  SECTION("the module's own route cookie reads back") {
    StickyConfig c{.cookie = "ROUTEID", .urlParam = "ROUTEID"};
    const std::string set = makeRouteCookie("ROUTEID", "jvm7", false);
    const std::string pair = set.substr(0, set.find(';'));
    CHECK(find(c, "/", "", {pair}) == ".jvm7|jvm7|cookie");
  }
}

TEST_CASE("sticky: settings from the balancer configuration", "[balancer][sticky]") {
  cxxb::config::BalancerConfig balancer;
  CHECK(cxxb::balancer::stickyConfigFrom(balancer).cookie.empty());
  balancer.stickyCookie = "JSESSIONID";
  balancer.stickyUrlParam = "jsessionid";
  balancer.stickySeparator = '_';
  balancer.scolonPathDelim = true;
  const auto c = cxxb::balancer::stickyConfigFrom(balancer);
  CHECK(c.cookie == "JSESSIONID");
  CHECK(c.urlParam == "jsessionid");
  CHECK(c.separator == '_');
  CHECK(c.scolonPathDelim);
}

TEST_CASE("sticky: the route of a member's Set-Cookie", "[balancer][sticky]") {
  CHECK(routeFromSetCookie("JSESSIONID=ABC.jvm2; Path=/", "JSESSIONID", '.') == "jvm2");
  CHECK(routeFromSetCookie("JSESSIONID=ABC.jvm2", "JSESSIONID", '.') == "jvm2");
  CHECK(routeFromSetCookie(" JSESSIONID = \"ABC.jvm2\" ;Path=/;HttpOnly", "JSESSIONID", '.') ==
        "jvm2");
  CHECK(routeFromSetCookie("JSESSIONID=ABC_w1; Path=/", "JSESSIONID", '_') == "w1");
  CHECK(routeFromSetCookie("JSESSIONID=A.b.c", "JSESSIONID", '.') == "b.c");
  CHECK_FALSE(routeFromSetCookie("JSESSIONID=ABC; Path=/", "JSESSIONID", '.'));
  CHECK_FALSE(routeFromSetCookie("JSESSIONID=ABC.; Path=/", "JSESSIONID", '.'));
  CHECK_FALSE(routeFromSetCookie("JSESSIONID=; Max-Age=0", "JSESSIONID", '.'));
  CHECK_FALSE(routeFromSetCookie("XJSESSIONID=ABC.jvm2", "JSESSIONID", '.'));
  CHECK_FALSE(routeFromSetCookie("jsessionid=ABC.jvm2", "JSESSIONID", '.'));
  CHECK_FALSE(routeFromSetCookie("other=1; JSESSIONID=ABC.jvm2", "JSESSIONID", '.'));
  CHECK_FALSE(routeFromSetCookie("JSESSIONID", "JSESSIONID", '.'));
  CHECK_FALSE(routeFromSetCookie("", "JSESSIONID", '.'));
}

TEST_CASE("sticky: the module's route cookie", "[balancer][sticky]") {
  CHECK(makeRouteCookie("ROUTEID", "jvm1", false) == "ROUTEID=.jvm1; Path=/; HttpOnly");
  CHECK(makeRouteCookie("ROUTEID", "jvm1", true) == "ROUTEID=.jvm1; Path=/; HttpOnly; Secure");
  CHECK(makeRouteCookie("R", "w-1_a.b", false, '_') == "R=_w-1_a.b; Path=/; HttpOnly");
  SECTION("nothing can smuggle attributes or split the header") {
    CHECK(makeRouteCookie("R", "a; Domain=evil\r\nX: y", false) ==
          "R=.aDomain=evilX:y; Path=/; HttpOnly");
    CHECK(makeRouteCookie("R=x;", "a\"b,c\\d", false) == "Rx=.abcd; Path=/; HttpOnly");
    CHECK(makeRouteCookie("R", "\x7f\xc3\xa9", false) == "R=.; Path=/; HttpOnly");
  }
}

TEST_CASE("route mismatch: warns once after three foreign routes and none of its own",
          "[balancer][sticky]") {
  RouteMismatchDetector detector(3);
  CHECK_FALSE(detector.observe(1, "ajp://b:8009", "jvm1", "tomcat1"));
  CHECK_FALSE(detector.observe(1, "ajp://b:8009", "jvm1", "tomcat1"));
  const auto warning = detector.observe(1, "ajp://b:8009", "jvm1", "tomcat1");
  REQUIRE(warning);
  CHECK(*warning ==
        "member ajp://b:8009 has route=jvm1, but the sessions its responses create carry route "
        "tomcat1 (3 of its responses, none with its own route): requests of those sessions do not "
        "stick to it; set route=tomcat1 or make the backend use the member's route (Tomcat: "
        "jvmRoute)");
  for (int i = 0; i < 100; ++i) {
    CHECK_FALSE(detector.observe(1, "ajp://b:8009", "jvm1", "tomcat1"));
  }
  SECTION("other members have their own count") {
    CHECK_FALSE(detector.observe(0, "a", "jvm0", "x"));
    CHECK_FALSE(detector.observe(2, "c", "jvm2", "x"));
  }
  SECTION("reset starts over, e.g. after the route was changed") {
    detector.reset(1);
    CHECK_FALSE(detector.observe(1, "b", "jvm1", "tomcat1"));
    CHECK_FALSE(detector.observe(1, "b", "jvm1", "tomcat1"));
    CHECK(detector.observe(1, "b", "jvm1", "tomcat1"));
  }
}

TEST_CASE("route mismatch: one matching response and the member is never warned about",
          "[balancer][sticky]") {
  RouteMismatchDetector detector(2);
  CHECK_FALSE(detector.observe(0, "a", "jvm1", "jvm2"));  // a session moved from jvm2
  CHECK_FALSE(detector.observe(0, "a", "jvm1", "jvm1"));
  for (int i = 0; i < 10; ++i) {
    CHECK_FALSE(detector.observe(0, "a", "jvm1", "jvm2"));
  }
  SECTION("also when the match comes after some mismatches") {
    CHECK_FALSE(detector.observe(1, "b", "jvm1", "x"));
    CHECK_FALSE(detector.observe(1, "b", "jvm1", "x"));
    CHECK_FALSE(detector.observe(1, "b", "jvm1", "jvm1"));
    CHECK_FALSE(detector.observe(1, "b", "jvm1", "x"));
  }
}

TEST_CASE("route mismatch: a member without route, other thresholds, bad input",
          "[balancer][sticky]") {
  RouteMismatchDetector detector(1, 1);
  const auto warning = detector.observe(0, "http://a", "", "tomcat1");
  REQUIRE(warning);
  CHECK(warning->find("member http://a has no route=, but the sessions its responses create "
                      "carry route tomcat1 (1 of its responses") == 0);
  CHECK_FALSE(detector.observe(5, "x", "jvm1", "y"));  // out of range
  RouteMismatchDetector empty(0);
  CHECK(empty.size() == 0);
  CHECK_FALSE(empty.observe(0, "x", "a", "b"));
  empty.reset(0);

  RouteMismatchDetector zero(1, 0);  // 0 means 1
  CHECK(zero.observe(0, "m", "a", "b"));

  RouteMismatchDetector hostile(1, 1);
  const auto escaped =
      hostile.observe(0, "m", "jvm1", std::string("x\r\ny\\") + std::string(80, 'z'));
  REQUIRE(escaped);
  CHECK(escaped->find("carry route x\\x0d\\x0ay\\x5c" + std::string(59, 'z') + "... (") !=
        std::string::npos);
}

TEST_CASE("route mismatch: concurrent responses warn exactly once", "[balancer][sticky]") {
  RouteMismatchDetector detector(1);
  std::atomic<int> warnings{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        if (detector.observe(0, "m", "jvm1", "tomcat1")) {
          ++warnings;
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  CHECK(warnings == 1);
}
