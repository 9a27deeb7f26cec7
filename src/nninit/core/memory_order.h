// The order in which PyTorch's TensorIterator visits the elements of a single tensor: dimensions of
// size 1 are dropped, the rest are sorted by increasing stride (the innermost first) and adjacent
// dimensions that are contiguous with each other are merged. For a random fill this decides which
// element receives which draw: `a.t().uniform_()` gives each memory position the same draw as a fill
// of the untransposed tensor (docs/rng.md §2, "Element order").
#pragma once

#include <cstdint>
#include <vector>

#include "nninit/core/tensor.h"

namespace nninit {

// Dimensions in visiting order, innermost (fastest-varying) first, after dropping and merging.
struct MemoryOrder {
  std::vector<std::int64_t> sizes;
  std::vector<std::int64_t> strides;
};

MemoryOrder memory_order(const Tensor& tensor);

// Calls fn(offset, length, stride) for each run of the innermost visited dimension, in PyTorch's memory
// order. Offsets and strides are in elements, relative to tensor.raw_data(). No call for an empty tensor.
template <class Fn>
void for_each_memory_run(const Tensor& tensor, Fn&& fn) {
  if (tensor.numel() == 0) return;
  const MemoryOrder order = memory_order(tensor);
  if (order.sizes.empty()) {  // a single element
    fn(std::int64_t{0}, std::int64_t{1}, std::int64_t{1});
    return;
  }
  const std::size_t ndim = order.sizes.size();
  std::vector<std::int64_t> counter(ndim, 0);
  std::int64_t offset = 0;
  while (true) {
    fn(offset, order.sizes[0], order.strides[0]);
    std::size_t d = 1;
    for (; d < ndim; ++d) {
      offset += order.strides[d];
      if (++counter[d] < order.sizes[d]) break;
      offset -= order.strides[d] * order.sizes[d];
      counter[d] = 0;
    }
    if (d == ndim) return;
  }
}

// Calls fn(offset) for each element in memory order.
template <class Fn>
void for_each_memory_offset(const Tensor& tensor, Fn&& fn) {
  for_each_memory_run(tensor, [&](std::int64_t offset, std::int64_t length, std::int64_t stride) {
    for (std::int64_t i = 0; i < length; ++i) fn(offset + i * stride);
  });
}

// Calls fn(offset) for each element in logical (row-major index) order.
template <class Fn>
void for_each_logical_offset(const Tensor& tensor, Fn&& fn) {
  const std::int64_t n = tensor.numel();
  if (n == 0) return;
  const auto& sizes = tensor.sizes();
  const auto& strides = tensor.strides();
  const std::size_t ndim = sizes.size();
  std::vector<std::int64_t> counter(ndim, 0);
  std::int64_t offset = 0;
  for (std::int64_t k = 0; k < n; ++k) {
    fn(offset);
    for (std::size_t d = ndim; d-- > 0;) {
      offset += strides[d];
      if (++counter[d] < sizes[d]) break;
      offset -= strides[d] * sizes[d];
      counter[d] = 0;
    }
  }
}

}  // namespace nninit
