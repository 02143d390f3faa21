#pragma once
// The registry of log message ids: every CXBnnnnn the module logs is declared here, and
// message_ids.cpp says for each one the level it is logged at, what it means and what an
// operator should do about it. docs/messages.md is rendered from that table, and
// scripts/check-message-ids.py (a ctest test) fails when an id is logged without being
// registered, registered without being logged, logged at another level, or the docs differ.
//
// Adding a message: pick the next free number in its area, add the constant here and its
// row in message_ids.cpp, log it by the constant, then run
// `scripts/check-message-ids.py --write-docs`.
//
// Constants are char arrays so that adapter code can pass them to a printf format
// ("%s: ...") and core code to Logger::log (string_view) alike.
#include <span>
#include <string_view>

namespace cxxb::msg {

// --- CXB000xx: configuration checks at start-up and `apachectl -t` ----------------------
inline constexpr char kProxyPassUnknownBalancer[] = "CXB00011";
inline constexpr char kMemberTlsFilesUnusable[] = "CXB00012";
inline constexpr char kTlsContextFailed[] = "CXB00013";
inline constexpr char kKeyNotActingYet[] = "CXB00020";

// --- CXB001xx: exception barriers (guard.h) ----------------------------------------------
inline constexpr char kRequestHookFailed[] = "CXB00101";
inline constexpr char kRequestHookUnknownException[] = "CXB00102";
inline constexpr char kServerHookFailed[] = "CXB00103";
inline constexpr char kServerHookUnknownException[] = "CXB00104";
inline constexpr char kCallbackFailed[] = "CXB00105";
inline constexpr char kCallbackUnknownException[] = "CXB00106";

// --- CXB003xx: the request's cxxbalancer:// URL ------------------------------------------
inline constexpr char kRequestUnknownBalancer[] = "CXB00301";
inline constexpr char kUrlUnparsable[] = "CXB00302";
inline constexpr char kPathHasControlCharacters[] = "CXB00303";
inline constexpr char kQueryHasControlCharacters[] = "CXB00304";
inline constexpr char kPathHasDotSegmentWithParameters[] = "CXB00305";

// --- CXB004xx: the health RewriteMap -----------------------------------------------------
inline constexpr char kHealthMapLookupFailed[] = "CXB00401";

// --- CXB006xx: the manager ----------------------------------------------------------------
inline constexpr char kManagerUnknownFormat[] = "CXB00601";

// --- CXB007xx: shared memory ------------------------------------------------------------
inline constexpr char kShmGenerationReady[] = "CXB00701";
inline constexpr char kShmPreviousUnreadable[] = "CXB00702";
inline constexpr char kShmCreateFailed[] = "CXB00703";
inline constexpr char kShmInitFailed[] = "CXB00704";
inline constexpr char kShmChildLockFailed[] = "CXB00705";
inline constexpr char kShmRecordTooSmall[] = "CXB00706";

// --- CXB020xx: the request path, members -------------------------------------------------
inline constexpr char kMemberConnectFailed[] = "CXB02001";
inline constexpr char kMemberPoolExhausted[] = "CXB02003";
inline constexpr char kMemberFailedBeforeAnswer[] = "CXB02004";
inline constexpr char kMemberTimeout[] = "CXB02005";
inline constexpr char kMemberMalformedResponse[] = "CXB02006";
inline constexpr char kMemberBrokeOffMidResponse[] = "CXB02007";
inline constexpr char kNoMemberCanServe[] = "CXB02008";
inline constexpr char kPooledConnectionClosed[] = "CXB02009";
inline constexpr char kMemberTimeoutPutInError[] = "CXB02010";
inline constexpr char kMemberFailOnStatus[] = "CXB02011";
inline constexpr char kStickyMemberUnavailable[] = "CXB02012";
inline constexpr char kSorryPageFailed[] = "CXB02014";
inline constexpr char kMemberTlsHandshakeFailed[] = "CXB02015";
inline constexpr char kMemberBackInRotation[] = "CXB02016";

// --- CXB021xx: the request path, client side ----------------------------------------------
inline constexpr char kClientBodyReadFailed[] = "CXB02101";

// --- CXB022xx: AJP members ------------------------------------------------------------------
inline constexpr char kAjpCpingFailed[] = "CXB02201";
inline constexpr char kAjpSecretRefused[] = "CXB02202";
inline constexpr char kAjpRequestRefused[] = "CXB02203";

// --- CXB023xx: sticky sessions ------------------------------------------------------------
inline constexpr char kRouteMismatch[] = "CXB02301";

/** The level a message is logged at, named as httpd's error log names it. */
enum class MessageLevel { Debug, Info, Notice, Warn, Error, Crit, Emerg };

/** One registered message, for operators (docs/messages.md). */
struct MessageInfo {
  std::string_view id;
  MessageLevel level;
  std::string_view meaning;  ///< one line: what happened, and what the client saw
  std::string_view action;   ///< one line: what an operator should do about it
};

/** A range of ids: every id whose first six characters are `prefix`. */
struct MessageArea {
  std::string_view prefix;  ///< e.g. "CXB020"
  std::string_view title;
};

/** Every registered message, in ascending id order. */
std::span<const MessageInfo> messages() noexcept;

/** The areas the ids are grouped in, in ascending order. */
std::span<const MessageArea> messageAreas() noexcept;

}  // namespace cxxb::msg
