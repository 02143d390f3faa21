#pragma once
// The records of the shared-memory segment that holds every balancer's and member's state
// (STYLE.md §2.7, DESIGN.md §3). One segment per configuration generation:
//
//   [SegmentHeader][BalancerRecord x balancerCount][MemberRecord x memberCapacity]
//
// each part starting at a multiple of kSegmentAlignment. Balancer i owns the member records
// [firstMember, firstMember + capacity); the first memberCount of them are in use, the rest
// are spare (`growth`) for members added at run time.
//
// Rules, checked below at compile time where the language allows:
// - standard layout, fixed-size arrays, integers and lock-free atomics only; no pointers
//   (every process maps the segment at its own address: records are found by index);
// - every field written after the children exist is a std::atomic, so the request path
//   reads and writes without a lock;
// - text fields and the structural fields (memberCount, the identity of a record) change
//   only under the segment's structural lock (SlotStore::lock()), and a record is filled
//   before memberCount is raised with release order to include it;
// - a change to any record means a new kLayoutVersion: a segment of another version is
//   refused, never reinterpreted.
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace cxxb::shm {

/** "CXBSHM\0\1" read as a little-endian integer: the first bytes of every segment. */
inline constexpr uint64_t kSegmentMagic = 0x0100'4D48'5342'5843ull;
/** Bumped whenever a record below changes size, order or meaning. */
inline constexpr uint32_t kLayoutVersion = 2;
/** Start of every part of the segment, and the alignment the store must provide. */
inline constexpr size_t kSegmentAlignment = 64;

inline constexpr size_t kBalancerNameSize = 80;  ///< 64 characters (the config limit) + NUL
inline constexpr size_t kMemberUrlSize = 512;    ///< MemberUrl::text() + NUL
inline constexpr size_t kRouteSize = 72;         ///< 64 characters (the config limit) + NUL

/**
 * Which fields of a MemberRecord were set at run time (failures, health checks, the
 * manager) rather than read from the file. Bits 0..7 mirror config::StatusFlag: the status
 * bit of the same value was last set or cleared at run time. The higher bits stand for
 * whole fields. See MemberTable::initialize() for how a graceful restart uses them.
 */
enum RuntimeField : uint32_t {
  kRuntimeStatusMask = 0xFFu,  ///< the status bits (config::StatusFlag values)
  kRuntimeLoadFactor = 1u << 8,
  kRuntimeLbset = 1u << 9,
  kRuntimeRoute = 1u << 10,
  kRuntimeRedirect = 1u << 11,
};

/** Result of the last health check (HealthState as seen by the manager). */
enum class HealthStatus : uint32_t {
  Unknown = 0,  ///< no check configured, or none has run yet
  Up = 1,
  Down = 2,
};

/** The start of the segment. Written once by the parent before any child exists. */
struct SegmentHeader {
  uint64_t magic;
  uint32_t layoutVersion;
  uint32_t headerSize;          ///< sizeof(SegmentHeader)
  uint32_t balancerRecordSize;  ///< sizeof(BalancerRecord)
  uint32_t memberRecordSize;    ///< sizeof(MemberRecord)
  uint32_t balancerCount;
  uint32_t memberCapacity;  ///< member records, spare ones included
  uint64_t balancerOffset;  ///< bytes from the start of the segment
  uint64_t memberOffset;
  uint64_t segmentSize;  ///< bytes the layout needs (the store may be larger)
  uint32_t generation;   ///< 1 for a fresh start, +1 per graceful restart
  uint32_t reserved0;
  int64_t createdWallNs;       ///< system_clock, nanoseconds since the Unix epoch
  int64_t firstCreatedWallNs;  ///< when the first generation of this run was created
};

/**
 * One balancer. Identity (name) and placement (firstMember, capacity) are fixed for the
 * life of the segment; memberCount grows under the structural lock when the manager adds
 * a member, and is read with acquire order.
 */
struct BalancerRecord {
  std::array<char, kBalancerNameSize> name;  ///< as configured, NUL-terminated
  uint32_t firstMember;                      ///< index of its first MemberRecord
  uint32_t capacity;                         ///< configured members + growth
  std::atomic<uint32_t> memberCount;         ///< records in use, from firstMember
  /** Bumped by every writer of a member's status, lbset or retry time (failures,
   *  recoveries, the manager, health checks), so a child knows its cached list of eligible
   *  members is stale without reading every member. */
  std::atomic<uint32_t> statusEpoch;
  /** Bumped (release) after memberCount grew: a child that saw another value binds the new
   *  records before its next pick. */
  std::atomic<uint32_t> structuralEpoch;
  uint32_t reserved0;
};

/**
 * One member. Clocks: `retryAtNs` is steady_clock (CLOCK_MONOTONIC, the same in every
 * process of the machine and across a graceful restart), because it is compared with
 * "now" on the request path. `errorSinceWallNs` and `lastCheckWallNs` are system_clock
 * (nanoseconds since the Unix epoch), because the manager shows them to people.
 */
struct alignas(kSegmentAlignment) MemberRecord {
  // Identity: written when the record is set up, then read-only.
  std::array<char, kBalancerNameSize> balancer;  ///< owning balancer's name
  std::array<char, kMemberUrlSize> url;          ///< MemberUrl::text(): the match key
  // Text the manager may change: written under the structural lock only.
  std::array<char, kRouteSize> route;
  std::array<char, kRouteSize> redirect;

  // What the configuration file said, to tell an edited file from run-time changes.
  std::array<char, kRouteSize> fileRoute;
  std::array<char, kRouteSize> fileRedirect;
  uint32_t fileStatus;
  uint32_t fileLoadFactor;
  uint32_t fileLbset;
  uint32_t reserved0;

  // Status: config::StatusFlag bits, and which were set at run time (RuntimeField).
  std::atomic<uint32_t> status;
  std::atomic<uint32_t> runtimeFields;
  std::atomic<int64_t> retryAtNs;         ///< steady_clock: may be tried again from then
  std::atomic<int64_t> errorSinceWallNs;  ///< system_clock: entered error (0: not in error)

  // Weights the manager may change; read on every pick.
  std::atomic<uint32_t> loadFactor;
  std::atomic<uint32_t> lbset;

  // Health checks.
  std::atomic<uint32_t> healthStatus;    ///< HealthStatus
  std::atomic<int32_t> lastCheckStatus;  ///< HTTP status, or < 0 for a failure to connect
  std::atomic<int64_t> lastCheckWallNs;  ///< system_clock (0: never)
  std::atomic<uint32_t> consecutivePasses;
  std::atomic<uint32_t> consecutiveFails;

  // Counters, updated by every request thread of every child without a lock.
  std::atomic<uint64_t> requests;  ///< requests sent to the member (elected)
  std::atomic<uint64_t> failures;  ///< connection and protocol failures
  std::atomic<uint64_t> bytesSent;
  std::atomic<uint64_t> bytesReceived;
  std::atomic<uint64_t> busy;           ///< requests in flight, server-wide
  std::atomic<uint64_t> latencyEwmaUs;  ///< moving average of successful requests' time to
                                        ///< their response head (µs)
};

// --- compile-time checks of the rules above ---------------------------------------------
static_assert(std::atomic<uint32_t>::is_always_lock_free);
static_assert(std::atomic<int32_t>::is_always_lock_free);
static_assert(std::atomic<uint64_t>::is_always_lock_free);
static_assert(std::atomic<int64_t>::is_always_lock_free);
// Lock-free atomics of these sizes are plain words: no hidden lock or pointer inside.
static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t));
static_assert(sizeof(std::atomic<uint64_t>) == sizeof(uint64_t));

static_assert(std::is_standard_layout_v<SegmentHeader>);
static_assert(std::is_standard_layout_v<BalancerRecord>);
static_assert(std::is_standard_layout_v<MemberRecord>);
static_assert(std::is_trivially_copyable_v<SegmentHeader>);
static_assert(std::is_trivially_destructible_v<BalancerRecord>);
static_assert(std::is_trivially_destructible_v<MemberRecord>);

static_assert(sizeof(SegmentHeader) <= kSegmentAlignment * 2);
static_assert(sizeof(MemberRecord) % kSegmentAlignment == 0, "records must not share a line");
static_assert(alignof(BalancerRecord) <= kSegmentAlignment);
// Name, placement, the three atomics and the padding: a change here is a new kLayoutVersion.
static_assert(sizeof(BalancerRecord) == kBalancerNameSize + 6 * sizeof(uint32_t));
static_assert(alignof(MemberRecord) == kSegmentAlignment);
static_assert(offsetof(SegmentHeader, magic) == 0);

}  // namespace cxxb::shm
