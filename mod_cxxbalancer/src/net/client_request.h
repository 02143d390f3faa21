#pragma once
// The client's request as the exchanges need to see it: the method, its headers, how they are
// forwarded, and the client's connection (AJP carries all of it to the member).
#include <cstdint>
#include <string>

#include "http/header_rules.h"

namespace cxxb::net {

/** The client connection as the member may need to see it (AJP carries all of it). */
struct ClientInfo {
  std::string protocol = "HTTP/1.1";  ///< the client's request protocol
  std::string remoteAddr;             ///< the client's address (r->useragent_ip)
  uint16_t remotePort = 0;
  std::string localAddr;  ///< the address the client connected to
  uint16_t localPort = 0;
  std::string serverName;   ///< the host the client asked for (vhost name otherwise)
  uint16_t serverPort = 0;  ///< the port the client connected to
  bool tls = false;         ///< the client came over TLS
  std::string tlsProtocol;  ///< e.g. TLSv1.3
  std::string tlsCipher;
  std::string tlsSessionId;
  std::string tlsClientCert;  ///< PEM, when the client sent one
  int tlsKeySize = -1;        ///< cipher key bits, -1 when unknown
  std::string remoteUser;     ///< authenticated user, if any
  std::string authType;
};

/** What an exchange reads of the client's request (the body comes separately). */
struct ClientRequest {
  std::string method;
  http::Headers clientHeaders;
  http::ForwardContext context;  ///< memberHost is filled in per member
  ClientInfo client;
};

}  // namespace cxxb::net
