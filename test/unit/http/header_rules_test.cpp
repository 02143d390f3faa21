#include "http/header_rules.h"

#include <catch2/catch.hpp>

#include "http/response_parser.h"

namespace cxxb::http {
namespace {

TEST_CASE("isHopByHop: the RFC 9110 list plus the legacy ones, any case", "[http][headers]") {
  for (const char* name :
       {"Connection", "connection", "KEEP-ALIVE", "Keep-Alive", "Proxy-Connection", "TE", "te",
        "Trailer", "Transfer-Encoding", "transfer-encoding", "Upgrade", "Proxy-Authenticate",
        "Proxy-Authorization"}) {
    INFO(name);
    CHECK(isHopByHop(name));
  }
  for (const char* name :
       {"", "T", "Host", "Content-Length", "Trailers", "Connections", "X-Forwarded-For",
        "Authorization", "Upgrade-Insecure-Requests", "Keep-Alive2", "Proxy", "Cookie", "TEE",
        "Transfer-Encodings", "WWW-Authenticate"}) {
    INFO(name);
    CHECK(!isHopByHop(name));
  }
}

TEST_CASE("removeHopByHop", "[http][headers]") {
  struct Case {
    const char* name;
    Headers in;
    Headers out;
  };
  const std::vector<Case> cases = {
      {"nothing to remove", {{"Host", "a"}, {"Accept", "*/*"}}, {{"Host", "a"}, {"Accept", "*/*"}}},
      {"empty", {}, {}},
      {"fixed list, order kept",
       {{"A", "1"},
        {"Keep-Alive", "timeout=5"},
        {"B", "2"},
        {"te", "trailers"},
        {"Transfer-Encoding", "chunked"},
        {"Upgrade", "h2c"},
        {"Proxy-Authorization", "Basic x"},
        {"Trailer", "X"},
        {"Proxy-Connection", "keep-alive"},
        {"C", "3"}},
       {{"A", "1"}, {"B", "2"}, {"C", "3"}}},
      {"headers named in Connection, any case, several lines and lists",
       {{"Connection", "X-Secret, , keep-alive"},
        {"x-secret", "1"},
        {"Keep", "me"},
        {"CONNECTION", "x-other"},
        {"X-Other", "2"},
        {"X-Secret", "3"}},
       {{"Keep", "me"}}},
      {"X-Forwarded-* survive being named in Connection",
       {{"Connection", "X-Forwarded-For, x-forwarded-host, X-Forwarded-Server, X-Real"},
        {"X-Forwarded-For", "1.2.3.4"},
        {"X-Forwarded-Host", "front"},
        {"X-Forwarded-Server", "proxy"},
        {"X-Real", "gone"}},
       {{"X-Forwarded-For", "1.2.3.4"},
        {"X-Forwarded-Host", "front"},
        {"X-Forwarded-Server", "proxy"}}},
      {"Connection: close alone", {{"Connection", "close"}, {"A", "1"}}, {{"A", "1"}}},
      {"Connection tokens are matched whole, not as prefixes",
       {{"Connection", "X-Foo"}, {"X-Foo-Bar", "1"}, {"X-Fo", "2"}},
       {{"X-Foo-Bar", "1"}, {"X-Fo", "2"}}},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    Headers headers = c.in;
    removeHopByHop(headers);
    CHECK(headers == c.out);
  }
}

TEST_CASE("findHeader", "[http][headers]") {
  Headers headers{{"Host", "a"}, {"Set-Cookie", "1"}, {"set-cookie", "2"}, {"Empty", ""}};
  CHECK(findHeader(headers, "host") == std::optional<std::string_view>("a"));
  CHECK(findHeader(headers, "SET-COOKIE") == std::optional<std::string_view>("1"));
  CHECK(findHeader(headers, "Empty") == std::optional<std::string_view>(""));
  CHECK(!findHeader(headers, "Hos"));
  CHECK(!findHeader(headers, "Hosts"));
  CHECK(!findHeader({}, "Host"));
}

ForwardContext baseContext() {
  ForwardContext c;
  c.clientIp = "192.0.2.7";
  c.clientHost = "www.example.com";
  c.serverName = "proxy.example.com";
  c.memberHost = "10.0.0.1:8080";
  return c;
}

TEST_CASE("buildMemberRequest: the mod_proxy_http shape", "[http][headers]") {
  Headers client{
      {"Host", "www.example.com"}, {"User-Agent", "curl/8"},  {"Connection", "keep-alive, X-Drop"},
      {"Keep-Alive", "300"},       {"X-Drop", "secret"},      {"Accept", "*/*"},
      {"TE", "trailers"},          {"Content-Length", "999"}, {"Transfer-Encoding", "chunked"},
      {"Expect", "100-continue"},  {"Cookie", "a=b"}};
  ForwardContext ctx = baseContext();
  ctx.contentLength = 12;
  RequestHead head = buildMemberRequest("POST", "/app/x?y=1", client, ctx);
  CHECK(head.method == "POST");
  CHECK(head.target == "/app/x?y=1");
  Headers expected{{"Host", "10.0.0.1:8080"},
                   {"User-Agent", "curl/8"},
                   {"Accept", "*/*"},
                   {"Cookie", "a=b"},
                   {"X-Forwarded-For", "192.0.2.7"},
                   {"X-Forwarded-Host", "www.example.com"},
                   {"X-Forwarded-Server", "proxy.example.com"},
                   {"Content-Length", "12"}};
  CHECK(head.headers == expected);
  CHECK(serializeRequestHead(head) ==
        "POST /app/x?y=1 HTTP/1.1\r\n"
        "Host: 10.0.0.1:8080\r\n"
        "User-Agent: curl/8\r\n"
        "Accept: */*\r\n"
        "Cookie: a=b\r\n"
        "X-Forwarded-For: 192.0.2.7\r\n"
        "X-Forwarded-Host: www.example.com\r\n"
        "X-Forwarded-Server: proxy.example.com\r\n"
        "Content-Length: 12\r\n"
        "\r\n");
}

TEST_CASE("buildMemberRequest: Host", "[http][headers]") {
  struct Case {
    bool preserve;
    const char* clientHost;
    const char* expected;
  };
  for (const Case& c : {Case{false, "www.example.com", "10.0.0.1:8080"},
                        Case{true, "www.example.com", "www.example.com"},
                        Case{true, "", "10.0.0.1:8080"}, Case{false, "", "10.0.0.1:8080"}}) {
    INFO(c.preserve << " " << c.clientHost);
    ForwardContext ctx = baseContext();
    ctx.preserveHost = c.preserve;
    ctx.clientHost = c.clientHost;
    ctx.addForwardedHeaders = false;
    Headers client{{"Accept", "*/*"}, {"host", "other"}, {"HOST", "dup"}};
    RequestHead head = buildMemberRequest("GET", "/", client, ctx);
    CHECK(head.headers == Headers{{"Host", c.expected}, {"Accept", "*/*"}});
  }
}

TEST_CASE("buildMemberRequest: X-Forwarded-* are appended to existing values", "[http][headers]") {
  Headers client{{"X-Forwarded-For", "203.0.113.1"},
                 {"Accept", "*/*"},
                 {"x-forwarded-for", "198.51.100.2, 198.51.100.3"},
                 {"X-Forwarded-Host", ""},
                 {"Connection", "X-Forwarded-For"}};
  RequestHead head = buildMemberRequest("GET", "/", client, baseContext());
  // Our hop goes last in the combined list: on the last line, not the first.
  Headers expected{{"Host", "10.0.0.1:8080"},
                   {"X-Forwarded-For", "203.0.113.1"},
                   {"Accept", "*/*"},
                   {"x-forwarded-for", "198.51.100.2, 198.51.100.3, 192.0.2.7"},
                   {"X-Forwarded-Host", "www.example.com"},
                   {"X-Forwarded-Server", "proxy.example.com"}};
  CHECK(head.headers == expected);
}

TEST_CASE("buildMemberRequest: X-Forwarded-* off or without values", "[http][headers]") {
  Headers client{{"X-Forwarded-For", "203.0.113.1"}};
  ForwardContext ctx = baseContext();
  ctx.addForwardedHeaders = false;
  CHECK(buildMemberRequest("GET", "/", client, ctx).headers ==
        Headers{{"Host", "10.0.0.1:8080"}, {"X-Forwarded-For", "203.0.113.1"}});
  ctx = baseContext();
  ctx.clientIp = "";
  ctx.clientHost = "";
  ctx.serverName = "";
  CHECK(buildMemberRequest("GET", "/", {}, ctx).headers == Headers{{"Host", "10.0.0.1:8080"}});
}

TEST_CASE("buildMemberRequest: body framing and Expect", "[http][headers]") {
  struct Case {
    const char* name;
    std::optional<uint64_t> length;
    bool chunked;
    bool expectContinue;
    Headers tail;  ///< what follows Host and Accept
  };
  const std::vector<Case> cases = {
      {"no body", std::nullopt, false, false, {}},
      {"no body, ping asks for 100-continue: not without content", std::nullopt, false, true, {}},
      {"empty body with length", 0, false, false, {{"Content-Length", "0"}}},
      {"empty body and ping", 0, false, true, {{"Content-Length", "0"}}},
      {"length",
       18446744073709551615ull,
       false,
       false,
       {{"Content-Length", "18446744073709551615"}}},
      {"length and ping", 5, false, true, {{"Content-Length", "5"}, {"Expect", "100-continue"}}},
      {"chunked", std::nullopt, true, false, {{"Transfer-Encoding", "chunked"}}},
      {"chunked and ping",
       std::nullopt,
       true,
       true,
       {{"Transfer-Encoding", "chunked"}, {"Expect", "100-continue"}}},
      {"chunked wins over a length", 7, true, false, {{"Transfer-Encoding", "chunked"}}},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    ForwardContext ctx = baseContext();
    ctx.addForwardedHeaders = false;
    ctx.contentLength = c.length;
    ctx.chunkedBody = c.chunked;
    ctx.expectContinue = c.expectContinue;
    Headers client{{"Expect", "100-continue"},
                   {"Content-Length", "3"},
                   {"Transfer-Encoding", "gzip, chunked"},
                   {"Accept", "*/*"}};
    Headers expected{{"Host", "10.0.0.1:8080"}, {"Accept", "*/*"}};
    expected.insert(expected.end(), c.tail.begin(), c.tail.end());
    RequestHead head = buildMemberRequest("PUT", "/", client, ctx);
    CHECK(head.headers == expected);
    CHECK(!findHeader(head.headers, "Connection"));
  }
}

TEST_CASE("serializeRequestHead neutralises CR, LF and NUL", "[http][headers]") {
  RequestHead head{
      "GET", "/a\r\nb", {{"X-A", "1\r\nInjected: yes"}, {"X-B", std::string("a\0b", 3)}}};
  CHECK(serializeRequestHead(head) ==
        "GET /a  b HTTP/1.1\r\nX-A: 1  Injected: yes\r\nX-B: a b\r\n\r\n");
  CHECK(serializeRequestHead(RequestHead{"OPTIONS", "*", {}}) == "OPTIONS * HTTP/1.1\r\n\r\n");
}

TEST_CASE("appendChunk", "[http][headers]") {
  std::string out = "prefix|";
  appendChunk(out, "");
  CHECK(out == "prefix|");
  appendChunk(out, "hello");
  CHECK(out == "prefix|5\r\nhello\r\n");
  out.clear();
  appendChunk(out, std::string(26, 'x'));
  CHECK(out == "1a\r\n" + std::string(26, 'x') + "\r\n");
  out.clear();
  appendChunk(out, std::string(4096, 'y'));
  CHECK(out.substr(0, 6) == "1000\r\n");
  out.clear();
  appendChunk(out, std::string(1, '\0'));
  CHECK(out == std::string("1\r\n\0\r\n", 6));

  SECTION("round trip through the response parser's chunked decoder") {
    std::string body = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    std::string expected;
    for (size_t n : {1u, 15u, 16u, 255u, 256u, 70000u}) {
      std::string data(n, static_cast<char>('a' + n % 26));
      appendChunk(body, data);
      expected += data;
    }
    body += kLastChunk;
    struct Sink : ResponseSink {
      std::string body;
      bool done = false;
      void onHead(ResponseHead&&) override {}
      void onBody(std::string_view d) override { body.append(d); }
      void onComplete() override { done = true; }
    } sink;
    ResponseParser parser;
    CHECK(parser.execute(body, sink) == body.size());
    CHECK(sink.done);
    CHECK(sink.body == expected);
  }
}

TEST_CASE("filterResponseHeaders", "[http][headers]") {
  Headers headers{{"Content-Type", "text/html"},         {"Connection", "keep-alive, X-Internal"},
                  {"Keep-Alive", "timeout=5, max=100"},  {"Transfer-Encoding", "chunked"},
                  {"X-Internal", "backend-7"},           {"Proxy-Authenticate", "Basic"},
                  {"Set-Cookie", "JSESSIONID=abc.jvm1"}, {"Content-Length", "10"}};
  filterResponseHeaders(headers);
  CHECK(headers == Headers{{"Content-Type", "text/html"},
                           {"Set-Cookie", "JSESSIONID=abc.jvm1"},
                           {"Content-Length", "10"}});
}

}  // namespace
}  // namespace cxxb::http
