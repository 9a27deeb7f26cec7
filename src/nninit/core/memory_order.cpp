#include "nninit/core/memory_order.h"

#include <algorithm>
#include <numeric>

namespace nninit {

MemoryOrder memory_order(const Tensor& tensor) {
  // TensorIterator starts from the innermost dimension and insertion-sorts by stride, breaking ties
  // of equal strides by size; it never reorders dimensions whose comparison is ambiguous. A stable
  // sort of the reversed dimension list by (stride, size) gives the same order.
  std::vector<std::size_t> dims;
  for (std::size_t i = tensor.sizes().size(); i-- > 0;) {
    if (tensor.sizes()[i] != 1) dims.push_back(i);
  }
  const auto& sizes = tensor.sizes();
  const auto& strides = tensor.strides();
  std::stable_sort(dims.begin(), dims.end(), [&](std::size_t a, std::size_t b) {
    if (strides[a] != strides[b]) return strides[a] < strides[b];
    return sizes[a] < sizes[b];
  });
  MemoryOrder order;
  for (std::size_t d : dims) {
    if (!order.sizes.empty() && order.strides.back() * order.sizes.back() == strides[d]) {
      order.sizes.back() *= sizes[d];  // contiguous with the previous dimension: merge
    } else {
      order.sizes.push_back(sizes[d]);
      order.strides.push_back(strides[d]);
    }
  }
  return order;
}

}  // namespace nninit
