// How many threads nninit's elementwise work may use (fills, copies, statistics), and the one way that work
// is split over them. The count never changes a bit of any result: each element is computed by the same
// function of its own inputs whichever thread computes it, and reductions are merged in a fixed order.
//
// The count is the machine's hardware threads, or NNINIT_NUM_THREADS (>= 1) when set, or what a
// ScopedThreadCount says while one lives. A thread that is itself one of several workers (`nninit init`
// making tensors side by side) holds a ScopedThreadLimit, so that the work it starts does not ask for the
// threads its siblings already use:
//
//   std::jthread worker([&] {
//     const ScopedThreadLimit alone(1);  // fills and copies started here stay on this thread
//     make(tensor);
//   });
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace nninit {

// The threads that work started on the calling thread may use (>= 1).
int thread_count();

// For tests and benchmarks: while alive, thread_count() is `count` on every thread (at most a
// ScopedThreadLimit's). Not thread-safe against work running concurrently.
class ScopedThreadCount {
 public:
  explicit ScopedThreadCount(int count);
  ~ScopedThreadCount();
  ScopedThreadCount(const ScopedThreadCount&) = delete;
  ScopedThreadCount& operator=(const ScopedThreadCount&) = delete;

 private:
  int previous_;
};

// While alive, thread_count() on this thread is at most `count`. Nests (the innermost limit holds).
class ScopedThreadLimit {
 public:
  explicit ScopedThreadLimit(int count);
  ~ScopedThreadLimit();
  ScopedThreadLimit(const ScopedThreadLimit&) = delete;
  ScopedThreadLimit& operator=(const ScopedThreadLimit&) = delete;

 private:
  int previous_;
};

// Calls fn(begin, end) on disjoint ranges that cover [0, n), at most one per thread of thread_count() and
// each at least `grain` long; with a single range, on the calling thread only. fn must not throw.
template <class Fn>
void parallel_for(std::int64_t n, std::int64_t grain, Fn&& fn) {
  const std::int64_t ranges = std::min<std::int64_t>(thread_count(), n / std::max<std::int64_t>(grain, 1));
  if (ranges <= 1) {
    if (n > 0) fn(std::int64_t{0}, n);
    return;
  }
  auto bound = [&](std::int64_t r) { return n / ranges * r + std::min(r, n % ranges); };
  std::vector<std::jthread> workers;
  workers.reserve(static_cast<std::size_t>(ranges - 1));
  for (std::int64_t r = 1; r < ranges; ++r)
    workers.emplace_back([&fn, &bound, r] { fn(bound(r), bound(r + 1)); });
  fn(std::int64_t{0}, bound(1));
}

// Calls item(k, worker) for every k in [0, count), each k taken in order from a shared counter by one of
// `workers` threads (the calling thread is worker 0; each worker's index is below `workers`). Every worker
// holds a ScopedThreadLimit(1), so the work an item starts stays on its thread. After an item throws, no
// new item starts; the first exception is rethrown once every worker has stopped.
template <class Item>
void run_side_by_side(std::size_t count, std::size_t workers, Item&& item) {
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto work = [&](std::size_t worker) {
    const ScopedThreadLimit one_thread(1);
    for (std::size_t k = next++; k < count && !failed; k = next++) {
      try {
        item(k, worker);
      } catch (...) {
        const std::lock_guard lock(error_mutex);
        if (!error) error = std::current_exception();
        failed = true;
      }
    }
  };
  {
    std::vector<std::jthread> threads;
    for (std::size_t w = 1; w < std::min(workers, count); ++w) threads.emplace_back(work, w);
    work(0);
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace nninit
