#pragma once
// The manager's machine-readable view (`?format=json`). Pure: a Snapshot in, text out.
//
// Shape (keys are stable; numbers are integers; times are ms since the Unix epoch):
//   {"version": "0.1.0", "generation": 2, "now": 1700000000000, "started": 1699999990000,
//    "balancers": [
//      {"name": "web", "lbmethod": "byrequests", "capacity": 6,
//       "members": [
//         {"name": "http://10.0.0.1:8080", "route": "a", "redirect": "",
//          "lbset": 0, "loadfactor": 1, "status": "E", "runtimeStatus": "E",
//          "inError": true, "errorSince": 1700000000000, "retryIn": 59000,
//          "health": {"status": "unknown", "lastCheck": 0, "lastStatus": 0,
//                     "passes": 0, "fails": 0},
//          "requests": 10, "failures": 1, "bytesSent": 1200, "bytesReceived": 5000,
//          "busy": 0, "latencyUs": 850}]}]}
// "status" lists the flags set (letters D S H N I E, see statusLetters()); "runtimeStatus"
// those of them set at run time (failures, health checks, the manager) rather than by the
// file.
#include <string>
#include <string_view>

#include "manager/snapshot.h"

namespace cxxb::manager {

/** The snapshot as one JSON document (UTF-8, no trailing newline). */
std::string renderJson(const Snapshot& snapshot);

/**
 * Appends `text` as a JSON string literal, quotes included. Escapes '"', '\\', every
 * control character, DEL, '<', '>', '&' (so the text is also safe inside HTML) and
 * U+2028/U+2029; bytes that are not valid UTF-8 become U+FFFD.
 */
void appendJsonString(std::string& out, std::string_view text);

}  // namespace cxxb::manager
