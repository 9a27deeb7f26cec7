#include "nninit/cli/progress.h"

#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace nninit::cli {
namespace {

TEST(ProgressLine, PercentRateAndTimeLeft) {
  const ProgressOptions options{.label = "init", .bar_width = 10};
  // 250 MB of 1 GB in 2 s: 125 MB/s, 750 MB left at that rate is 6 s.
  EXPECT_EQ(Progress::format_line(options, 250'000'000, 1'000'000'000, 2.0),
            "init [##--------]  25%  125.0 MB/s  0:06 left");
  // From 1000 MB/s on, GB/s; an hour and more as h:mm:ss.
  EXPECT_EQ(Progress::format_line(options, 3'000'000'000, 30'000'000'000'000, 1.5),
            "init [----------]   0%  2.00 GB/s  4:09:58 left");
  EXPECT_EQ(Progress::format_line(options, 1'000'000'000, 1'000'000'000, 4.0),
            "init [##########] 100%  250.0 MB/s  0:00 left");
}

TEST(ProgressLine, ElementsAndTheStartBeforeAnyProgress) {
  const ProgressOptions elements{.label = "fill", .elements = true, .bar_width = 4};
  EXPECT_EQ(Progress::format_line(elements, 50'000'000, 100'000'000, 0.5),
            "fill [##--]  50%  100.0 Melem/s  0:00 left");
  // Nothing done yet: no rate to extrapolate from, the time so far instead.
  EXPECT_EQ(Progress::format_line(elements, 0, 100, 83.0), "fill [----]   0%  1:23 elapsed");
  // An empty job is complete; no label, no leading space.
  EXPECT_EQ(Progress::format_line({.label = "", .bar_width = 2}, 0, 0, 1.0), "[##] 100%  0:01 elapsed");
}

// A clock the test sets (in binary fractions of a second, so that differences are exact), and the text the
// bar writes.
struct Terminal {
  double now = 0.0;
  std::string text;
  Progress make(std::uint64_t total, double delay = 0.5) {
    return Progress(
        total, {.label = "w", .delay = delay, .interval = 0.125, .bar_width = 4}, [this] { return now; },
        [this](std::string_view written) { text += written; });
  }
};

TEST(Progress, DrawsOnlyAfterTheDelayAndAtMostOncePerInterval) {
  Terminal terminal;
  {
    Progress progress = terminal.make(1'000'000);
    terminal.now = 0.375;
    progress.advance(100'000);
    EXPECT_EQ(terminal.text, "");  // a job this short shows nothing
    terminal.now = 0.625;
    progress.advance(200'000);
    EXPECT_EQ(terminal.text, "\r\x1b[Kw [#---]  30%  0.5 MB/s  0:01 left");
    terminal.text.clear();
    terminal.now = 0.6875;  // within the interval: no redraw
    progress.advance(100'000);
    progress.tick();
    EXPECT_EQ(terminal.text, "");
    terminal.now = 0.75;
    progress.tick();  // the ticker's redraw, with what advanced meanwhile
    EXPECT_EQ(terminal.text, "\r\x1b[Kw [#---]  40%  0.5 MB/s  0:01 left");
    terminal.text.clear();
    terminal.now = 0.875;  // a draw is due, but its text is the same: not rewritten
    progress.tick();
    EXPECT_EQ(terminal.text, "");
  }
  // Destroyed (finished): the line is cleared, once.
  EXPECT_EQ(terminal.text, "\r\x1b[K");
}

TEST(Progress, FinishWritesNothingWhenNothingWasDrawn) {
  Terminal terminal;
  Progress progress = terminal.make(10);
  progress.advance(10);
  progress.finish();
  terminal.now = 5;
  progress.advance(1);  // after finish: nothing
  progress.tick();
  progress.finish();
  EXPECT_EQ(terminal.text, "");
}

TEST(Progress, AdvanceFromManyThreadsCountsEverything) {
  Terminal terminal;
  Progress progress = terminal.make(8 * 10'000, /*delay=*/0);
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < 10'000; ++i) progress.advance(1);
      });
    }
  }
  EXPECT_EQ(progress.done(), 80'000U);
  terminal.now = 1;
  terminal.text.clear();
  progress.tick();
  EXPECT_EQ(terminal.text, "\r\x1b[Kw [####] 100%  0.1 MB/s  0:00 left");
}

TEST(Progress, NoBarWhenOff) {
  EXPECT_FALSE(Progress::on_stderr(100, {}, ProgressMode::off).has_value());
  EXPECT_TRUE(Progress::on_stderr(100, {}, ProgressMode::on).has_value());
}

}  // namespace
}  // namespace nninit::cli
