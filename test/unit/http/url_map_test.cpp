#include "http/url_map.h"

#include <catch2/catch.hpp>

namespace cxxb::http {
namespace {

TEST_CASE("joinPath: one slash at the junction, the rest byte for byte", "[http][urlmap]") {
  struct Case {
    const char* member;
    const char* rest;
    const char* expected;
  };
  const Case cases[] = {
      {"/app/", "/x", "/app/x"},  // seed 002's trailing-slash trap
      {"/app/", "x", "/app/x"},
      {"/app", "/x", "/app/x"},
      {"/app", "x", "/app/x"},
      {"/app", "", "/app"},
      {"/app/", "", "/app/"},
      {"", "", "/"},
      {"/", "", "/"},
      {"", "/x", "/x"},
      {"", "x", "/x"},
      {"/", "/x", "/x"},
      {"/", "x", "/x"},
      {"/", "/", "/"},
      {"/app/", "/", "/app/"},
      {"/app", "/", "/app/"},
      {"/app/", "//x", "/app//x"},  // the client's doubled slash stays
      {"/app/", "/a//b/", "/app/a//b/"},
      {"/app//", "/x", "/app//x"},  // the member's own path stays too
      {"/app/", "/a%2Fb%20c", "/app/a%2Fb%20c"},
      {"/app/", "/x?q=/y//z", "/app/x?q=/y//z"},
      {"/app", "?q=1", "/app?q=1"},
      {"/app/", "?q=1", "/app/?q=1"},
      {"", "?q=1", "/?q=1"},
      {"/App/", "/X", "/App/X"},
      {"/a;b=c/", "/d;e", "/a;b=c/d;e"},
  };
  for (const Case& c : cases) {
    INFO(c.member << " + " << c.rest);
    CHECK(joinPath(c.member, c.rest) == c.expected);
  }
}

TEST_CASE("reverseMapLocation: matches", "[http][urlmap]") {
  struct Case {
    const char* value;
    std::vector<std::string> bases;
    const char* front;
    const char* expected;
  };
  const std::vector<std::string> app{"http://10.0.0.1:8080/app/"};
  const std::vector<Case> cases = {
      {"http://10.0.0.1:8080/app/login", app, "/webapp/", "/webapp/login"},
      {"http://10.0.0.1:8080/app/", app, "/webapp/", "/webapp/"},
      {"http://10.0.0.1:8080/app/a?b=c#d", app, "/webapp/", "/webapp/a?b=c#d"},
      {"http://10.0.0.1:8080/app//x", app, "/webapp/", "/webapp//x"},
      {"http://10.0.0.1:8080/app/x", app, "https://www.example.com/webapp/",
       "https://www.example.com/webapp/x"},
      {"http://10.0.0.1:8080/app/x", app, "/", "/x"},
      {"http://10.0.0.1:8080/app/x", app, "/webapp", "/webapp/x"},
      // Scheme and host are case-insensitive.
      {"HTTP://10.0.0.1:8080/app/x", app, "/w/", "/w/x"},
      {"http://Backend.Example:8080/app/x", {"http://backend.example:8080/app/"}, "/w/", "/w/x"},
      {"http://backend.example:8080/app/x", {"HTTP://BACKEND.EXAMPLE:8080/app/"}, "/w/", "/w/x"},
      // Default ports: "http://h/" and "http://h:80/" are the same base.
      {"http://h:80/x", {"http://h/"}, "/w/", "/w/x"},
      {"http://h/x", {"http://h:80/"}, "/w/", "/w/x"},
      {"http://h:/x", {"http://h/"}, "/w/", "/w/x"},
      {"https://h:443/x", {"https://h/"}, "/w/", "/w/x"},
      {"https://h/x", {"https://h:0443/"}, "/w/", "/w/x"},
      // A base without path or with "/" is the whole origin.
      {"http://h", {"http://h/"}, "/w/", "/w/"},
      {"http://h", {"http://h"}, "/w/", "/w/"},
      {"http://h/", {"http://h"}, "/w/", "/w/"},
      {"http://h?x=1", {"http://h/"}, "/w/", "/w/?x=1"},
      {"http://h/x", {"http://h"}, "/w", "/w/x"},
      {"http://h", {"http://h/"}, "", "/"},
      // A base without trailing slash matches itself, a subpath, a query; never "/apple".
      {"http://h:8080/app", {"http://h:8080/app"}, "/w", "/w"},
      {"http://h:8080/app", {"http://h:8080/app"}, "/w/", "/w/"},
      {"http://h:8080/app/x", {"http://h:8080/app"}, "/w", "/w/x"},
      {"http://h:8080/app/x", {"http://h:8080/app"}, "/w/", "/w/x"},
      {"http://h:8080/app?x", {"http://h:8080/app"}, "/w", "/w?x"},
      {"http://h:8080/app#f", {"http://h:8080/app"}, "/w", "/w#f"},
      // IPv6 literals, userinfo.
      {"http://[::1]:8080/app/x", {"http://[::1]:8080/app/"}, "/w/", "/w/x"},
      {"http://[FE80::1]/x", {"http://[fe80::1]:80/"}, "/w/", "/w/x"},
      {"http://u@h/x", {"http://u@h/"}, "/w/", "/w/x"},
      // Several members: whichever matches; the longest base path wins.
      {"http://10.0.0.2:8080/app/x",
       {"http://10.0.0.1:8080/app/", "http://10.0.0.2:8080/app/"},
       "/w/",
       "/w/x"},
      {"http://h/app/x", {"http://h/", "http://h/app/"}, "/w/", "/w/x"},
      {"http://h/app/x", {"http://h/app/", "http://h/"}, "/w/", "/w/x"},
      {"http://h/other", {"http://h/", "http://h/app/"}, "/w/", "/w/other"},
      // Unparsable bases are skipped, not fatal.
      {"http://h/x", {"not a url", "http://:80/", "http://h:99999/", "http://h/"}, "/w/", "/w/x"},
      {"ajp://h/x", {"ajp://h:8009/"}, "/w/", "/w/x"},
      {"foo+bar.1://h/x", {"FOO+BAR.1://h/"}, "/w/", "/w/x"},  // unknown scheme, no port
      {"foo://h:5/x", {"foo://h:5/"}, "/w/", "/w/x"},
  };
  for (const Case& c : cases) {
    INFO(c.value << " with base " << c.bases.front() << " to " << c.front);
    CHECK(reverseMapLocation(c.value, c.bases, c.front) == c.expected);
  }
}

TEST_CASE("reverseMapLocation: left unchanged", "[http][urlmap]") {
  struct Case {
    const char* value;
    std::vector<std::string> bases;
  };
  const std::vector<std::string> app{"http://10.0.0.1:8080/app/"};
  const std::vector<Case> cases = {
      {"http://10.0.0.1:8080/application", app},
      {"http://10.0.0.1:8080/app", app},    // as mod_proxy: the base's slash is part of it
      {"http://10.0.0.1:8080/App/x", app},  // paths are case-sensitive
      {"http://10.0.0.1:8081/app/x", app},
      {"http://10.0.0.1/app/x", app},
      {"https://10.0.0.1:8080/app/x", app},
      {"http://10.0.0.10:8080/app/x", app},
      {"http://10.0.0.1:8080", app},
      {"/app/x", app},
      {"app/x", app},
      {"//10.0.0.1:8080/app/x", app},
      {"", app},
      {"http://h:8080/apple", {"http://h:8080/app"}},
      {"http://h:8080/ap", {"http://h:8080/app"}},
      {"http://h:81/x", {"http://h/"}},
      {"https://h/x", {"http://h:443/"}},
      {"http://user@h/x", {"http://h/"}},
      {"http://h/x", {"http://user@h/"}},
      {"http://h/x", {}},
      {"http://h.evil/x", {"http://h/"}},
      {"http://h/x", {"http://h/x/y"}},
      {"mailto:someone@h", {"http://h/"}},
      {"http://[::1]/x", {"http://[::2]/"}},
      {"http://h:8080x/app/x", {"http://h:8080/app/"}},
      {"http://h:-80/x", {"http://h/"}},
      {"foo://h:80/x", {"foo://h/"}},  // no known default port to equate
      {"ht_tp://h/x", {"ht_tp://h/"}},
      {"1http://h/x", {"1http://h/"}},
      {"http://[::1/x", {"http://[::1/"}},
      {"http://[::1]x/y", {"http://[::1]x/"}},
  };
  for (const Case& c : cases) {
    INFO(c.value);
    CHECK(reverseMapLocation(c.value, c.bases, "/front/") == c.value);
  }
}

}  // namespace
}  // namespace cxxb::http
