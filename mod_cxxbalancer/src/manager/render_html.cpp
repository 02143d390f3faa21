#include "manager/render_html.h"

#include <initializer_list>

namespace cxxb::manager {
namespace {

void cell(std::string& out, std::string_view text) {
  out += "<td>";
  appendHtmlEscaped(out, text);
  out += "</td>";
}

template <class Int>
void numberCell(std::string& out, Int n) {
  cell(out, std::string_view(std::to_string(n)));
}

}  // namespace

void appendHtmlEscaped(std::string& out, std::string_view text) {
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
}

std::string renderHtml(const Snapshot& snapshot) {
  std::string out;
  out +=
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>cxxbalancer manager</title>"
      "</head><body>\n<h1>cxxbalancer ";
  appendHtmlEscaped(out, snapshot.version);
  out += "</h1>\n<p>Generation " + std::to_string(snapshot.generation) +
         ". <a href=\"?format=json\">JSON</a></p>\n";
  for (const auto& balancer : snapshot.balancers) {
    out += "<h2>Balancer ";
    appendHtmlEscaped(out, balancer.name);
    out += "</h2>\n<p>lbmethod ";
    appendHtmlEscaped(out, balancer.lbMethod);
    out += "</p>\n<table border=\"1\"><tr>";
    for (const char* title : {"Member", "Route", "Redirect", "Set", "Factor", "Status", "Health",
                              "Requests", "Failures", "To", "From", "Busy", "Latency µs"}) {
      out += "<th>";
      appendHtmlEscaped(out, title);
      out += "</th>";
    }
    out += "</tr>\n";
    for (const auto& m : balancer.members) {
      out += "<tr>";
      cell(out, m.name);
      cell(out, m.route);
      cell(out, m.redirect);
      numberCell(out, m.lbset);
      numberCell(out, m.loadFactor);
      std::string status = statusLetters(m.status);
      cell(out, status.empty() ? std::string_view("Ok") : std::string_view(status));
      cell(out, m.health.status);
      numberCell(out, m.requests);
      numberCell(out, m.failures);
      numberCell(out, m.bytesSent);
      numberCell(out, m.bytesReceived);
      numberCell(out, m.busy);
      numberCell(out, m.latencyUs);
      out += "</tr>\n";
    }
    out += "</table>\n";
  }
  out += "</body></html>\n";
  return out;
}

}  // namespace cxxb::manager
