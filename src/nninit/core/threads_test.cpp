#include "nninit/core/threads.h"

#include <atomic>
#include <cstddef>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

namespace nninit {
namespace {

TEST(Threads, ALimitOnThisThreadCapsTheCountHereOnly) {
  const ScopedThreadCount four(4);
  EXPECT_EQ(thread_count(), 4);
  {
    const ScopedThreadLimit one(1);
    EXPECT_EQ(thread_count(), 1);
    int elsewhere = 0;
    std::jthread([&] { elsewhere = thread_count(); }).join();
    EXPECT_EQ(elsewhere, 4);
  }
  EXPECT_EQ(thread_count(), 4);
}

TEST(Threads, SideBySideRunsEveryItemOnceOnItsWorkersEachLimitedToOneThread) {
  for (const std::size_t workers : {std::size_t{1}, std::size_t{3}, std::size_t{7}}) {
    std::vector<std::atomic<int>> runs(50);
    std::atomic<bool> worker_in_range{true};
    std::atomic<bool> limited{true};
    run_side_by_side(runs.size(), workers, [&](std::size_t k, std::size_t worker) {
      ++runs[k];
      if (worker >= workers) worker_in_range = false;
      if (thread_count() != 1) limited = false;
    });
    for (const std::atomic<int>& r : runs) EXPECT_EQ(r, 1) << workers << " workers";
    EXPECT_TRUE(worker_in_range);
    EXPECT_TRUE(limited);
  }
}

TEST(Threads, SideBySideRethrowsTheFirstFailureAfterEveryWorkerStops) {
  for (const std::size_t workers : {std::size_t{1}, std::size_t{3}}) {
    std::atomic<int> started{0};
    EXPECT_THROW(run_side_by_side(1000, workers,
                                  [&](std::size_t k, std::size_t) {
                                    ++started;
                                    if (k == 5) throw std::runtime_error("item 5");
                                  }),
                 std::runtime_error);
    // One worker takes the items in order and starts none after the failure. (With several, the others may
    // finish every remaining item before the throw is caught: only the rethrow is certain.)
    if (workers == 1) {
      EXPECT_EQ(started.load(), 6);
    }
  }
}

}  // namespace
}  // namespace nninit
