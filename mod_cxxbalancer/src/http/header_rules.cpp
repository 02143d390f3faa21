#include "http/header_rules.h"

#include <algorithm>
#include <array>

#include "core/string_util.h"
#include "http/char_class.h"

namespace cxxb::http {

namespace {

using detail::forEachListElement;

bool startsWithIgnoreCase(std::string_view s, std::string_view prefix) noexcept {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

/** Headers the proxy adds itself: a client listing them in Connection must not drop them. */
bool isProtected(std::string_view name) noexcept {
  return startsWithIgnoreCase(name, "X-Forwarded-");
}

/** True if `name` is one of the tokens of any Connection header. */
bool namedInConnection(const Headers& headers, std::string_view name) {
  for (const Header& h : headers) {
    if (!iequals(h.name, "Connection")) {
      continue;
    }
    bool found = false;
    forEachListElement(h.value, [&](std::string_view token) {
      found = iequals(token, name);
      return !found;
    });
    if (found) {
      return true;
    }
  }
  return false;
}

/** Appends `value` to the last `name` header with ", ", or adds the header at the end. The
 *  last one, because the combined value of repeated fields is their concatenation in order
 *  (RFC 9110 §5.3) and our hop must come last in X-Forwarded-For. */
void mergeAppend(Headers& headers, std::string_view name, std::string_view value) {
  for (auto it = headers.rbegin(); it != headers.rend(); ++it) {
    if (iequals(it->name, name)) {
      if (it->value.empty()) {
        it->value.assign(value);
      } else {
        it->value.append(", ").append(value);
      }
      return;
    }
  }
  headers.push_back(Header{std::string(name), std::string(value)});
}

/** CR, LF and NUL would split or truncate the head; RFC 9110 §5.5 allows replacing them
 *  with SP. httpd already rejects them in client headers: this is defence in depth. */
void appendSafe(std::string& out, std::string_view s) {
  size_t start = out.size();
  out.append(s);
  for (size_t i = start; i < out.size(); ++i) {
    char c = out[i];
    if (c == '\r' || c == '\n' || c == '\0') {
      out[i] = ' ';
    }
  }
}

}  // namespace

bool isHopByHop(std::string_view name) noexcept {
  // Dispatch on length first: most names are rejected with one comparison.
  switch (name.size()) {
    case 2:
      return iequals(name, "TE");
    case 7:
      return iequals(name, "Trailer") || iequals(name, "Upgrade");
    case 10:
      return iequals(name, "Connection") || iequals(name, "Keep-Alive");
    case 16:
      return iequals(name, "Proxy-Connection");
    case 17:
      return iequals(name, "Transfer-Encoding");
    case 18:
      return iequals(name, "Proxy-Authenticate");
    case 19:
      return iequals(name, "Proxy-Authorization");
    default:
      return false;
  }
}

void removeHopByHop(Headers& headers) {
  bool anyConnection = false;
  bool anyHopByHop = false;
  for (const Header& h : headers) {
    if (isHopByHop(h.name)) {
      anyHopByHop = true;
      anyConnection = anyConnection || iequals(h.name, "Connection");
    }
  }
  if (!anyHopByHop) {
    return;  // the common case: nothing to do, nothing allocated
  }
  if (!anyConnection) {
    std::erase_if(headers, [](const Header& h) { return isHopByHop(h.name); });
    return;
  }
  // Decide every header first, then compact: the Connection values being consulted are
  // themselves removed, so they must not be moved over while still in use.
  std::vector<char> drop(headers.size(), 0);
  for (size_t i = 0; i < headers.size(); ++i) {
    const std::string& name = headers[i].name;
    drop[i] = isHopByHop(name) || (!isProtected(name) && namedInConnection(headers, name));
  }
  size_t kept = 0;
  for (size_t i = 0; i < headers.size(); ++i) {
    if (drop[i] == 0) {
      if (kept != i) {
        headers[kept] = std::move(headers[i]);
      }
      ++kept;
    }
  }
  headers.resize(kept);
}

std::optional<std::string_view> findHeader(const Headers& headers, std::string_view name) {
  for (const Header& h : headers) {
    if (iequals(h.name, name)) {
      return std::string_view(h.value);
    }
  }
  return std::nullopt;
}

RequestHead buildMemberRequest(std::string_view method, std::string target, Headers clientHeaders,
                               const ForwardContext& context) {
  removeHopByHop(clientHeaders);
  // Framing and Host are set from the context below; Expect is ours: the proxy answers a
  // client's 100-continue itself and asks the member only when ping= says so.
  std::erase_if(clientHeaders, [](const Header& h) {
    return iequals(h.name, "Host") || iequals(h.name, "Content-Length") ||
           iequals(h.name, "Expect");
  });

  RequestHead head;
  head.method.assign(method);
  head.target = std::move(target);
  head.headers.reserve(clientHeaders.size() + 6);

  // Host first, as mod_proxy_http does and RFC 9112 §3.2 recommends.
  const std::string& host =
      context.preserveHost && !context.clientHost.empty() ? context.clientHost : context.memberHost;
  head.headers.push_back(Header{"Host", host});
  std::move(clientHeaders.begin(), clientHeaders.end(), std::back_inserter(head.headers));

  if (context.addForwardedHeaders) {
    if (!context.clientIp.empty()) {
      mergeAppend(head.headers, "X-Forwarded-For", context.clientIp);
    }
    if (!context.clientHost.empty()) {
      mergeAppend(head.headers, "X-Forwarded-Host", context.clientHost);
    }
    if (!context.serverName.empty()) {
      mergeAppend(head.headers, "X-Forwarded-Server", context.serverName);
    }
  }

  const bool hasBody = context.chunkedBody || (context.contentLength && *context.contentLength > 0);
  if (context.chunkedBody) {
    head.headers.push_back(Header{"Transfer-Encoding", "chunked"});
  } else if (context.contentLength) {
    head.headers.push_back(Header{"Content-Length", std::to_string(*context.contentLength)});
  }
  // RFC 9110 §10.1.1: no 100-continue expectation on a request without content (httpd's
  // PROXY_DO_100_CONTINUE has the same condition).
  if (context.expectContinue && hasBody) {
    head.headers.push_back(Header{"Expect", "100-continue"});
  }
  // No Connection header: keep-alive is the default in HTTP/1.1.
  return head;
}

std::string serializeRequestHead(const RequestHead& head) {
  size_t size = head.method.size() + head.target.size() + 14;  // " " " HTTP/1.1\r\n" "\r\n"
  for (const Header& h : head.headers) {
    size += h.name.size() + h.value.size() + 4;
  }
  std::string out;
  out.reserve(size);
  appendSafe(out, head.method);
  out.push_back(' ');
  appendSafe(out, head.target);
  out.append(" HTTP/1.1\r\n");
  for (const Header& h : head.headers) {
    appendSafe(out, h.name);
    out.append(": ");
    appendSafe(out, h.value);
    out.append("\r\n");
  }
  out.append("\r\n");
  return out;
}

void appendChunk(std::string& out, std::string_view data) {
  if (data.empty()) {
    return;  // an empty chunk would be the last-chunk and end the body
  }
  std::array<char, 16> digits{};
  size_t n = 0;
  for (uint64_t size = data.size(); size != 0; size >>= 4) {
    digits[n++] = kHexDigits[size & 0xf];
  }
  out.reserve(out.size() + n + data.size() + 4);
  while (n > 0) {
    out.push_back(digits[--n]);
  }
  out.append("\r\n").append(data).append("\r\n");
}

void filterResponseHeaders(Headers& headers) { removeHopByHop(headers); }

}  // namespace cxxb::http
