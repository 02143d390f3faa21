#include "target_check.h"

#include <array>

#include "http/header_rules.h"
#include "http/response_parser.h"
#include "net/poll_wait.h"
#include "net/tcp_transport.h"

namespace cxxb::probe {
namespace {

/** Keeps the status of the final head; the body is never read. */
class StatusSink final : public http::ResponseSink {
 public:
  void onHead(http::ResponseHead&& head) override { status = head.status; }
  void onBody(std::string_view) override {}
  void onComplete() override {}
  int status = 0;
};

Millis remainingUntil(TimePoint deadline) {
  return std::chrono::ceil<Millis>(deadline - MonoClock::now());
}

/** Each address in turn, all of them within one connect deadline. */
net::TransportPtr connectWithin(const ProbeTarget& target, Millis timeout) {
  const TimePoint deadline = net::deadlineAfter(timeout);
  std::string resolveError;
  for (const auto& address : net::resolve(target.host, target.port, resolveError)) {
    const Millis left = remainingUntil(deadline);
    if (left <= Millis::zero()) {
      break;
    }
    auto connected = net::connectTcp(address, left, false);
    if (connected.status == net::ConnectStatus::Ok) {
      return std::move(connected.transport);
    }
  }
  return nullptr;
}

bool httpStatusAccepted(net::Transport& transport, const ProbeTarget& target,
                        const ProbeOptions& options) {
  const TimePoint deadline = net::deadlineAfter(options.readTimeout);
  http::RequestHead request{
      options.method,
      target.path,
      {{"Host", target.authority()}, {"User-Agent", "cxxbalancer-probe"}, {"Connection", "close"}}};
  if (transport.writeAll(http::serializeRequestHead(request), options.readTimeout).status !=
      net::IoStatus::Ok) {
    return false;
  }
  http::ResponseParser parser;
  parser.reset(options.method == "HEAD");
  StatusSink sink;
  std::array<char, 4096> buffer;
  while (!parser.headComplete() && !parser.failed()) {
    const Millis left = remainingUntil(deadline);
    if (left <= Millis::zero()) {
      return false;
    }
    const auto got = transport.read(buffer, left);
    if (got.status != net::IoStatus::Ok) {
      return false;  // closed, reset or timed out before a complete head
    }
    parser.execute(std::string_view(buffer.data(), got.bytes), sink);
  }
  return parser.headComplete() && config::statusInRanges(sink.status, options.expect);
}

}  // namespace

bool checkTarget(const ProbeTarget& target, const ProbeOptions& options) {
  auto transport = connectWithin(target, options.connectTimeout);
  if (!transport) {
    return false;
  }
  const bool up = target.path.empty() || httpStatusAccepted(*transport, target, options);
  transport->close();
  return up;
}

}  // namespace cxxb::probe
