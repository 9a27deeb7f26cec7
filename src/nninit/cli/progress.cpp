#include "nninit/cli/progress.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <utility>

#include <fmt/format.h>

namespace nninit::cli {
namespace {

// "0:07", "12:34", "1:02:03".
std::string clock_time(double seconds) {
  const auto s = static_cast<std::uint64_t>(seconds);
  if (s >= 3600) return fmt::format("{}:{:02d}:{:02d}", s / 3600, s / 60 % 60, s % 60);
  return fmt::format("{}:{:02d}", s / 60, s % 60);
}

double steady_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Back to the start of the line, and clear it.
constexpr std::string_view clear_line = "\r\x1b[K";

}  // namespace

Progress::Progress(std::uint64_t total, ProgressOptions options, Clock clock, Sink sink)
    : total_(total),
      options_(std::move(options)),
      clock_(std::move(clock)),
      sink_(std::move(sink)),
      start_(clock_()) {}

Progress::~Progress() {
  finish();
}

std::optional<Progress> Progress::on_stderr(std::uint64_t total, ProgressOptions options, ProgressMode mode) {
  if (mode == ProgressMode::off || (mode == ProgressMode::automatic && ::isatty(STDERR_FILENO) == 0)) {
    return std::nullopt;
  }
  return std::optional<Progress>(std::in_place, total, std::move(options), steady_seconds,
                                 [](std::string_view text) {
                                   std::fwrite(text.data(), 1, text.size(), stderr);
                                   std::fflush(stderr);
                                 });
}

std::string Progress::format_line(const ProgressOptions& options, std::uint64_t done, std::uint64_t total,
                                  double elapsed) {
  const double fraction =
      total == 0 ? 1.0 : std::min(1.0, static_cast<double>(done) / static_cast<double>(total));
  const auto filled = static_cast<int>(std::floor(fraction * options.bar_width));
  std::string line = options.label.empty() ? "" : options.label + " ";
  line += "[" + std::string(static_cast<std::size_t>(filled), '#') +
          std::string(static_cast<std::size_t>(options.bar_width - filled), '-') + "]";
  line += fmt::format(" {:3d}%", static_cast<int>(std::floor(fraction * 100)));
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0;
  if (done == 0 || rate <= 0) {
    // Nothing to extrapolate from yet: say how long it has run.
    line += fmt::format("  {} elapsed", clock_time(elapsed));
    return line;
  }
  const double per_second = rate / 1e6;
  if (options.elements) {
    line += fmt::format("  {:.1f} Melem/s", per_second);
  } else if (per_second >= 1000) {
    line += fmt::format("  {:.2f} GB/s", per_second / 1000);
  } else {
    line += fmt::format("  {:.1f} MB/s", per_second);
  }
  line += fmt::format("  {} left", clock_time(static_cast<double>(total - std::min(done, total)) / rate));
  return line;
}

void Progress::advance(std::uint64_t amount) {
  done_.fetch_add(amount, std::memory_order_relaxed);
  draw_if_due();
}

void Progress::tick() {
  draw_if_due();
}

void Progress::draw_if_due() {
  const double elapsed = clock_() - start_;
  if (elapsed < options_.delay) return;
  // A thread that finds another drawing skips its turn rather than wait.
  std::unique_lock lock(mutex_, std::try_to_lock);
  if (!lock.owns_lock() || finished_) return;
  if (last_draw_ >= 0 && elapsed - last_draw_ < options_.interval) return;
  last_draw_ = elapsed;
  std::string line = format_line(options_, done_.load(std::memory_order_relaxed), total_, elapsed);
  if (line == last_line_) return;  // the ticker's redraws within the same second change nothing
  sink_(std::string(clear_line) + line);
  last_line_ = std::move(line);
}

void Progress::finish() {
  const std::lock_guard lock(mutex_);
  if (finished_) return;
  finished_ = true;
  if (last_draw_ >= 0) sink_(clear_line);
}

ProgressTicker::ProgressTicker(Progress& progress)
    : thread_([&progress](std::stop_token stop) {
        std::mutex mutex;
        std::condition_variable_any wake;
        const auto period = std::chrono::duration<double>(progress.interval());
        std::unique_lock lock(mutex);
        while (!stop.stop_requested()) {
          wake.wait_for(lock, stop, period, [] { return false; });  // woken early only by the stop request
          if (!stop.stop_requested()) progress.tick();
        }
      }) {}

}  // namespace nninit::cli
