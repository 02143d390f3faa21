// The request path against fakes: a balancer over in-process shared memory, members reached
// through a scripted connector that hands out FakeTransports, a fake clock that the
// transports move when they wait. One case per line of README.md's table "What happens when
// things fail", then the retry and idempotency rules, sticky sessions and the sorry page.
#include "proxy/forwarder.h"

#include <catch2/catch.hpp>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ajp/support/ajp13_test_bytes.h"
#include "shm/in_process_slot_store.h"
#include "support/fake_clock.h"
#include "support/fake_transport.h"
#include "support/shm_configs.h"

using namespace cxxb;
using net::IoStatus;
using proxy::ForwardOutcome;
using test::FakeTransport;

namespace {

using Read = FakeTransport::Read;

const std::string kOk = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
const std::string kOkClose = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";

std::string answer(int status, std::string_view extraHeaders = "") {
  return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Length: 2\r\n" +
         std::string(extraHeaders) + "\r\nok";
}

/** What a connection to a member will do, in the order connections are made. */
struct Script {
  proxy::AttemptEnd failure = proxy::AttemptEnd::Answered;  ///< ConnectFailed/TlsFailed: fail
  net::ConnectStatus status = net::ConnectStatus::Refused;
  std::vector<Read> reads;
  bool failWrite = false;  ///< the request cannot be written (reset)
};

Read data(std::string bytes, Millis after = Millis(0)) {
  Read r;
  r.data = std::move(bytes);
  r.after = after;
  return r;
}
Read closed() {
  Read r;
  r.status = IoStatus::Closed;
  return r;
}
Script connection(std::vector<Read> reads) {
  Script s;
  s.reads = std::move(reads);
  return s;
}
Script refused() {
  Script s;
  s.failure = proxy::AttemptEnd::ConnectFailed;
  s.status = net::ConnectStatus::Refused;
  return s;
}
Script tlsFails() {
  Script s;
  s.failure = proxy::AttemptEnd::TlsFailed;
  return s;
}

class FakeConnector final : public proxy::Connector {
 public:
  explicit FakeConnector(test::FakeClock& clock) : clock_(clock) {}

  void script(const std::string& member, Script s) { scripts_[member].push_back(std::move(s)); }

  Outcome connect(net::MemberRuntime& member, Millis, TimePoint) override {
    connects[member.name()]++;
    Outcome out;
    auto& queue = scripts_[member.name()];
    if (queue.empty()) {
      out.failure = proxy::AttemptEnd::ConnectFailed;
      out.status = net::ConnectStatus::Unreachable;
      out.detail = "not scripted";
      return out;
    }
    Script s = std::move(queue.front());
    queue.pop_front();
    if (s.failure != proxy::AttemptEnd::Answered) {
      out.failure = s.failure;
      out.status = s.status;
      out.detail = s.failure == proxy::AttemptEnd::TlsFailed ? "TLS handshake failed: bad cert"
                                                             : "Connection refused";
      return out;
    }
    auto [transport, state] = FakeTransport::make();
    state->clock = &clock_;
    state->reads.assign(s.reads.begin(), s.reads.end());
    if (s.failWrite) {
      state->writeFailure = IoStatus::Closed;
    }
    states[member.name()].push_back(state);
    out.transport = std::move(transport);
    return out;
  }

  std::map<std::string, int> connects;
  std::map<std::string, std::vector<std::shared_ptr<FakeTransport::State>>> states;

 private:
  test::FakeClock& clock_;
  std::map<std::string, std::deque<Script>> scripts_;
};

class RecordingLogger final : public Logger {
 public:
  void log(LogLevel level, std::string_view id, std::string_view message) override {
    lines.push_back({level, std::string(id), std::string(message)});
  }
  int count(std::string_view id) const {
    int n = 0;
    for (const auto& l : lines) {
      n += l.id == id ? 1 : 0;
    }
    return n;
  }
  std::string text(std::string_view id) const {
    for (const auto& l : lines) {
      if (l.id == id) {
        return l.message;
      }
    }
    return {};
  }
  struct Line {
    LogLevel level;
    std::string id;
    std::string message;
  };
  std::vector<Line> lines;
};

class Client final : public net::ResponseConsumer {
 public:
  void onMemberChosen(const net::MemberChoice& choice) override {
    chosen.emplace_back(choice.member);
    sorry = choice.sorry;
    setCookie = std::string(choice.setCookie);
  }
  void onHead(http::ResponseHead&& h) override {
    ++heads;
    head = std::move(h);
  }
  void onBody(std::string_view data) override { body.append(data); }
  void onComplete() override { ++completes; }
  void flush() override {}
  bool clientFailed() const override { return false; }

  std::vector<std::string> chosen;
  bool sorry = false;
  std::string setCookie;
  int heads = 0;
  http::ResponseHead head;
  std::string body;
  int completes = 0;
};

/** A client body in pieces, counting how often it was read. */
class Body final : public net::RequestBody {
 public:
  explicit Body(std::vector<std::string> pieces) : pieces_(pieces.begin(), pieces.end()) {}
  Piece next() override {
    if (pieces_.empty()) {
      return {Status::End, {}};
    }
    current_ = std::move(pieces_.front());
    pieces_.pop_front();
    return {Status::Data, current_};
  }

 private:
  std::deque<std::string> pieces_;
  std::string current_;
};

struct World {
  explicit World(config::BalancerConfig c)
      : config(std::move(c)),
        configs{config},
        store(shm::MemberTable::layoutFor(configs).totalSize),
        table(store),
        connector(clock) {
    REQUIRE(table.initialize(configs, nullptr).ok());
    registry.add(config, table);
    registry.initChild(4, clock);
    balancer = registry.find(config.name);
  }

  proxy::ForwardResult get(std::string_view method = "GET", net::RequestBody* body = nullptr,
                           std::vector<http::Header> headers = {}) {
    client = Client{};
    proxy::ForwardRequest request;
    request.method = std::string(method);
    request.rest = "/x";
    request.clientHeaders = std::move(headers);
    request.idempotent = proxy::isIdempotentMethod(method);
    request.body = body;
    request.defaultTimeout = Millis(5000);
    if (body != nullptr) {
      request.context.chunkedBody = true;
    }
    proxy::Forwarder forwarder(clock, log, connector);
    return forwarder.forward(*balancer, request, client, buffer);
  }

  net::MemberRuntime& member(size_t i) { return *balancer->members()[i]; }
  bool inError(size_t i) {
    return (member(i).record().status.load() & config::kStatusInError) != 0;
  }

  config::BalancerConfig config;
  std::vector<config::BalancerConfig> configs;
  shm::InProcessSlotStore store;
  shm::MemberTable table;
  test::FakeClock clock;
  FakeConnector connector;
  net::BalancerRegistry registry;
  net::BalancerRuntime* balancer = nullptr;
  RecordingLogger log;
  Client client;
  std::vector<char> buffer = std::vector<char>(64 * 1024);
};

const std::string kA = "http://a:8080";
const std::string kB = "http://b:8080";

config::BalancerConfig twoMembers() { return test::balancerOf("web", {kA, kB}); }

}  // namespace

// --- README "What happens when things fail", one case per line ---------------------------

TEST_CASE("request path: a refused member: the next one answers, logged once", "[proxy]") {
  World w(twoMembers());
  w.connector.script(kA, refused());
  w.connector.script(kB, connection({data(kOk)}));
  w.connector.script(kB, connection({data(kOk)}));
  auto r = w.get();
  CHECK(r.outcome == ForwardOutcome::Served);
  CHECK(w.client.chosen == std::vector<std::string>{kA, kB});
  CHECK(w.client.body == "ok");
  CHECK(w.inError(0));
  CHECK(w.log.count("CXB02001") == 1);
  CHECK_THAT(w.log.text("CXB02001"), Catch::Contains(kA) &&
                                         Catch::Contains("refused the connection") &&
                                         Catch::Contains("in error for 60 s"));
  // Skipped for retry=: the next request goes to b without trying a, nothing more logged.
  w.get();
  CHECK(w.client.chosen == std::vector<std::string>{kB});
  CHECK(w.connector.connects[kA] == 1);
  CHECK(w.log.count("CXB02001") == 1);
}

TEST_CASE("request path: a member in error that answers again is back, logged once", "[proxy]") {
  config::BalancerConfig c = test::balancerOf("web", {kA});
  c.members[0].retry = Seconds(5);
  World w(c);
  w.connector.script(kA, refused());
  CHECK(w.get().outcome == ForwardOutcome::Unavailable);
  CHECK(w.inError(0));
  w.clock.advance(Seconds(6));  // retry= has run out: the member is tried again
  w.connector.script(kA, connection({data(kOk)}));
  CHECK(w.get().outcome == ForwardOutcome::Served);
  CHECK_FALSE(w.inError(0));
  CHECK(w.log.count("CXB02016") == 1);
  CHECK_THAT(w.log.text("CXB02016"), Catch::Contains(kA) && Catch::Contains("back in rotation"));
}

TEST_CASE("request path: a stale pooled connection is resent on a new one", "[proxy]") {
  World w(test::balancerOf("web", {kA}));
  w.connector.script(kA, connection({data(kOk), closed()}));
  w.connector.script(kA, connection({data(kOk)}));
  REQUIRE(w.get().outcome == ForwardOutcome::Served);  // leaves the connection pooled
  auto r = w.get();
  CHECK(r.outcome == ForwardOutcome::Served);
  CHECK(w.connector.connects[kA] == 2);
  CHECK(w.log.count("CXB02009") == 1);
  CHECK(w.log.lines.front().level == LogLevel::Debug);
  CHECK_FALSE(w.inError(0));
}

TEST_CASE("request path: closes before answering", "[proxy]") {
  World w(twoMembers());
  SECTION("an idempotent request without a body goes to another member") {
    w.connector.script(kA, connection({closed()}));
    w.connector.script(kB, connection({data(kOk)}));
    CHECK(w.get().outcome == ForwardOutcome::Served);
    CHECK(w.client.chosen == std::vector<std::string>{kA, kB});
  }
  SECTION("POST: 502, never sent twice") {
    w.connector.script(kA, connection({closed()}));
    w.connector.script(kB, connection({data(kOk)}));
    Body body({"a=1"});
    CHECK(w.get("POST", &body).outcome == ForwardOutcome::BadGateway);
    CHECK(w.client.chosen == std::vector<std::string>{kA});
    CHECK(w.connector.connects[kB] == 0);
  }
  CHECK(w.inError(0));
  CHECK(w.log.count("CXB02004") == 1);
}

TEST_CASE("request path: no answer within the timeout is 504, without waiting", "[proxy]") {
  World w(twoMembers());
  w.connector.script(kA, connection({}));  // never answers
  TimePoint before = w.clock.now();
  auto r = w.get();
  CHECK(r.outcome == ForwardOutcome::Timeout);
  CHECK(w.clock.now() - before == Millis(5000));  // the fake clock moved, nobody slept
  CHECK(w.client.chosen.size() == 1);             // never retried
  CHECK(w.log.count("CXB02005") == 1);
  CHECK_FALSE(w.inError(0));
}

TEST_CASE("request path: a malformed answer is 502", "[proxy]") {
  World w(twoMembers());
  w.connector.script(kA, connection({data("HTTP/1.1 abc Bad\r\n\r\n")}));
  CHECK(w.get().outcome == ForwardOutcome::BadGateway);
  CHECK(w.client.chosen.size() == 1);
  CHECK(w.log.count("CXB02006") == 1);
  CHECK(w.member(0).record().failures.load() == 1);
}

TEST_CASE("request path: a break mid-body aborts the client", "[proxy]") {
  World w(twoMembers());
  w.connector.script(
      kA, connection({data("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc"), closed()}));
  auto r = w.get();
  CHECK(r.outcome == ForwardOutcome::BadGateway);
  CHECK(r.headDelivered);  // the adapter aborts the connection instead of answering
  CHECK(w.client.heads == 1);
  CHECK(w.log.count("CXB02007") == 1);
}

TEST_CASE("request path: no member can serve: 503", "[proxy]") {
  World w(twoMembers());
  w.connector.script(kA, refused());
  w.connector.script(kB, refused());
  auto r = w.get();
  CHECK(r.outcome == ForwardOutcome::Unavailable);
  CHECK(w.log.count("CXB02008") == 1);
  CHECK(w.log.count("CXB02001") == 2);
}

TEST_CASE("request path: failonstatus: the answer passes, the member is in error", "[proxy]") {
  auto config = twoMembers();
  config.failOnStatus = {503};
  World w(config);
  w.connector.script(kA, connection({data(answer(503))}));
  auto r = w.get();
  CHECK(r.outcome == ForwardOutcome::Served);
  CHECK(w.client.head.status == 503);
  CHECK(w.inError(0));
  CHECK(w.log.count("CXB02011") == 1);
}

TEST_CASE("request path: failontimeout: 504 and the member is in error", "[proxy]") {
  auto config = twoMembers();
  config.failOnTimeout = true;
  World w(config);
  w.connector.script(kA, connection({}));
  CHECK(w.get().outcome == ForwardOutcome::Timeout);
  CHECK(w.inError(0));
  CHECK(w.log.count("CXB02010") == 1);
  CHECK(w.log.count("CXB02005") == 0);
}

TEST_CASE("request path: the session's member is down with stickyforce/nofailover", "[proxy]") {
  auto config = twoMembers();
  config.members[0].route = "r1";
  config.members[1].route = "r2";
  config.stickyCookie = "JSESSIONID";
  bool force = GENERATE(true, false);
  config.stickyForce = force;
  config.noFailover = !force;
  World w(config);
  w.connector.script(kA, refused());
  w.connector.script(kB, connection({data(kOk)}));
  auto r = w.get("GET", nullptr, {{"Cookie", "JSESSIONID=abc.r1"}});
  CHECK(r.outcome == ForwardOutcome::Unavailable);
  CHECK(w.client.chosen == std::vector<std::string>{kA});
  CHECK(w.log.count("CXB02012") == 1);
  CHECK_THAT(w.log.text("CXB02012"), Catch::Contains(force ? "stickyforce" : "nofailover"));
  // Already known to be down: refused at once, no attempt.
  w.get("GET", nullptr, {{"Cookie", "JSESSIONID=abc.r1"}});
  CHECK(w.client.chosen.empty());
  CHECK(w.log.count("CXB02012") == 2);
}

TEST_CASE("request path: an AJP member that does not answer CPING: the next one", "[proxy]") {
  auto config = test::balancerOf("web", {"ajp://a:8009", kB});
  config.members[0].ping = Millis(1000);
  World w(config);
  w.connector.script("ajp://a:8009", connection({}));  // no CPONG
  w.connector.script(kB, connection({data(kOk)}));
  TimePoint before = w.clock.now();
  CHECK(w.get().outcome == ForwardOutcome::Served);
  CHECK(w.client.chosen == std::vector<std::string>{"ajp://a:8009", kB});
  CHECK(w.clock.now() - before == Millis(1000));
  CHECK(w.inError(0));
  CHECK(w.log.count("CXB02201") == 1);
  CHECK_THAT(w.log.text("CXB02201"), Catch::Contains("within 1000 ms"));
}

TEST_CASE("request path: a TLS handshake failure: the next one", "[proxy]") {
  World w(test::balancerOf("web", {"https://a:8443", kB}));
  w.connector.script("https://a:8443", tlsFails());
  w.connector.script(kB, connection({data(kOk)}));
  CHECK(w.get().outcome == ForwardOutcome::Served);
  CHECK(w.inError(0));
  CHECK(w.log.count("CXB02015") == 1);
  CHECK_THAT(w.log.text("CXB02015"), Catch::Contains("bad cert"));
}

TEST_CASE("request path: a wrong AJP secret: Tomcat's 403, logged", "[proxy]") {
  using namespace ajp::test;
  auto config = test::balancerOf("web", {"ajp://a:8009"});
  config.members[0].secret = "wrong";
  World w(config);
  w.connector.script(
      "ajp://a:8009",
      connection({data(sendHeaders(403, "403", {}) + sendBodyChunk("no") + endResponse(false))}));
  auto r = w.get();
  CHECK(r.outcome == ForwardOutcome::Served);
  CHECK(w.client.head.status == 403);
  CHECK(w.log.count("CXB02202") == 1);
}

// --- retries and idempotency --------------------------------------------------------------

TEST_CASE("request path: a GET with a small body is replayed to another member", "[proxy]") {
  World w(twoMembers());
  w.connector.script(kA, connection({closed()}));
  w.connector.script(kB, connection({data(kOk)}));
  Body body({"hello", " world"});
  CHECK(w.get("PUT", &body).outcome == ForwardOutcome::Served);
  auto& sent = w.connector.states[kB].front()->written;
  CHECK_THAT(sent, Catch::EndsWith("b\r\nhello world\r\n0\r\n\r\n"));
}

TEST_CASE("request path: maxattempts bounds the members tried", "[proxy]") {
  auto config = test::balancerOf("web", {kA, kB, "http://c:8080"});
  config.maxAttempts = 1;
  World w(config);
  w.connector.script(kA, refused());
  w.connector.script(kB, refused());
  w.connector.script("http://c:8080", connection({data(kOk)}));
  // byrequests from a fresh start picks a, then b: two attempts, c never.
  CHECK(w.get().outcome == ForwardOutcome::Unavailable);
  CHECK(w.client.chosen.size() == 2);
}

// --- sticky sessions ----------------------------------------------------------------------

TEST_CASE("request path: a session stays on its member, and fails over", "[proxy]") {
  auto config = twoMembers();
  config.members[0].route = "r1";
  config.members[1].route = "r2";
  config.stickyCookie = "JSESSIONID";
  World w(config);
  const http::Headers cookie = {{"Cookie", "JSESSIONID=abc.r2"}};
  w.connector.script(kB, connection({data(kOkClose)}));
  w.get("GET", nullptr, cookie);
  w.connector.script(kB, connection({data(kOkClose)}));
  w.get("GET", nullptr, cookie);
  CHECK(w.client.chosen == std::vector<std::string>{kB});
  CHECK(w.connector.connects[kA] == 0);
  // Its member refuses: another member takes the session.
  w.connector.script(kB, refused());
  w.connector.script(kA, connection({data(kOk)}));
  CHECK(w.get("GET", nullptr, cookie).outcome == ForwardOutcome::Served);
  CHECK(w.client.chosen == std::vector<std::string>{kB, kA});
}

TEST_CASE("request path: routecookie is set when the route changes", "[proxy]") {
  auto config = twoMembers();
  config.members[0].route = "r1";
  config.members[1].route = "r2";
  config.routeCookie = "ROUTEID";
  World w(config);
  w.connector.script(kA, connection({data(kOk)}));
  w.get();
  CHECK_THAT(w.client.setCookie, Catch::StartsWith("ROUTEID=.r1"));
}

// --- the sorry page and latency -------------------------------------------------------------

TEST_CASE("request path: no member: the sorry page", "[proxy]") {
  auto config = test::balancerOf("web", {kA});
  config.sorry = "http://sorry:80/down.html";
  World w(config);
  w.connector.script(kA, refused());
  w.connector.script("http://sorry:80/down.html", connection({data(kOk)}));
  auto r = w.get();
  CHECK(r.outcome == ForwardOutcome::Sorry);
  CHECK(w.client.sorry);
  CHECK(w.client.body == "ok");
  auto& sent = w.connector.states["http://sorry:80/down.html"].front()->written;
  CHECK_THAT(sent, Catch::StartsWith("GET /down.html HTTP/1.1\r\nHost: sorry\r\n"));
  SECTION("the sorry page unreachable too: 503, logged") {
    w.connector.script(kA, refused());
    w.clock.advance(Seconds(61));
    auto again = w.get();
    CHECK(again.outcome == ForwardOutcome::Unavailable);
    CHECK(w.log.count("CXB02014") == 1);
  }
}

TEST_CASE("request path: latency is measured to the response head", "[proxy]") {
  World w(test::balancerOf("web", {kA}));
  w.connector.script(kA,
                     connection({data("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n", Millis(7)),
                                 data("body", Millis(900))}));
  CHECK(w.get().outcome == ForwardOutcome::Served);
  CHECK(w.client.body == "body");
  CHECK(w.member(0).record().latencyEwmaUs.load() == 7000);  // not the 907 ms of the body
}

TEST_CASE("request path: the Host header of a member on its default port", "[proxy]") {
  World w(test::balancerOf("web", {"http://a"}));
  w.connector.script("http://a:80", connection({data(kOk)}));
  CHECK(w.get().outcome == ForwardOutcome::Served);
  CHECK_THAT(w.connector.states["http://a:80"].front()->written, Catch::Contains("Host: a\r\n"));
}
