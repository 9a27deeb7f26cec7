// Splitting elementwise work over threads. A result never depends on the split: each element is
// computed by the same function of its own inputs, whichever thread computes it.
#pragma once

#include <algorithm>
#include <cstdint>
#include <thread>
#include <vector>

#include "nninit/random/host_isa.h"

namespace nninit {

// Calls fn(begin, end) on disjoint ranges that cover [0, n), at most one per thread of
// fill_thread_count() (host_isa.h) and each at least `grain` long; with a single range, on the calling thread
// only. fn must not throw.
template <class Fn>
void parallel_for(std::int64_t n, std::int64_t grain, Fn&& fn) {
  const std::int64_t ranges =
      std::min<std::int64_t>(fill_thread_count(), n / std::max<std::int64_t>(grain, 1));
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

}  // namespace nninit
