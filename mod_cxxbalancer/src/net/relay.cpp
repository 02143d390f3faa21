#include "net/relay.h"

namespace cxxb::net {

RelayRead readOrFlush(Transport& transport, std::span<char> buffer, Millis timeout,
                      bool& pendingFlush, ResponseConsumer& consumer) {
  RelayRead out;
  if (pendingFlush) {
    out.io = transport.read(buffer, Millis(0));
    if (out.io.status != IoStatus::Timeout) {
      return out;
    }
    consumer.flush();
    pendingFlush = false;
    if (consumer.clientFailed()) {
      out.clientFailed = true;
      return out;
    }
  }
  out.io = transport.read(buffer, timeout);
  return out;
}

}  // namespace cxxb::net
