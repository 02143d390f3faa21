#pragma once
// The read step both exchanges share: the member's next bytes, with the client flushed first
// when the member pauses and something is waiting to be flushed.
#include <span>

#include "core/clock.h"
#include "net/http_exchange.h"
#include "net/transport.h"

namespace cxxb::net {

struct RelayRead {
  IoResult io;                ///< the read from the member
  bool clientFailed = false;  ///< the flush found the client gone: io is not set
};

/**
 * Reads from the member within `timeout`. With `pendingFlush`, it first tries without
 * waiting; if the member has nothing yet, the consumer is flushed (so a slow stream reaches
 * the client as it is produced) and `pendingFlush` cleared before blocking. Only worth a
 * syscall when there is something to flush.
 *
 * The caller sets `pendingFlush` only once the response head has been handed to the
 * consumer: a flush before it would make httpd send its own default status line ahead of
 * the member's (a split head reached clients as 200 OK).
 */
RelayRead readOrFlush(Transport& transport, std::span<char> buffer, Millis timeout,
                      bool& pendingFlush, ResponseConsumer& consumer);

}  // namespace cxxb::net
