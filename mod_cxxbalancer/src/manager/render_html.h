#pragma once
// The manager's page for people: a read-only table per balancer. Every value is escaped.
// (The full manager with its forms is later work; this is the minimal view.)
#include <string>
#include <string_view>

#include "manager/snapshot.h"

namespace cxxb::manager {

/** A complete HTML5 document for the snapshot. */
std::string renderHtml(const Snapshot& snapshot);

/** Appends `text` with & < > " ' escaped, for element content and quoted attributes. */
void appendHtmlEscaped(std::string& out, std::string_view text);

}  // namespace cxxb::manager
