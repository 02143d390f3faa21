#pragma once
// The one writer of a member's health in shared memory: its status flags (E), retry time,
// error-since time and failure counter. Whatever happened to the member (a refused
// connection, a timeout, a complete response, later a probe result or a manager change) is
// an event; each event returns the transition it caused, so the caller logs every
// transition exactly once, server-wide (the record's atomics decide which thread of which
// child saw it happen).
//
// Pure: no clock is read here (now and the wall time come in), no I/O, no log.
//
// Also here: the one answer to "may this member take a request now", used by picking, the
// RewriteMap and the manager.
#include <atomic>
#include <cstdint>

#include "core/clock.h"
#include "shm/slot_layout.h"

namespace cxxb::balancer {

enum class MemberEventKind : uint8_t {
  ConnectFailed,       ///< refused, unreachable, connect timeout or unresolvable
  TlsFailed,           ///< the TLS handshake with an https member failed
  PingFailed,          ///< AJP CPING was not answered with CPONG in time
  FailedBeforeAnswer,  ///< closed or reset before a byte of response
  Timeout,             ///< no answer within the I/O timeout (puts in error with failontimeout)
  MalformedResponse,   ///< the response could not be parsed
  Truncated,           ///< closed after the head, before the body was complete
  Response,            ///< a complete response; failonstatus decides what it means
  ProbeResult,         ///< a health check's verdict (for the coming prober)
  ManagerChange,       ///< status flags set or cleared by the manager (for the coming actions)
};

struct MemberEvent {
  MemberEventKind kind = MemberEventKind::Response;
  bool failOnTimeout = false;  ///< Timeout: the balancer's failontimeout
  int status = 0;              ///< Response: the status the member answered
  bool failOnStatus = false;   ///< Response: `status` is listed in failonstatus
  bool probeUp = false;        ///< ProbeResult: the member passed its checks
  uint32_t setFlags = 0;       ///< ManagerChange: config::StatusFlag bits to set
  uint32_t clearFlags = 0;     ///< ManagerChange: bits to clear
};

/** What an event changed about the member's error state. */
struct Transition {
  enum class Kind : uint8_t {
    None,          ///< nothing that must be logged (already in error, or still healthy)
    EnteredError,  ///< the member is now skipped for `retry`
    LeftError,     ///< it answered (or passed its checks) and takes requests again
  };
  Kind kind = Kind::None;
  Seconds retry{0};  ///< EnteredError: how long the member is skipped

  bool enteredError() const noexcept { return kind == Kind::EnteredError; }
  bool leftError() const noexcept { return kind == Kind::LeftError; }
};

/**
 * A member's shared record seen as a state machine. Cheap to construct (three references);
 * any number of threads and processes may hold one for the same record at once.
 */
class MemberState {
 public:
  /**
   * @param record the member's shared record
   * @param retry the member's retry=
   * @param statusEpoch its balancer's epoch, bumped on every change picking must see
   *   (may be null: no balancer caches eligibility)
   */
  MemberState(shm::MemberRecord& record, Seconds retry, std::atomic<uint32_t>* statusEpoch) noexcept
      : record_(record), retry_(retry), statusEpoch_(statusEpoch) {}

  /**
   * Applies one event.
   * @param now steady time, for the retry timer
   * @param wallNowNs system_clock ns since the Unix epoch, for the manager's "in error since"
   * @return the transition; EnteredError and LeftError are returned to exactly one caller
   *   server-wide per transition
   */
  Transition onEvent(const MemberEvent& event, TimePoint now, int64_t wallNowNs) noexcept;

 private:
  Transition enterError(TimePoint now, int64_t wallNowNs) noexcept;
  Transition leaveError() noexcept;
  void bumpEpoch() noexcept;

  shm::MemberRecord& record_;
  Seconds retry_;
  std::atomic<uint32_t>* statusEpoch_;
};

/** Whether the event counts as a failure of the member (the manager's "errors" column). */
bool countsAsFailure(const MemberEvent& event) noexcept;

/**
 * May a member with these status flags take a request now: not disabled (D) or stopped (S),
 * and not in error (E) unless its retry time has come. Draining and hot standby are the
 * selector's business (they decide between members, not about one).
 */
bool usableNow(uint32_t status, TimePoint retryAt, TimePoint now) noexcept;
/** The same, read from a shared record. */
bool usableNow(const shm::MemberRecord& record, TimePoint now) noexcept;

/** The record's steady-clock times as TimePoint and back. */
TimePoint retryAtOf(const shm::MemberRecord& record) noexcept;

}  // namespace cxxb::balancer
