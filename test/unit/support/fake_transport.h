#pragma once
// A scripted Transport for pool and connector tests. The test keeps a handle on the shared
// state, so it can still script and inspect a transport after handing it to a pool.
//
// Time: with State::clock set, a read that waits moves that fake clock instead of sleeping.
// A read with nothing scripted (or a scripted Timeout) takes the whole timeout; a scripted
// read with `after` arrives that long after the call, or times out first if the timeout is
// shorter (a timeout of 0 never moves the clock: it only asks whether data is there).
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "net/transport.h"
#include "support/fake_clock.h"

namespace cxxb::test {

class FakeTransport final : public net::Transport {
 public:
  /** One scripted answer of read(): Ok carries data (served over several reads if the
   *  buffer is short), the other statuses are returned as they are. */
  struct Read {
    net::IoStatus status = net::IoStatus::Ok;
    std::string data;
    int sysError = 0;
    Millis after{0};  ///< how long after the read() call it arrives
  };

  struct State {
    std::string peer = "127.0.0.1:8080";
    std::deque<Read> reads;  ///< when empty, read() reports Timeout
    std::string written;     ///< everything writeAll() accepted
    /** When set, the next writeAll() fails with it after accepting `writeFailAfter` bytes. */
    std::optional<net::IoStatus> writeFailure;
    size_t writeFailAfter = 0;
    bool reusable = true;
    bool closed = false;
    bool destroyed = false;
    int closeCalls = 0;
    int reusableCalls = 0;
    int id = 0;                  ///< free for tests to tell transports apart
    FakeClock* clock = nullptr;  ///< moved by reads that wait (null: time stands still)
  };

  explicit FakeTransport(std::shared_ptr<State> state) : state_(std::move(state)) {}
  ~FakeTransport() override {
    close();
    state_->destroyed = true;
  }

  /** A transport and the handle on its state. */
  static std::pair<net::TransportPtr, std::shared_ptr<State>> make(int id = 0) {
    auto state = std::make_shared<State>();
    state->id = id;
    return {std::make_unique<FakeTransport>(state), state};
  }

  net::IoResult read(std::span<char> buffer, Millis timeout) override {
    if (state_->closed) {
      return {net::IoStatus::Error, 0, EBADF};
    }
    if (state_->reads.empty()) {
      wait(timeout);
      return {net::IoStatus::Timeout, 0, 0};
    }
    Read& next = state_->reads.front();
    if (next.after > timeout) {
      wait(timeout);
      next.after -= timeout;
      return {net::IoStatus::Timeout, 0, 0};
    }
    wait(next.after);
    next.after = Millis(0);
    if (next.status == net::IoStatus::Timeout) {
      wait(timeout);
    }
    if (next.status != net::IoStatus::Ok) {
      net::IoResult result{next.status, 0, next.sysError};
      state_->reads.pop_front();
      return result;
    }
    const size_t n = std::min(buffer.size(), next.data.size());
    std::memcpy(buffer.data(), next.data.data(), n);
    next.data.erase(0, n);
    if (next.data.empty()) {
      state_->reads.pop_front();
    }
    return {net::IoStatus::Ok, n, 0};
  }

  net::IoResult writeAll(std::string_view data, Millis /*timeout*/) override {
    if (state_->closed) {
      return {net::IoStatus::Error, 0, EBADF};
    }
    if (state_->writeFailure) {
      const size_t n = std::min(data.size(), state_->writeFailAfter);
      state_->written.append(data.substr(0, n));
      const net::IoStatus status = *std::exchange(state_->writeFailure, std::nullopt);
      return {status, n, 0};
    }
    state_->written.append(data);
    return {net::IoStatus::Ok, data.size(), 0};
  }

  bool reusable() noexcept override {
    ++state_->reusableCalls;
    return state_->reusable && !state_->closed;
  }

  void close() noexcept override {
    if (!state_->closed) {
      state_->closed = true;
      ++state_->closeCalls;
    }
  }

  const std::string& peer() const noexcept override { return state_->peer; }

  State& state() noexcept { return *state_; }

 private:
  void wait(Millis duration) noexcept {
    if (state_->clock != nullptr) {
      state_->clock->advance(duration);
    }
  }

  std::shared_ptr<State> state_;
};

}  // namespace cxxb::test
