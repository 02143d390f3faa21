#pragma once
// What one attempt's ending means, in one table: what the client gets if nothing else is
// tried, what the member is told (balancer/member_state.h), and whether the request may go
// to another member. The forwarder applies the verdict; it decides nothing itself.
//
// Pure: facts in, verdict out. README.md's table "What happens when things fail" is the
// contract this implements; test/unit/proxy/failure_policy_test.cpp has one case per row.
//
// The rules, and why:
// - Nothing was sent yet (no free connection, connect, TLS or CPING failed): any method may
//   go to another member, and the client gets 503 if none can take it.
// - The member closed or reset before a byte of answer: it may not have seen the request,
//   or it may have processed it. Only an idempotent request whose body can be sent again
//   goes to another member (RFC 9110 §9.2.2); otherwise, and when no member is left, 502.
// - A timeout is 504 and is never retried: the member may still be working on it, and a
//   second member would only make the client wait twice as long.
// - A malformed response is 502; a break after the head aborts the client connection (the
//   head is out: no status can be given any more).
// - A complete response is the client's, whatever its status; failonstatus only tells the
//   member.
#include <optional>

#include "balancer/member_state.h"

namespace cxxb::proxy {

/** What the client gets for the request as a whole. */
enum class ForwardOutcome {
  Served,        ///< a complete response reached the consumer
  Unavailable,   ///< no member could take the request (503)
  Timeout,       ///< the member did not answer in time (504)
  BadGateway,    ///< the member failed or answered garbage (502)
  ClientFailed,  ///< the client went away or sent a broken body
  Sorry,         ///< no member could serve; the sorry page was sent with 503
};

/** How one attempt against one member ended. */
enum class AttemptEnd {
  Answered,          ///< a complete response reached the client
  NoFreeConnection,  ///< the member's pool is at its max=
  ConnectFailed,     ///< refused, unreachable, connect timeout, or no address
  TlsFailed,         ///< the TLS handshake failed
  PingFailed,        ///< AJP CPING got no CPONG in time (or a wrong answer)
  SendFailed,        ///< writing the request failed before any byte of answer
  NoResponse,        ///< closed or reset before any byte of answer
  Timeout,           ///< no answer, or no more of it, within the I/O timeout
  BadResponse,       ///< the answer could not be parsed
  Truncated,         ///< closed after the head, before the body was complete
  ClientFailed,      ///< the client went away or its body could not be read
};

/** The facts of the attempt and of the request that the verdict depends on. */
struct AttemptFacts {
  AttemptEnd end = AttemptEnd::Answered;
  bool responseStarted = false;  ///< a byte of answer arrived
  bool idempotent = false;       ///< the method is (RFC 9110 §9.2.2)
  bool bodyReplayable = true;    ///< no body was taken from the client, or it can be replayed
  bool failOnTimeout = false;    ///< the balancer's failontimeout
  int status = 0;                ///< Answered: the response status
  bool failOnStatus = false;     ///< Answered: `status` is listed in failonstatus
};

struct Verdict {
  /** What the client gets when this is the last attempt. */
  ForwardOutcome outcome = ForwardOutcome::Served;
  /** What the member is told; none when the attempt says nothing about the member. */
  std::optional<balancer::MemberEvent> memberEvent;
  /** The request may go to another member. */
  bool tryAnother = false;
};

/** The verdict for one attempt. */
Verdict judge(const AttemptFacts& facts) noexcept;

/**
 * A pooled connection that failed before any answer was most likely closed by the member
 * while it sat idle (a keep-alive race, not a member failure): the request is sent again
 * once, on a fresh connection to the same member, when that cannot run it twice.
 * @param pooled the connection came from the pool
 * @param alreadyResent this attempt already used its one fresh connection
 * @param pingClosed AJP: the CPING found the connection closed (nothing was sent)
 */
bool resendOnFreshConnection(const AttemptFacts& facts, bool pooled, bool alreadyResent,
                             bool pingClosed) noexcept;

}  // namespace cxxb::proxy
