// A one-line progress bar for long work: percentage, rate and time left, redrawn in place on stderr.
//
// It draws only when asked to (ProgressMode::on) or, by default, when stderr is a terminal, and then only
// once the work has lasted `delay` (so quick commands print nothing), at most once per `interval` and only
// when the text changes; the line
// is cleared at the end, so the command's own output follows as if there had been no bar. advance() is
// thread-safe and cheap (an atomic add; a clock read and a try-lock when a redraw may be due), so the
// threads that fill tensors can report their own pieces. A ticker thread redraws at every interval even
// while nothing advances, so that work reported in large steps still shows that it runs (and how long).
//
//   std::optional<Progress> progress = Progress::on_stderr(total_bytes, {.label = "init"}, mode);
//   std::optional<ProgressTicker> ticker;
//   if (progress) ticker.emplace(*progress);
//   for (const auto& tensor : plan) {                     // from any thread
//     fill(tensor);
//     if (progress) progress->advance(tensor.nbytes);
//   }
//   ticker.reset();
//   if (progress) progress->finish();                     // clears the line
//
//   init [##########----------]  50%  812.4 MB/s  0:04 left
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>

namespace nninit::cli {

enum class ProgressMode {
  automatic,
  on,
  off
};  // automatic: when stderr is a terminal (--progress / --no-progress)

struct ProgressOptions {
  std::string label;
  bool elements = false;  // the total counts elements (Melem/s), not bytes (MB/s)
  double delay = 0.5;     // seconds from the start before the first draw
  double interval = 0.1;  // seconds between draws
  int bar_width = 20;
};

class Progress {
 public:
  using Clock = std::function<double()>;               // seconds, monotonic
  using Sink = std::function<void(std::string_view)>;  // where the text goes (the terminal)

  Progress(std::uint64_t total, ProgressOptions options, Clock clock, Sink sink);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // A bar on stderr with the steady clock, or none: mode off, or automatic and stderr not a terminal.
  static std::optional<Progress> on_stderr(std::uint64_t total, ProgressOptions options, ProgressMode mode);

  // Adds `amount` to what is done, and redraws when a draw is due.
  void advance(std::uint64_t amount);
  // Redraws when a draw is due (the ticker calls it).
  void tick();
  // Clears the line if anything was drawn; later calls do nothing. The destructor calls it.
  void finish();

  double interval() const { return options_.interval; }
  std::uint64_t done() const { return done_.load(std::memory_order_relaxed); }

  // The line for `done` of `total` after `elapsed` seconds (no carriage return, no clearing).
  static std::string format_line(const ProgressOptions& options, std::uint64_t done, std::uint64_t total,
                                 double elapsed);

 private:
  void draw_if_due();

  const std::uint64_t total_;
  const ProgressOptions options_;
  const Clock clock_;
  const Sink sink_;
  const double start_;
  std::atomic<std::uint64_t> done_{0};
  std::mutex mutex_;         // guards what follows, and the sink
  double last_draw_ = -1.0;  // seconds since start; negative: never drawn
  std::string last_line_;
  bool finished_ = false;
};

// Calls progress.tick() every interval on its own thread while it lives.
class ProgressTicker {
 public:
  explicit ProgressTicker(Progress& progress);

 private:
  std::jthread thread_;
};

}  // namespace nninit::cli
