#include "proxy/failure_policy.h"

namespace cxxb::proxy {
namespace {

using balancer::MemberEvent;
using balancer::MemberEventKind;

MemberEvent event(MemberEventKind kind) noexcept {
  MemberEvent e;
  e.kind = kind;
  return e;
}

bool nothingBack(const AttemptFacts& facts) noexcept {
  return !facts.responseStarted &&
         (facts.end == AttemptEnd::SendFailed || facts.end == AttemptEnd::NoResponse);
}

}  // namespace

Verdict judge(const AttemptFacts& facts) noexcept {
  Verdict v;
  switch (facts.end) {
    case AttemptEnd::Answered: {
      MemberEvent e = event(MemberEventKind::Response);
      e.status = facts.status;
      e.failOnStatus = facts.failOnStatus;
      v.outcome = ForwardOutcome::Served;
      v.memberEvent = e;
      return v;
    }
    case AttemptEnd::NoFreeConnection:
      v.outcome = ForwardOutcome::Unavailable;
      v.tryAnother = true;
      return v;
    case AttemptEnd::ConnectFailed:
    case AttemptEnd::TlsFailed:
    case AttemptEnd::PingFailed:
      v.outcome = ForwardOutcome::Unavailable;
      v.memberEvent = event(facts.end == AttemptEnd::ConnectFailed ? MemberEventKind::ConnectFailed
                            : facts.end == AttemptEnd::TlsFailed   ? MemberEventKind::TlsFailed
                                                                   : MemberEventKind::PingFailed);
      v.tryAnother = true;  // nothing of the request was sent: safe for any method
      return v;
    case AttemptEnd::SendFailed:
    case AttemptEnd::NoResponse:
      v.outcome = ForwardOutcome::BadGateway;
      v.memberEvent = event(MemberEventKind::FailedBeforeAnswer);
      // A non-idempotent request may have been processed: never send it twice.
      v.tryAnother = nothingBack(facts) && facts.idempotent && facts.bodyReplayable;
      return v;
    case AttemptEnd::Timeout: {
      MemberEvent e = event(MemberEventKind::Timeout);
      e.failOnTimeout = facts.failOnTimeout;
      v.outcome = ForwardOutcome::Timeout;
      v.memberEvent = e;
      return v;
    }
    case AttemptEnd::BadResponse:
      v.outcome = ForwardOutcome::BadGateway;
      v.memberEvent = event(MemberEventKind::MalformedResponse);
      return v;
    case AttemptEnd::Truncated:
      v.outcome = ForwardOutcome::BadGateway;
      v.memberEvent = event(MemberEventKind::Truncated);
      return v;
    case AttemptEnd::ClientFailed:
      v.outcome = ForwardOutcome::ClientFailed;
      return v;
  }
  return v;
}

bool resendOnFreshConnection(const AttemptFacts& facts, bool pooled, bool alreadyResent,
                             bool pingClosed) noexcept {
  if (!pooled || alreadyResent) {
    return false;
  }
  if (pingClosed) {
    return true;  // nothing of the request was sent
  }
  return nothingBack(facts) && facts.idempotent && facts.bodyReplayable;
}

}  // namespace cxxb::proxy
