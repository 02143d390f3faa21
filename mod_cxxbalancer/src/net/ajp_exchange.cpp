#include "net/ajp_exchange.h"

namespace cxxb::net {

ExchangeResult runAjpExchange(Transport&, const ForwardRequest&, std::string_view,
                              const config::MemberConfig&, ResponseConsumer&,
                              const ExchangeOptions&) {
  // TODO(ajp): the connector over ajp/ajp13_encoder.h and ajp13_decoder.h.
  ExchangeResult result;
  result.error = ExchangeError::SendFailed;
  result.detail = "AJP members are not supported yet";
  return result;
}

}  // namespace cxxb::net
