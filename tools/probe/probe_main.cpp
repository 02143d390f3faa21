// cxxbalancer-probe: the `RewriteMap NAME prg:` program of seed 000 (see probe_line.h for
// the protocol, target_check.h for what UP means, --help for the options).
//
// httpd starts it once and talks to it through pipes, under a lock, one key a line. So it
// must answer every line with exactly one line and at once: answers go out with write(2),
// never through a buffered stream (a buffered answer leaves mod_rewrite, and every request
// that consults the map, waiting). It never exits on input, only when stdin closes (httpd
// is gone or restarting) or stdout does.
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "core/version.h"
#include "probe/answerer.h"
#include "probe/probe_options.h"
#include "target_check.h"

namespace {

/** Writes all of `data` to stdout; false when the reader has gone. */
bool writeOut(std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(STDOUT_FILENO, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

int serve(const cxxb::probe::ProbeOptions& options) {
  using namespace cxxb::probe;
  NetworkChecker checker(options);
  ProbeCache cache(cxxb::SystemClock::instance(), options.cache);
  Answerer answerer(checker, cache);
  LineSplitter splitter;
  bool readerGone = false;
  std::string answer;
  auto onLine = [&](const InputLine& line) {
    if (readerGone) {
      return;
    }
    answer.assign(answerer.answer(line)).push_back('\n');
    readerGone = !writeOut(answer);
  };
  char buffer[4096];
  while (!readerGone) {
    const ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      splitter.finish(onLine);
      return n == 0 ? 0 : 1;
    }
    splitter.feed(std::string_view(buffer, static_cast<size_t>(n)), onLine);
  }
  return 0;  // stdout closed: nobody is left to answer
}

}  // namespace

int main(int argc, char** argv) {
  // A closed stdout must be a write error to handle, not a signal that kills us mid-answer.
  ::signal(SIGPIPE, SIG_IGN);
  std::vector<std::string_view> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  auto parsed = cxxb::probe::parseProbeArgs(args);
  if (!parsed) {
    std::fprintf(stderr, "cxxbalancer-probe: %s\n", parsed.error().c_str());
    return 2;
  }
  if (parsed->help) {
    std::fputs(cxxb::probe::probeUsage().c_str(), stdout);
    return 0;
  }
  if (parsed->version) {
    const std::string_view version = cxxb::productVersion();
    std::printf("cxxbalancer-probe %.*s\n", int(version.size()), version.data());
    return 0;
  }
  return serve(parsed->options);
}
