#include "proxy/failure_policy.h"

#include <catch2/catch.hpp>

using cxxb::balancer::MemberEventKind;
using cxxb::proxy::AttemptEnd;
using cxxb::proxy::AttemptFacts;
using cxxb::proxy::ForwardOutcome;
using cxxb::proxy::judge;
using cxxb::proxy::resendOnFreshConnection;

namespace {

AttemptFacts facts(AttemptEnd end, bool idempotent = true) {
  AttemptFacts f;
  f.end = end;
  f.idempotent = idempotent;
  return f;
}

}  // namespace

TEST_CASE("failure policy: nothing sent yet goes to another member, any method", "[proxy]") {
  auto [end, kind] = GENERATE(table<AttemptEnd, MemberEventKind>({
      {AttemptEnd::ConnectFailed, MemberEventKind::ConnectFailed},
      {AttemptEnd::TlsFailed, MemberEventKind::TlsFailed},
      {AttemptEnd::PingFailed, MemberEventKind::PingFailed},
  }));
  auto v = judge(facts(end, /*idempotent=*/false));
  CHECK(v.tryAnother);
  CHECK(v.outcome == ForwardOutcome::Unavailable);
  REQUIRE(v.memberEvent);
  CHECK(v.memberEvent->kind == kind);
}

TEST_CASE("failure policy: a full pool tells the member nothing", "[proxy]") {
  auto v = judge(facts(AttemptEnd::NoFreeConnection, false));
  CHECK(v.tryAnother);
  CHECK(v.outcome == ForwardOutcome::Unavailable);
  CHECK_FALSE(v.memberEvent);
}

TEST_CASE("failure policy: closed before answering", "[proxy]") {
  auto end = GENERATE(AttemptEnd::NoResponse, AttemptEnd::SendFailed);
  SECTION("an idempotent request whose body can be sent again goes elsewhere") {
    auto v = judge(facts(end));
    CHECK(v.tryAnother);
    CHECK(v.outcome == ForwardOutcome::BadGateway);
    REQUIRE(v.memberEvent);
    CHECK(v.memberEvent->kind == MemberEventKind::FailedBeforeAnswer);
  }
  SECTION("POST is never sent twice: 502") {
    auto v = judge(facts(end, false));
    CHECK_FALSE(v.tryAnother);
    CHECK(v.outcome == ForwardOutcome::BadGateway);
  }
  SECTION("a body that cannot be replayed: 502") {
    auto f = facts(end);
    f.bodyReplayable = false;
    CHECK_FALSE(judge(f).tryAnother);
  }
  SECTION("a byte of answer came: 502") {
    auto f = facts(end);
    f.responseStarted = true;
    CHECK_FALSE(judge(f).tryAnother);
  }
}

TEST_CASE("failure policy: a timeout is 504 and never retried", "[proxy]") {
  bool failOnTimeout = GENERATE(false, true);
  auto f = facts(AttemptEnd::Timeout);
  f.failOnTimeout = failOnTimeout;
  auto v = judge(f);
  CHECK(v.outcome == ForwardOutcome::Timeout);
  CHECK_FALSE(v.tryAnother);
  REQUIRE(v.memberEvent);
  CHECK(v.memberEvent->kind == MemberEventKind::Timeout);
  CHECK(v.memberEvent->failOnTimeout == failOnTimeout);
}

TEST_CASE("failure policy: malformed and truncated answers are 502, not retried", "[proxy]") {
  auto [end, kind] = GENERATE(table<AttemptEnd, MemberEventKind>({
      {AttemptEnd::BadResponse, MemberEventKind::MalformedResponse},
      {AttemptEnd::Truncated, MemberEventKind::Truncated},
  }));
  auto v = judge(facts(end));
  CHECK(v.outcome == ForwardOutcome::BadGateway);
  CHECK_FALSE(v.tryAnother);
  REQUIRE(v.memberEvent);
  CHECK(v.memberEvent->kind == kind);
}

TEST_CASE("failure policy: a complete answer is the client's, failonstatus or not", "[proxy]") {
  bool listed = GENERATE(false, true);
  auto f = facts(AttemptEnd::Answered);
  f.status = 503;
  f.failOnStatus = listed;
  auto v = judge(f);
  CHECK(v.outcome == ForwardOutcome::Served);
  CHECK_FALSE(v.tryAnother);
  REQUIRE(v.memberEvent);
  CHECK(v.memberEvent->kind == MemberEventKind::Response);
  CHECK(v.memberEvent->status == 503);
  CHECK(v.memberEvent->failOnStatus == listed);
}

TEST_CASE("failure policy: a client that went away tells the member nothing", "[proxy]") {
  auto v = judge(facts(AttemptEnd::ClientFailed));
  CHECK(v.outcome == ForwardOutcome::ClientFailed);
  CHECK_FALSE(v.tryAnother);
  CHECK_FALSE(v.memberEvent);
}

TEST_CASE("failure policy: a stale pooled connection is resent once", "[proxy]") {
  auto f = facts(AttemptEnd::NoResponse);
  CHECK(resendOnFreshConnection(f, /*pooled=*/true, /*alreadyResent=*/false, false));
  CHECK_FALSE(resendOnFreshConnection(f, true, true, false));    // once only
  CHECK_FALSE(resendOnFreshConnection(f, false, false, false));  // a new connection failed
  CHECK_FALSE(resendOnFreshConnection(facts(AttemptEnd::NoResponse, false), true, false, false));
  CHECK_FALSE(resendOnFreshConnection(facts(AttemptEnd::Timeout), true, false, false));
  // A CPING that found the connection closed: nothing was sent, any method.
  CHECK(resendOnFreshConnection(facts(AttemptEnd::PingFailed, false), true, false, true));
}
