#include "shm/member_table.h"

#include <algorithm>
#include <new>
#include <string>

#include "core/moving_average.h"
#include "core/string_util.h"

namespace cxxb::shm {
namespace {

constexpr size_t alignUp(size_t n) noexcept {
  return (n + kSegmentAlignment - 1) / kSegmentAlignment * kSegmentAlignment;
}

constexpr uint32_t kStatusInError = config::kStatusInError;

std::string number(uint64_t n) { return std::to_string(n); }

/** Carries one matched member's state from the previous segment (see initialize()). */
void carryOver(MemberRecord& to, const MemberRecord& from) noexcept {
  constexpr auto relaxed = std::memory_order_relaxed;
  const uint32_t fromRuntime = from.runtimeFields.load(relaxed);
  uint32_t runtime = 0;

  // Status: a bit set at run time keeps its value unless the file changed that bit.
  const uint32_t fileChanged = from.fileStatus ^ to.fileStatus;
  const uint32_t keep = fromRuntime & kRuntimeStatusMask & ~fileChanged;
  const uint32_t status = (from.status.load(relaxed) & keep) | (to.fileStatus & ~keep);
  to.status.store(status, relaxed);
  runtime |= keep;
  if (status & kStatusInError) {
    to.retryAtNs.store(from.retryAtNs.load(relaxed), relaxed);
    to.errorSinceWallNs.store(from.errorSinceWallNs.load(relaxed), relaxed);
  }

  if ((fromRuntime & kRuntimeLoadFactor) && from.fileLoadFactor == to.fileLoadFactor) {
    to.loadFactor.store(from.loadFactor.load(relaxed), relaxed);
    runtime |= kRuntimeLoadFactor;
  }
  if ((fromRuntime & kRuntimeLbset) && from.fileLbset == to.fileLbset) {
    to.lbset.store(from.lbset.load(relaxed), relaxed);
    runtime |= kRuntimeLbset;
  }
  if ((fromRuntime & kRuntimeRoute) && textOf(from.fileRoute) == textOf(to.fileRoute)) {
    to.route = from.route;
    runtime |= kRuntimeRoute;
  }
  if ((fromRuntime & kRuntimeRedirect) && textOf(from.fileRedirect) == textOf(to.fileRedirect)) {
    to.redirect = from.redirect;
    runtime |= kRuntimeRedirect;
  }
  to.runtimeFields.store(runtime, relaxed);

  to.healthStatus.store(from.healthStatus.load(relaxed), relaxed);
  to.lastCheckStatus.store(from.lastCheckStatus.load(relaxed), relaxed);
  to.lastCheckWallNs.store(from.lastCheckWallNs.load(relaxed), relaxed);
  to.consecutivePasses.store(from.consecutivePasses.load(relaxed), relaxed);
  to.consecutiveFails.store(from.consecutiveFails.load(relaxed), relaxed);

  to.requests.store(from.requests.load(relaxed), relaxed);
  to.failures.store(from.failures.load(relaxed), relaxed);
  to.bytesSent.store(from.bytesSent.load(relaxed), relaxed);
  to.bytesReceived.store(from.bytesReceived.load(relaxed), relaxed);
  to.latencyEwmaUs.store(from.latencyEwmaUs.load(relaxed), relaxed);
  // busy stays 0: see MemberTable::initialize().
}

/** Fills a fresh record from the file. The record is zero (value-initialized). */
void fillFromFile(MemberRecord& record, std::string_view balancer, const std::string& url,
                  const config::MemberConfig& member) noexcept {
  setText(record.balancer, balancer);
  setText(record.url, url);
  setText(record.route, member.route);
  setText(record.redirect, member.redirect);
  setText(record.fileRoute, member.route);
  setText(record.fileRedirect, member.redirect);
  record.fileStatus = member.status;
  record.fileLoadFactor = member.loadFactor;
  record.fileLbset = member.lbset;
  record.status.store(member.status, std::memory_order_relaxed);
  record.loadFactor.store(member.loadFactor, std::memory_order_relaxed);
  record.lbset.store(member.lbset, std::memory_order_relaxed);
}

}  // namespace

Layout MemberTable::layoutFor(const std::vector<config::BalancerConfig>& configs) {
  Layout layout;
  layout.balancerCount = uint32_t(configs.size());
  for (const auto& balancer : configs) {
    layout.memberCapacity += uint32_t(balancer.members.size()) + balancer.growth;
  }
  layout.balancerOffset = alignUp(sizeof(SegmentHeader));
  layout.memberOffset =
      alignUp(layout.balancerOffset + layout.balancerCount * sizeof(BalancerRecord));
  layout.totalSize = layout.memberOffset + size_t(layout.memberCapacity) * sizeof(MemberRecord);
  return layout;
}

Result<void> MemberTable::checkFits(const std::vector<config::BalancerConfig>& configs) {
  for (const auto& balancer : configs) {
    if (balancer.name.empty() || balancer.name.size() >= kBalancerNameSize) {
      return unexpected("balancer name \"" + balancer.name + "\" must have 1.." +
                        number(kBalancerNameSize - 1) + " characters to fit shared memory");
    }
    for (const auto& member : balancer.members) {
      std::string url = member.url.text();
      if (url.size() >= kMemberUrlSize) {
        return unexpected("member " + url.substr(0, 64) + "... of balancer " + balancer.name +
                          ": the URL has " + number(url.size()) + " characters; at most " +
                          number(kMemberUrlSize - 1) + " fit shared memory");
      }
      if (member.route.size() >= kRouteSize || member.redirect.size() >= kRouteSize) {
        return unexpected("member " + url + " of balancer " + balancer.name +
                          ": route or redirect longer than " + number(kRouteSize - 1) +
                          " characters");
      }
    }
  }
  return {};
}

Result<InitReport> MemberTable::initialize(const std::vector<config::BalancerConfig>& configs,
                                           const MemberTable* previous, int64_t wallNowNs) {
  valid_ = false;
  if (auto fits = checkFits(configs); !fits) {
    return unexpected(fits.error());
  }
  if (previous != nullptr && !previous->valid()) {
    return unexpected("the previous shared-memory table is not attached");
  }
  const Layout layout = layoutFor(configs);
  std::span<std::byte> bytes = store_->bytes();
  if (bytes.size() < layout.totalSize) {
    return unexpected("shared memory of " + number(bytes.size()) + " bytes is too small; " +
                      number(layout.totalSize) + " are needed");
  }
  if (reinterpret_cast<uintptr_t>(bytes.data()) % kSegmentAlignment != 0) {
    return unexpected("shared memory is not aligned to " + number(kSegmentAlignment) + " bytes");
  }
  base_ = bytes.data();
  balancerCount_ = layout.balancerCount;
  memberCapacity_ = layout.memberCapacity;
  balancerOffset_ = layout.balancerOffset;
  memberOffset_ = layout.memberOffset;

  // Starts the lifetime of every record (value-initialization zeroes them).
  auto* header = new (base_) SegmentHeader{};
  for (uint32_t i = 0; i < balancerCount_; ++i) {
    new (base_ + balancerOffset_ + i * sizeof(BalancerRecord)) BalancerRecord{};
  }
  for (uint32_t i = 0; i < memberCapacity_; ++i) {
    new (base_ + memberOffset_ + i * sizeof(MemberRecord)) MemberRecord{};
  }

  InitReport report;
  uint32_t previousMembers = 0;
  if (previous != nullptr) {
    report.generation = previous->header().generation + 1;
    for (uint32_t b = 0; b < previous->balancerCount(); ++b) {
      previousMembers += uint32_t(previous->members(previous->balancer(b)).size());
    }
  }

  uint32_t next = 0;
  for (uint32_t b = 0; b < balancerCount_; ++b) {
    const auto& config = configs[b];
    BalancerRecord& record = balancer(b);
    setText(record.name, config.name);
    record.firstMember = next;
    record.capacity = uint32_t(config.members.size()) + config.growth;

    std::span<MemberRecord> before;
    if (previous != nullptr) {
      if (auto index = previous->findBalancer(config.name)) {
        before = previous->members(previous->balancer(*index));
      }
    }
    std::vector<bool> taken(before.size(), false);
    for (const auto& memberConfig : config.members) {
      MemberRecord& member = this->member(next++);
      std::string url = memberConfig.url.text();
      fillFromFile(member, config.name, url, memberConfig);
      bool matched = false;
      for (size_t i = 0; i < before.size(); ++i) {
        if (!taken[i] && textOf(before[i].url) == url) {
          taken[i] = true;
          carryOver(member, before[i]);
          matched = true;
          break;
        }
      }
      ++(matched ? report.kept : report.added);
    }
    record.memberCount.store(uint32_t(config.members.size()), std::memory_order_relaxed);
    next += config.growth;
  }
  report.dropped = previousMembers - report.kept;

  header->layoutVersion = kLayoutVersion;
  header->headerSize = sizeof(SegmentHeader);
  header->balancerRecordSize = sizeof(BalancerRecord);
  header->memberRecordSize = sizeof(MemberRecord);
  header->balancerCount = balancerCount_;
  header->memberCapacity = memberCapacity_;
  header->balancerOffset = balancerOffset_;
  header->memberOffset = memberOffset_;
  header->segmentSize = layout.totalSize;
  header->generation = report.generation;
  header->createdWallNs = wallNowNs;
  header->firstCreatedWallNs =
      previous != nullptr ? previous->header().firstCreatedWallNs : wallNowNs;
  // The magic goes last: a segment without it was never completely initialized.
  std::atomic_thread_fence(std::memory_order_release);
  header->magic = kSegmentMagic;
  valid_ = true;
  return report;
}

Result<void> MemberTable::attach() {
  valid_ = false;
  std::span<std::byte> bytes = store_->bytes();
  if (bytes.size() < sizeof(SegmentHeader)) {
    return unexpected("shared memory of " + number(bytes.size()) +
                      " bytes cannot hold a segment header");
  }
  if (reinterpret_cast<uintptr_t>(bytes.data()) % kSegmentAlignment != 0) {
    return unexpected("shared memory is not aligned to " + number(kSegmentAlignment) + " bytes");
  }
  const auto* header = std::launder(reinterpret_cast<const SegmentHeader*>(bytes.data()));
  std::atomic_thread_fence(std::memory_order_acquire);
  if (header->magic != kSegmentMagic) {
    return unexpected(
        "shared memory does not start with the segment magic (not initialized, "
        "or not a mod_cxxbalancer segment)");
  }
  if (header->layoutVersion != kLayoutVersion) {
    return unexpected("shared memory has layout version " + number(header->layoutVersion) +
                      "; this module uses version " + number(kLayoutVersion));
  }
  if (header->headerSize != sizeof(SegmentHeader) ||
      header->balancerRecordSize != sizeof(BalancerRecord) ||
      header->memberRecordSize != sizeof(MemberRecord)) {
    return unexpected("shared memory record sizes (header " + number(header->headerSize) +
                      ", balancer " + number(header->balancerRecordSize) + ", member " +
                      number(header->memberRecordSize) + ") differ from this module's (" +
                      number(sizeof(SegmentHeader)) + ", " + number(sizeof(BalancerRecord)) + ", " +
                      number(sizeof(MemberRecord)) + ")");
  }
  const uint64_t balancerEnd =
      header->balancerOffset + uint64_t(header->balancerCount) * sizeof(BalancerRecord);
  const uint64_t memberEnd =
      header->memberOffset + uint64_t(header->memberCapacity) * sizeof(MemberRecord);
  if (header->balancerOffset % kSegmentAlignment != 0 ||
      header->memberOffset % kSegmentAlignment != 0 ||
      header->balancerOffset < sizeof(SegmentHeader) || balancerEnd > header->memberOffset ||
      memberEnd > header->segmentSize || header->segmentSize > bytes.size()) {
    return unexpected("shared memory layout does not fit its segment (" +
                      number(header->segmentSize) + " bytes needed, " + number(bytes.size()) +
                      " mapped)");
  }
  base_ = bytes.data();
  balancerCount_ = header->balancerCount;
  memberCapacity_ = header->memberCapacity;
  balancerOffset_ = size_t(header->balancerOffset);
  memberOffset_ = size_t(header->memberOffset);
  for (uint32_t b = 0; b < balancerCount_; ++b) {
    const BalancerRecord& record = balancer(b);
    if (uint64_t(record.firstMember) + record.capacity > memberCapacity_) {
      return unexpected("shared memory balancer record " + number(b) +
                        " points outside the member records");
    }
  }
  valid_ = true;
  return {};
}

const SegmentHeader& MemberTable::header() const noexcept {
  return *std::launder(reinterpret_cast<const SegmentHeader*>(base_));
}

BalancerRecord& MemberTable::balancer(uint32_t index) const noexcept {
  return *std::launder(
      reinterpret_cast<BalancerRecord*>(base_ + balancerOffset_ + index * sizeof(BalancerRecord)));
}

MemberRecord& MemberTable::member(uint32_t index) const noexcept {
  return *std::launder(reinterpret_cast<MemberRecord*>(base_ + memberOffset_ +
                                                       size_t(index) * sizeof(MemberRecord)));
}

std::optional<uint32_t> MemberTable::findBalancer(std::string_view name) const noexcept {
  for (uint32_t b = 0; b < balancerCount_; ++b) {
    if (iequals(textOf(balancer(b).name), name)) {
      return b;
    }
  }
  return std::nullopt;
}

Result<MemberRecord*> MemberTable::addMember(BalancerRecord& balancer,
                                             const config::MemberConfig& member) {
  uint32_t count = balancer.memberCount.load(std::memory_order_relaxed);
  if (count >= balancer.capacity) {
    return unexpected("balancer " + std::string(textOf(balancer.name)) +
                      " has no spare record left: its growth= is used up");
  }
  std::string url = member.url.text();
  if (url.size() >= kMemberUrlSize || member.route.size() >= kRouteSize ||
      member.redirect.size() >= kRouteSize) {
    return unexpected("member " + url + " does not fit its shared-memory record");
  }
  MemberRecord& record = this->member(balancer.firstMember + count);
  fillFromFile(record, textOf(balancer.name), url, member);
  balancer.memberCount.store(count + 1, std::memory_order_release);
  balancer.structuralEpoch.fetch_add(1, std::memory_order_release);
  return &record;
}

std::span<MemberRecord> MemberTable::members(const BalancerRecord& record) const noexcept {
  // Another process may be writing this segment: never trust a count beyond the capacity.
  uint32_t count = std::min(record.memberCount.load(std::memory_order_acquire), record.capacity);
  if (uint64_t(record.firstMember) + count > memberCapacity_) {
    return {};
  }
  return {&member(record.firstMember), count};
}

MemberRecord* MemberTable::findMember(std::string_view balancerName,
                                      std::string_view url) const noexcept {
  auto index = findBalancer(balancerName);
  if (!index) {
    return nullptr;
  }
  for (MemberRecord& record : members(balancer(*index))) {
    if (textOf(record.url) == url) {
      return &record;
    }
  }
  return nullptr;
}

void changeStatusAtRuntime(MemberRecord& member, uint32_t set, uint32_t clear) noexcept {
  if (set != 0) {
    member.status.fetch_or(set, std::memory_order_acq_rel);
  }
  if (clear != 0) {
    member.status.fetch_and(~clear, std::memory_order_acq_rel);
  }
  member.runtimeFields.fetch_or((set | clear) & kRuntimeStatusMask, std::memory_order_relaxed);
}

void recordLatency(MemberRecord& member, uint64_t micros) noexcept {
  uint64_t old = member.latencyEwmaUs.load(std::memory_order_relaxed);
  while (!member.latencyEwmaUs.compare_exchange_weak(old, updateLatencyEwma(old, micros),
                                                     std::memory_order_relaxed)) {
  }
}

}  // namespace cxxb::shm
