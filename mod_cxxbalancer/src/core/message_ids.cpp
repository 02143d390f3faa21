#include "core/message_ids.h"

// The table below is read by scripts/check-message-ids.py as well as compiled: keep each
// row as {constant, MessageLevel::X, "meaning", "action"}, strings as plain literals, no
// macros. Text is Markdown for docs/messages.md (no '|').

namespace cxxb::msg {
namespace {

constexpr MessageArea kAreas[] = {
    {"CXB000", "Configuration checks at start-up and `apachectl -t`"},
    {"CXB001", "Unexpected failures caught at the boundary to httpd"},
    {"CXB003", "The request's `cxxbalancer://` URL"},
    {"CXB004", "The health RewriteMap"},
    {"CXB006", "The manager"},
    {"CXB007", "Shared memory"},
    {"CXB020", "The request path: members"},
    {"CXB021", "The request path: the client"},
    {"CXB022", "AJP members"},
    {"CXB023", "Sticky sessions"},
};

constexpr MessageInfo kMessages[] = {
    {kProxyPassUnknownBalancer, MessageLevel::Emerg,
     "A `ProxyPass`, `ProxyPassMatch` or `RewriteRule` (file and line given) names "
     "`cxxbalancer://NAME`, and no `<CxxBalancer NAME>` is declared; the configuration is "
     "refused.",
     "Declare the balancer, or correct the name after `cxxbalancer://`."},
    {kMemberTlsFilesUnusable, MessageLevel::Emerg,
     "The TLS settings of an `https` member (file and line given) cannot be used: a file named "
     "by `sslca`, `sslcert` or `sslkey` is unreadable, malformed, or the key does not match the "
     "certificate; the configuration is refused.",
     "Fix the file or the key named in the message."},
    {kTlsContextFailed, MessageLevel::Emerg,
     "At start (not under `-t`), the TLS context of an `https` member, or of an `https` "
     "`sorry=` URL (which verifies against the system CAs), could not be built; httpd does not "
     "start. For members, `CXB00012` reports the same problem first, also under `-t`.",
     "Fix the file or setting named in the message; for a `sorry=` URL, the system's CA "
     "store."},
    {kKeyNotActingYet, MessageLevel::Warn,
     "A key (file and line given) is accepted by this release but does not act yet, e.g. the "
     "`hc*` health-check keys, `upgrade`, `flushpackets=on` or `auto`, or `ping` on an HTTP "
     "member; "
     "the message says what does not happen. Logged at start, at each graceful restart, and "
     "by `apachectl -t`.",
     "Do not rely on the key yet; remove it to silence the warning."},

    {kRequestHookFailed, MessageLevel::Error,
     "A request hook of the module (`canon`, `scheme_handler` or `manager`) failed with an "
     "unexpected error, e.g. out of memory; the client got 500.",
     "Look for memory pressure; otherwise report it as a bug, with the message."},
    {kRequestHookUnknownException, MessageLevel::Error,
     "As `CXB00101`, but the error carried no description; the client got 500.",
     "Report it as a bug, with what the request was."},
    {kServerHookFailed, MessageLevel::Crit,
     "Checking the configuration or setting up at start or restart (`check_config`, "
     "`post_config`) failed with the error shown; httpd does not start.",
     "Fix the cause the message names (often shared memory or its mutex, see CXB007xx); "
     "otherwise report it as a bug."},
    {kServerHookUnknownException, MessageLevel::Crit,
     "As `CXB00103`, but the error carried no description; httpd does not start.",
     "Report it as a bug, with the configuration."},
    {kCallbackFailed, MessageLevel::Crit,
     "Setting up a new child process (`child_init`) failed with the error shown; the child "
     "runs on without its connection pools, and balancer requests it takes may fail.",
     "Restart httpd; look for memory or file-descriptor limits; otherwise report it as a bug."},
    {kCallbackUnknownException, MessageLevel::Crit,
     "As `CXB00105`, but the error carried no description.",
     "Restart httpd and report it as a bug."},

    {kRequestUnknownBalancer, MessageLevel::Error,
     "A request was proxied to `cxxbalancer://NAME` and no `<CxxBalancer NAME>` is declared; the "
     "client got 500. Start-up checks cover `ProxyPass`, `ProxyPassMatch` and `RewriteRule` in "
     "the server configuration, so the name came from elsewhere (`.htaccess`, `SetHandler`, a "
     "name built at request time).",
     "Declare the balancer, or correct the rule that builds the URL."},
    {kUrlUnparsable, MessageLevel::Error,
     "The `cxxbalancer://` URL of a request could not be parsed (the reason is given); the "
     "client got 400.",
     "Check the `ProxyPass` or `RewriteRule` that produced the URL shown."},
    {kPathHasControlCharacters, MessageLevel::Error,
     "The path, forwarded as it came (`nocanon`, or a `RewriteRule` with `[P,NE]`), holds "
     "control characters or spaces, which a member could read as a second request; the client "
     "got 403.",
     "Usually a hostile client: nothing to do. If legitimate clients hit it, drop `nocanon` or "
     "`NE`."},
    {kQueryHasControlCharacters, MessageLevel::Error,
     "The query string to forward holds control characters or spaces (e.g. after a "
     "`RewriteRule` put decoded text there); the client got 403.",
     "Usually a hostile client. If a rewrite produced it, escape the substitution (flag `B`)."},
    {kPathHasDotSegmentWithParameters, MessageLevel::Error,
     "The path to forward has a `.` or `..` segment with `;` parameters (`/x/..;/admin`, also "
     "percent-encoded), which Tomcat resolves past the `<Location>` rules httpd applied; the "
     "client got 400.",
     "Usually a probe for that hole. A link of the application's that does this is a bug in "
     "the application."},

    {kHealthMapLookupFailed, MessageLevel::Error,
     "A `${NAME:KEY}` lookup in `RewriteMap NAME int:cxxbalancer-health` failed unexpectedly; "
     "it answered `DOWN`.",
     "Look for memory pressure; otherwise report it as a bug, with the key shown."},

    {kManagerUnknownFormat, MessageLevel::Info,
     "The manager was asked for a `format=` other than `html` or `json`; the client got 400.",
     "Nothing, unless a monitoring script sends it: correct its URL."},

    {kShmGenerationReady, MessageLevel::Info,
     "Start or graceful restart: the shared-memory segment is ready; the line gives its size "
     "and how many members kept their state, are new, or were dropped.",
     "Nothing. After a graceful restart, a member counted as new where you expected it kept "
     "means its balancer name or URL changed."},
    {kShmPreviousUnreadable, MessageLevel::Warn,
     "Graceful restart: the previous generation's shared memory could not be read (reason "
     "given); member state and counters start fresh.",
     "Nothing is needed; status set at run time is lost. Report it if it repeats."},
    {kShmCreateFailed, MessageLevel::Crit,
     "The shared-memory segment could not be created (the system error is given); httpd does "
     "not start.",
     "Check the system's shared-memory limits and free memory."},
    {kShmInitFailed, MessageLevel::Crit,
     "The new shared-memory segment could not be set up (reason given); httpd does not start.",
     "Report it as a bug, with the message and the configuration."},
    {kShmChildLockFailed, MessageLevel::Error,
     "A child could not re-open the shared-memory mutex `cxxbalancer-shm` (system error "
     "given); requests are served, but structural changes from that child are refused.",
     "Check the `Mutex` directive for `cxxbalancer-shm`: its directory must exist and be "
     "writable by httpd's user."},
    {kShmRecordTooSmall, MessageLevel::Emerg,
     "A balancer name, member URL, route or redirect is longer than its shared-memory record "
     "holds (the limit is given); the configuration is refused.",
     "Shorten the name, URL or route named in the message."},

    {kMemberConnectFailed, MessageLevel::Error,
     "A member refused the connection, was unreachable, did not accept it within "
     "`connectiontimeout`, or its name did not resolve; it is in error for `retry` seconds. "
     "Logged when the member goes into error, not for every failed connect. The request went "
     "to another member (nothing had been sent).",
     "Check that the member is running and reachable from httpd, and its name resolves. It is "
     "tried again after `retry` seconds."},
    {kMemberPoolExhausted, MessageLevel::Error,
     "All `max` connections of this child to the member were in use for the member's whole "
     "I/O timeout; the request went to another member (503 and `CXB02008` when none was "
     "left). The member is not put in error.",
     "Raise the member's `max` (the default is the threads per child), or find out why its "
     "requests take so long."},
    {kMemberFailedBeforeAnswer, MessageLevel::Error,
     "A member closed or reset the connection, or sending the request failed or timed out, "
     "before any byte of the answer; it is in error for `retry` seconds. Logged when the member "
     "goes into error. An idempotent request whose body (if any) is at most 64 KiB went to "
     "another member (502 and `CXB02008` when none was left); other requests got 502.",
     "Check the member's own logs (crash, restart, a limit that drops connections)."},
    {kMemberTimeout, MessageLevel::Error,
     "A member did not answer within its `timeout` (or `ProxyTimeout`). The client got 504, "
     "or its connection was aborted when the response head had already reached it; the request "
     "is not sent elsewhere. With `failontimeout` off the member stays in rotation; with it on, "
     "this is logged for every timeout that does not put the member in error (see `CXB02010`).",
     "Check why the member is slow, or raise `timeout` for long requests; set "
     "`failontimeout=On` to take a hung member out."},
    {kMemberMalformedResponse, MessageLevel::Error,
     "A member's response could not be parsed as HTTP/1.1 or AJP13 (the reason is given), or "
     "it closed before its head was complete; the client got 502, or its connection was "
     "aborted when the head had already reached it. The member is not put in error.",
     "Fix the member (or whatever sits between it and httpd); the message names what was "
     "wrong."},
    {kMemberBrokeOffMidResponse, MessageLevel::Error,
     "A member closed or reset the connection in the middle of a response; the client's "
     "connection was aborted (or it got 502 when no head had reached it), so a cut response "
     "never looks complete. The member is not put in error.",
     "Check the member's logs for crashes or restarts while serving."},
    {kNoMemberCanServe, MessageLevel::Error,
     "No member of the balancer could serve the request: none was usable, or every one tried "
     "failed. The client got 503 (the sorry page, when `sorry=` is set), or 502 when a member "
     "was reached and failed without answering.",
     "Look at the lines before it for why each member failed, and at the manager page for "
     "members in error, disabled or stopped."},
    {kPooledConnectionClosed, MessageLevel::Debug,
     "A kept-alive connection to a member had been closed by the member when it was reused; "
     "the request was sent again on a new connection.",
     "Nothing. If it is frequent, set the member's `ttl` below its keep-alive timeout."},
    {kMemberTimeoutPutInError, MessageLevel::Error,
     "With `failontimeout=On`, a member did not answer within its timeout and is now in error "
     "for `retry` seconds; the client got 504. Logged once, when the member goes into error; "
     "timeouts of requests already waiting on it, and of the request that tries it again after "
     "`retry`, are logged as `CXB02005` and keep it in error.",
     "Check why the member hangs; it is tried again after `retry` seconds."},
    {kMemberFailOnStatus, MessageLevel::Error,
     "A member answered a status listed in `failonstatus`; the client got that response, and "
     "the member is in error for `retry` seconds. Logged when the member goes into error.",
     "Check the member's application; the status is given."},
    {kStickyMemberUnavailable, MessageLevel::Error,
     "The member of the client's session route cannot serve, and `stickyforce` or "
     "`nofailover` keeps the session off the other members; the client got 503.",
     "Bring the member back, or turn `stickyforce`/`nofailover` off if sessions may move."},
    {kSorryPageFailed, MessageLevel::Error,
     "No member could serve and the `sorry=` URL could not be fetched either (unreachable, "
     "TLS failure or a failed exchange); the client got a plain 503, or its connection was "
     "aborted when the page's head had already reached it.",
     "Check the server behind the `sorry=` URL."},
    {kMemberTlsHandshakeFailed, MessageLevel::Error,
     "The TLS handshake with an `https` member failed (the reason is given, e.g. \"certificate "
     "has expired\" or \"hostname mismatch\"); it is in error for `retry` seconds. Logged when "
     "the member goes into error. The request went to another member.",
     "Fix the member's certificate, or `sslca`/`sslsni` to match it."},
    {kMemberBackInRotation, MessageLevel::Info,
     "A member that was in error answered a request again and takes new requests; logged once "
     "per recovery, server-wide.",
     "Nothing; it pairs with the message that put the member in error."},

    {kClientBodyReadFailed, MessageLevel::Error,
     "Reading the client's request body through httpd's input filters failed (the client went "
     "away or was too slow, or a filter refused the body, e.g. bad chunked framing); the client "
     "got 400 unless it had gone.",
     "Usually the client's side. If it is frequent, check `RequestReadTimeout` and `Timeout`."},

    {kAjpCpingFailed, MessageLevel::Error,
     "An AJP member did not answer CPING with CPONG within `ping` (details given); it is in "
     "error for `retry` seconds. Logged when the member goes into error. The request went to "
     "another member (nothing had been sent).",
     "Check the container: it is hung, overloaded, or not speaking AJP on that port."},
    {kAjpSecretRefused, MessageLevel::Error,
     "An AJP member refused the request for its secret (403, connection closed); the client "
     "got the container's 403. The member is not put in error.",
     "Make `secret=` equal the connector's `secret` (Tomcat), or set it when the connector "
     "requires one."},
    {kAjpRequestRefused, MessageLevel::Warn,
     "A request was not forwarded whole to an AJP member: its body did not match its "
     "Content-Length (what did not match was not sent), or it cannot be encoded in AJP13 (e.g. "
     "its headers exceed `packetsize`); the client got 400.",
     "For encoding limits, raise `packetsize` (and the connector's `packetSize`); body "
     "mismatches come from the client."},

    {kRouteMismatch, MessageLevel::Warn,
     "A member's responses create sessions whose route is not the member's `route=` (both "
     "are named), so those sessions will not stick to it. Logged once per member and child "
     "process.",
     "Make the member's `route=` equal the application's route (Tomcat's `jvmRoute`)."},
};

}  // namespace

std::span<const MessageInfo> messages() noexcept { return kMessages; }

std::span<const MessageArea> messageAreas() noexcept { return kAreas; }

}  // namespace cxxb::msg
