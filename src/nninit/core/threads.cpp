#include "nninit/core/threads.h"

#include <atomic>
#include <cstdlib>

namespace nninit {
namespace {

std::atomic<int> count_override{0};
thread_local int limit_here = 0;  // 0: no limit on this thread

int configured_count() {
  static const int count = [] {
    if (const char* requested = std::getenv("NNINIT_NUM_THREADS")) {
      char* end = nullptr;
      const long value = std::strtol(requested, &end, 10);
      if (end != requested && *end == '\0' && value >= 1) return static_cast<int>(std::min(value, 1024L));
    }
    return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  }();
  return count;
}

}  // namespace

int thread_count() {
  const int forced = count_override.load(std::memory_order_relaxed);
  const int count = forced > 0 ? forced : configured_count();
  return limit_here > 0 ? std::min(count, limit_here) : count;
}

ScopedThreadCount::ScopedThreadCount(int count)
    : previous_(count_override.exchange(std::max(count, 1), std::memory_order_relaxed)) {}

ScopedThreadCount::~ScopedThreadCount() {
  count_override.store(previous_, std::memory_order_relaxed);
}

ScopedThreadLimit::ScopedThreadLimit(int count) : previous_(limit_here) {
  limit_here = std::max(count, 1);
}

ScopedThreadLimit::~ScopedThreadLimit() {
  limit_here = previous_;
}

}  // namespace nninit
