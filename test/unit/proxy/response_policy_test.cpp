#include "proxy/response_policy.h"

#include <catch2/catch.hpp>

using cxxb::http::ResponseHead;
using cxxb::proxy::ClientHead;
using cxxb::proxy::ClientHeader;
using cxxb::proxy::clientHeadFor;
using cxxb::proxy::HeaderUse;
using cxxb::proxy::ResponseFacts;

namespace {

ResponseHead memberHead(int status, std::string reason = "") {
  ResponseHead head;
  head.status = status;
  head.reason = std::move(reason);
  head.headers = {
      {"Content-Type", "text/html"},    {"Set-Cookie", "JSESSIONID=abc.jvm1; Path=/app"},
      {"Cache-Control", "max-age=600"}, {"Location", "http://10.0.0.1:8080/app/next"},
      {"Connection", "close"},          {"X-App", "1"}};
  return head;
}

const std::vector<std::string> kBases = {"http://10.0.0.1:8080/app/"};

}  // namespace

TEST_CASE("response policy: a member's head passes, Location mapped to the front", "[proxy]") {
  ResponseFacts facts;
  facts.memberBases = &kBases;
  facts.frontBase = "http://front.example/web/";
  ClientHead out = clientHeadFor(memberHead(302, "Found"), facts);
  CHECK(out.status == 302);
  CHECK(out.reason == "Found");
  CHECK(out.headers == std::vector<ClientHeader>{
                           {"Content-Type", "text/html", HeaderUse::ContentType},
                           {"Set-Cookie", "JSESSIONID=abc.jvm1; Path=/app", HeaderUse::Cookie},
                           {"Cache-Control", "max-age=600", HeaderUse::Copy},
                           {"Location", "http://front.example/web/next", HeaderUse::Location},
                           {"X-App", "1", HeaderUse::Copy}});  // Connection is hop-by-hop
}

TEST_CASE("response policy: Content-Location and URI are mapped like Location", "[proxy]") {
  ResponseHead head;
  head.status = 200;
  head.headers = {{"content-location", "http://10.0.0.1:8080/app/a"},
                  {"URI", "http://10.0.0.1:8080/app/b"},
                  {"Link", "http://10.0.0.1:8080/app/c"}};
  ResponseFacts facts;
  facts.memberBases = &kBases;
  facts.frontBase = "/web/";
  ClientHead out = clientHeadFor(std::move(head), facts);
  REQUIRE(out.headers.size() == 3);
  CHECK(out.headers[0].value == "/web/a");
  CHECK(out.headers[0].use == HeaderUse::Location);
  CHECK(out.headers[1].value == "/web/b");
  CHECK(out.headers[2].value == "http://10.0.0.1:8080/app/c");  // not a location header
  CHECK(out.headers[2].use == HeaderUse::Copy);
}

TEST_CASE("response policy: the sorry page is a 503 that is not cached", "[proxy]") {
  ResponseFacts facts;
  facts.sorry = true;
  facts.retryAfter = 42;
  ClientHead out = clientHeadFor(memberHead(200, "OK"), facts);
  CHECK(out.status == 503);
  CHECK(out.reason.empty());  // httpd's own reason for 503
  CHECK(out.headers == std::vector<ClientHeader>{
                           {"Retry-After", "42", HeaderUse::Copy},
                           {"Cache-Control", "no-store", HeaderUse::Copy},
                           {"Content-Type", "text/html", HeaderUse::ContentType},
                           {"Location", "http://10.0.0.1:8080/app/next", HeaderUse::Location},
                           {"X-App", "1", HeaderUse::Copy}});
}

TEST_CASE("response policy: the route cookie comes ahead of the member's", "[proxy]") {
  ResponseFacts facts;
  facts.setCookie = "ROUTEID=.jvm2; Path=/";
  ResponseHead head;
  head.status = 200;
  head.headers = {{"Set-Cookie", "a=b"}};
  ClientHead out = clientHeadFor(std::move(head), facts);
  CHECK(out.headers ==
        std::vector<ClientHeader>{{"Set-Cookie", "ROUTEID=.jvm2; Path=/", HeaderUse::Copy},
                                  {"Set-Cookie", "a=b", HeaderUse::Cookie}});
}

TEST_CASE("response policy: only heads with Location headers need the member bases", "[proxy]") {
  CHECK(cxxb::proxy::hasLocationHeaders(memberHead(302)));
  ResponseHead plain;
  plain.headers = {{"Content-Type", "text/plain"}, {"Content-Length", "2"}};
  CHECK_FALSE(cxxb::proxy::hasLocationHeaders(plain));
  plain.headers.push_back({"content-location", "/x"});
  CHECK(cxxb::proxy::hasLocationHeaders(plain));
}
