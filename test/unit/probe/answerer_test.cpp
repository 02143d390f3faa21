#include "probe/answerer.h"

#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <vector>

#include "support/fake_clock.h"

using cxxb::Seconds;
using cxxb::probe::Answerer;
using cxxb::probe::InputLine;
using cxxb::probe::LineSplitter;
using cxxb::probe::ProbeCache;
using cxxb::probe::ProbeTarget;
using cxxb::probe::TargetChecker;
using cxxb::test::FakeClock;

namespace {

/** Answers from a table and records what it was asked. */
class ScriptedChecker final : public TargetChecker {
 public:
  bool isUp(const ProbeTarget& target) override {
    asked.push_back(target.key());
    return up[target.key()];
  }
  std::map<std::string, bool> up;
  std::vector<std::string> asked;
};

/** An answerer over a scripted checker and a 5 s cache, as the program builds it. */
struct Rig {
  FakeClock clock;
  ProbeCache cache{clock, Seconds(5)};
  ScriptedChecker checker;
  Answerer answerer{checker, cache};

  /** What the program writes for `input`, fed in one piece. */
  std::string run(std::string_view input) {
    LineSplitter splitter;
    std::string out;
    auto onLine = [&](const InputLine& line) { out.append(answerer.answer(line)).append("\n"); };
    splitter.feed(input, onLine);
    splitter.finish(onLine);
    return out;
  }
};

}  // namespace

TEST_CASE("each line gets one answer, malformed ones DOWN without a check", "[probe]") {
  Rig rig;
  rig.checker.up["b:80:/"] = true;
  CHECK(rig.run("b:80:/\nnonsense\n\nb:80:/\n[::1:80\nc:81\n") ==
        "UP\nDOWN\nDOWN\nUP\nDOWN\nDOWN\n");
  // b checked once (the second time from the cache), c once; the bad lines never.
  CHECK(rig.checker.asked == std::vector<std::string>{"b:80:/", "c:81"});
}

TEST_CASE("a target is checked again once its answer is older than the period", "[probe]") {
  Rig rig;
  rig.checker.up["b:80:/"] = true;
  CHECK(rig.run("b:80:/\n") == "UP\n");
  rig.checker.up["b:80:/"] = false;  // B goes down
  rig.clock.advance(Seconds(4));
  CHECK(rig.run("b:80:/\n") == "UP\n");  // still the cached answer
  rig.clock.advance(Seconds(1));
  CHECK(rig.run("b:80:/\n") == "DOWN\n");
  CHECK(rig.checker.asked.size() == 2);
}

TEST_CASE("an over-long line is DOWN and the next line is answered normally", "[probe]") {
  Rig rig;
  rig.checker.up["b:80:/"] = true;
  const std::string flood = "b:80:/" + std::string(100000, 'x');
  CHECK(rig.run(flood + "\nb:80:/\n") == "DOWN\nUP\n");
  CHECK(rig.checker.asked == std::vector<std::string>{"b:80:/"});
}
