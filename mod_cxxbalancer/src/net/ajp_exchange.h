#pragma once
// One AJP13 request/response exchange with a member (Tomcat, WildFly) over a Transport,
// driving the sans-I/O codec of src/ajp. The counterpart of http_exchange.h.
#include <string_view>

#include "config/balancer_config.h"
#include "net/forwarder.h"
#include "net/http_exchange.h"

namespace cxxb::net {

/**
 * Runs one exchange: FORWARD_REQUEST (with the client's connection details as attributes),
 * request body packets on GET_BODY_CHUNK, SEND_HEADERS and SEND_BODY_CHUNK relayed to
 * `consumer`, END_RESPONSE's reuse flag reported as ExchangeResult::reusable.
 * @param target the member path + forwarded path, with "?query" when there is one
 */
ExchangeResult runAjpExchange(Transport& transport, const ForwardRequest& request,
                              std::string_view target, const config::MemberConfig& member,
                              ResponseConsumer& consumer, const ExchangeOptions& options);

}  // namespace cxxb::net
