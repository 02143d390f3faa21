// One conformance suite for every SlotStore (STYLE.md §2.7, mod_pagespeed's
// SharedMemTestBase pattern): the same cases run against
// - InProcessSlotStore, with threads as the "processes";
// - AprShmStore (anonymous apr_shm + apr_global_mutex), with fork()ed children, once per
//   lock mechanism an operator can pick with `Mutex MECH cxxbalancer-shm`.
// A child reports through its exit status (0 = passed); only the parent runs assertions.
#include <apr_general.h>
#include <apr_global_mutex.h>
#include <apr_pools.h>
#include <apr_shm.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "httpd/apr_shm_store.h"
#include "shm/in_process_slot_store.h"
#include "shm/member_table.h"
#include "support/shm_configs.h"

using namespace cxxb;
using namespace cxxb::shm;
using cxxb::test::balancerOf;

namespace {

using Worker = std::function<int(int index)>;

/** Exit codes a worker uses to say what went wrong. */
enum : int { kPass = 0, kTimedOut = 2, kWrongValue = 3, kLockFailed = 4, kAttachFailed = 5 };

/** Spins (no sleeping) until `done()` or about ten seconds have passed. */
bool waitFor(const std::function<bool()>& done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) {
      return false;
    }
    std::this_thread::yield();
  }
  return true;
}

// --- the environments ------------------------------------------------------------------

struct InProcessEnv {
  static constexpr const char* kName = "in-process (threads)";

  SlotStore& create(size_t size) {
    stores_.push_back(std::make_unique<InProcessSlotStore>(size));
    return *stores_.back();
  }
  void destroy(SlotStore&) {}  // freed with the environment

  std::vector<int> run(int count, const Worker& worker) {
    std::vector<int> results(size_t(count), -1);
    std::vector<std::thread> threads;
    for (int i = 0; i < count; ++i) {
      threads.emplace_back([&, i] { results[size_t(i)] = worker(i); });
    }
    for (auto& t : threads) {
      t.join();
    }
    return results;
  }

 private:
  std::vector<std::unique_ptr<InProcessSlotStore>> stores_;
};

apr_pool_t* aprRootPool() {
  static apr_pool_t* pool = [] {
    apr_initialize();
    apr_pool_t* p = nullptr;
    apr_pool_create(&p, nullptr);
    return p;
  }();
  return pool;
}

template <apr_lockmech_e Mechanism>
struct AprEnv {
  static constexpr const char* kName = "apr_shm (fork)";

  AprEnv() { apr_pool_create(&pool_, aprRootPool()); }
  ~AprEnv() { apr_pool_destroy(pool_); }
  AprEnv(const AprEnv&) = delete;
  AprEnv& operator=(const AprEnv&) = delete;

  SlotStore& create(size_t size) {
    auto segment = httpd::AprShmStore::createSegment(pool_, size);
    REQUIRE(segment.ok());
    std::string lockFile = "/tmp/cxxb-shm-test-" + std::to_string(getpid()) + "-" +
                           std::to_string(stores_.size()) + ".lock";
    apr_global_mutex_t* mutex = nullptr;
    apr_status_t rv = apr_global_mutex_create(&mutex, lockFile.c_str(), Mechanism, pool_);
    REQUIRE(rv == APR_SUCCESS);
    stores_.push_back(std::make_unique<httpd::AprShmStore>(*segment, mutex));
    return *stores_.back();
  }

  /** What post_config does to the previous generation: unmaps it in this process. */
  void destroy(SlotStore& store) {
    apr_shm_destroy(static_cast<httpd::AprShmStore&>(store).segment());
  }

  std::vector<int> run(int count, const Worker& worker) {
    std::vector<pid_t> children;
    for (int i = 0; i < count; ++i) {
      pid_t pid = fork();
      REQUIRE(pid >= 0);
      if (pid == 0) {
        _exit(childMain(i, worker));  // never back into Catch
      }
      children.push_back(pid);
    }
    std::vector<int> results;
    for (pid_t pid : children) {
      int status = 0;
      waitpid(pid, &status, 0);
      results.push_back(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    }
    return results;
  }

 private:
  /** As in httpd's child_init: a child pool, and every lock re-opened. */
  int childMain(int index, const Worker& worker) {
    apr_pool_t* pchild = nullptr;
    apr_pool_create(&pchild, pool_);
    for (auto& store : stores_) {
      if (!store->childInit(pchild).ok()) {
        return kLockFailed;
      }
    }
    return worker(index);
  }

  apr_pool_t* pool_ = nullptr;
  std::vector<std::unique_ptr<httpd::AprShmStore>> stores_;
};

using AprDefault = AprEnv<APR_LOCK_DEFAULT>;
using AprFcntl = AprEnv<APR_LOCK_FCNTL>;
using AprFlock = AprEnv<APR_LOCK_FLOCK>;
using AprSysvSem = AprEnv<APR_LOCK_SYSVSEM>;
using AprPosixSem = AprEnv<APR_LOCK_POSIXSEM>;
using AprProcPthread = AprEnv<APR_LOCK_PROC_PTHREAD>;

std::vector<int> allPass(int count) { return std::vector<int>(size_t(count), kPass); }

std::vector<config::BalancerConfig> twoMembers() {
  return {balancerOf("web", {"http://a:8080", "http://b:8080"}, 2)};
}

/** A store with a MemberTable for `configs` initialized in this (the parent) process. */
template <class Env>
MemberTable& newTable(Env& env, const std::vector<config::BalancerConfig>& configs,
                      std::vector<std::unique_ptr<MemberTable>>& keep,
                      const MemberTable* previous = nullptr) {
  SlotStore& store = env.create(MemberTable::layoutFor(configs).totalSize);
  keep.push_back(std::make_unique<MemberTable>(store));
  REQUIRE(keep.back()->initialize(configs, previous, 1).ok());
  return *keep.back();
}

}  // namespace

#define SHM_ENVS \
  InProcessEnv, AprDefault, AprFcntl, AprFlock, AprSysvSem, AprPosixSem, AprProcPthread

TEMPLATE_TEST_CASE("shm store: writes are read back; memory is aligned and zeroed", "[shm]",
                   SHM_ENVS) {
  TestType env;
  SlotStore& store = env.create(10000);
  auto bytes = store.bytes();
  REQUIRE(bytes.size() >= 10000);
  CHECK(reinterpret_cast<uintptr_t>(bytes.data()) % kSegmentAlignment == 0);
  bool zero = true;
  for (std::byte b : bytes) {
    zero = zero && b == std::byte{0};
  }
  CHECK(zero);
  for (size_t i = 0; i < 10000; ++i) {
    bytes[i] = std::byte(i * 7);
  }
  for (size_t i = 0; i < 10000; i += 997) {
    CHECK(bytes[i] == std::byte(i * 7));
  }
}

TEMPLATE_TEST_CASE("shm store: two segments do not interfere", "[shm]", SHM_ENVS) {
  TestType env;
  SlotStore& one = env.create(4096);
  SlotStore& two = env.create(4096);
  CHECK(one.bytes().data() != two.bytes().data());
  std::memset(one.bytes().data(), 0x11, 4096);
  std::memset(two.bytes().data(), 0x22, 4096);
  CHECK(one.bytes()[4095] == std::byte{0x11});
  CHECK(two.bytes()[0] == std::byte{0x22});
  // Their locks are distinct: holding both at once does not deadlock.
  StructuralLock a(one);
  StructuralLock b(two);
  CHECK(a.held());
  CHECK(b.held());
}

TEMPLATE_TEST_CASE("shm store: workers see each other's writes at once", "[shm]", SHM_ENVS) {
  TestType env;
  std::vector<std::unique_ptr<MemberTable>> tables;
  MemberTable& table = newTable(env, twoMembers(), tables);
  MemberRecord& a = *table.findMember("web", "http://a:8080");
  MemberRecord& b = *table.findMember("web", "http://b:8080");
  constexpr int kWorkers = 4;
  constexpr uint64_t kAdds = 20000;

  auto results = env.run(kWorkers, [&](int index) {
    // Ping-pong between worker 0 and 1: each waits for what the other wrote.
    if (index == 0) {
      a.status.fetch_or(config::kStatusInError);
      if (!waitFor([&] { return b.failures.load() == 1; })) {
        return int(kTimedOut);
      }
    } else if (index == 1) {
      if (!waitFor([&] { return (a.status.load() & config::kStatusInError) != 0; })) {
        return int(kTimedOut);
      }
      b.failures.store(1);
    }
    // Everyone: lock-free counters, no update lost.
    for (uint64_t i = 0; i < kAdds; ++i) {
      a.requests.fetch_add(1, std::memory_order_relaxed);
      b.bytesSent.fetch_add(3, std::memory_order_relaxed);
    }
    return int(kPass);
  });
  CHECK(results == allPass(kWorkers));
  CHECK(a.requests.load() == kWorkers * kAdds);
  CHECK(b.bytesSent.load() == 3 * kWorkers * kAdds);
  CHECK(a.status.load() == config::kStatusInError);
}

TEMPLATE_TEST_CASE("shm store: the structural lock excludes every other worker", "[shm]",
                   SHM_ENVS) {
  TestType env;
  SlotStore& store = env.create(4096);
  // A plain (non-atomic) counter: only the lock keeps the read-modify-write whole.
  auto* counter = reinterpret_cast<volatile uint64_t*>(store.bytes().data());
  constexpr int kWorkers = 4;
  constexpr int kRounds = 2000;

  auto results = env.run(kWorkers, [&](int) {
    for (int i = 0; i < kRounds; ++i) {
      StructuralLock lock(store);
      if (!lock.held()) {
        return int(kLockFailed);
      }
      uint64_t value = *counter;
      for (int spin = 0; spin < 50; ++spin) {
        std::atomic_signal_fence(std::memory_order_seq_cst);  // widen the window
      }
      *counter = value + 1;
    }
    return int(kPass);
  });
  CHECK(results == allPass(kWorkers));
  CHECK(*counter == uint64_t(kWorkers) * kRounds);
}

TEMPLATE_TEST_CASE("shm store: workers attach; a mismatched header is refused", "[shm]", SHM_ENVS) {
  TestType env;
  std::vector<std::unique_ptr<MemberTable>> tables;
  MemberTable& table = newTable(env, twoMembers(), tables);
  SlotStore& store = table.store();

  auto attachAndRead = [&](int) {
    MemberTable view(store);
    if (!view.attach().ok()) {
      return int(kAttachFailed);
    }
    return view.findMember("web", "http://b:8080") != nullptr ? int(kPass) : int(kWrongValue);
  };
  CHECK(env.run(2, attachAndRead) == allPass(2));

  auto& header = const_cast<SegmentHeader&>(table.header());
  header.layoutVersion = kLayoutVersion + 7;
  CHECK(env.run(2, attachAndRead) == std::vector<int>(2, kAttachFailed));
  MemberTable parentView(store);
  auto refused = parentView.attach();
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.error(), Catch::Contains("layout version"));
}

TEMPLATE_TEST_CASE("shm store: a restart carries state to the next generation", "[shm]", SHM_ENVS) {
  TestType env;
  std::vector<std::unique_ptr<MemberTable>> tables;
  MemberTable& old = newTable(env, twoMembers(), tables);

  // Old-generation workers count requests and put b in error.
  auto results = env.run(3, [&](int index) {
    MemberRecord& a = *old.findMember("web", "http://a:8080");
    a.requests.fetch_add(100);
    if (index == 0) {
      MemberRecord& b = *old.findMember("web", "http://b:8080");
      changeStatusAtRuntime(b, config::kStatusInError, 0);
      b.retryAtNs.store(123456789);
    }
    return int(kPass);
  });
  REQUIRE(results == allPass(3));

  // The parent builds the next generation from the old one, then lets the old one go.
  auto nextConfigs = twoMembers();
  nextConfigs[0].members.push_back(cxxb::test::memberOf("http://c:8080"));
  MemberTable& next = newTable(env, nextConfigs, tables, &old);
  env.destroy(old.store());
  CHECK(next.header().generation == 2);

  // New-generation workers see the carried state.
  results = env.run(2, [&](int) {
    MemberTable view(next.store());
    if (!view.attach().ok()) {
      return int(kAttachFailed);
    }
    const MemberRecord& a = *view.findMember("web", "http://a:8080");
    const MemberRecord& b = *view.findMember("web", "http://b:8080");
    const MemberRecord& c = *view.findMember("web", "http://c:8080");
    bool ok = a.requests.load() == 300 && (b.status.load() & config::kStatusInError) != 0 &&
              b.retryAtNs.load() == 123456789 && c.requests.load() == 0 && c.status.load() == 0;
    return ok ? int(kPass) : int(kWrongValue);
  });
  CHECK(results == allPass(2));
}
