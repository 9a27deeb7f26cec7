#include "nninit/core/tensor_statistics.h"

#include <cmath>

#include "nninit/core/memory_order.h"

namespace nninit {
namespace {

// Neumaier's compensated sum.
struct CompensatedSum {
  double sum = 0.0;
  double compensation = 0.0;
  void add(double x) {
    const double t = sum + x;
    compensation += std::fabs(sum) >= std::fabs(x) ? (sum - t) + x : (x - t) + sum;
    sum = t;
  }
  double value() const { return sum + compensation; }
};
}  // namespace

TensorStatistics statistics(const Tensor& tensor) {
  TensorStatistics s;
  CompensatedSum sum;
  std::int64_t zeros = 0;
  dispatch_all(tensor.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* base = tensor.numel() == 0 ? nullptr : reinterpret_cast<const T*>(tensor.raw_data());
    for_each_memory_offset(tensor, [&](std::int64_t offset) {
      const auto x = static_cast<double>(base[offset]);
      if (!std::isfinite(x)) {
        ++s.non_finite;
        return;
      }
      ++s.count;
      sum.add(x);
      if (x == 0.0) ++zeros;
      if (s.count == 1 || x < s.min) s.min = x;
      if (s.count == 1 || x > s.max) s.max = x;
    });
    if (s.count == 0) return;
    s.mean = sum.value() / static_cast<double>(s.count);
    // A second pass for the variance around the mean (stable for large offsets).
    CompensatedSum squares;
    for_each_memory_offset(tensor, [&](std::int64_t offset) {
      const auto x = static_cast<double>(base[offset]);
      if (std::isfinite(x)) squares.add((x - s.mean) * (x - s.mean));
    });
    if (s.count > 1) s.std = std::sqrt(squares.value() / static_cast<double>(s.count - 1));
  });
  s.zero_fraction = s.count == 0 ? 0.0 : static_cast<double>(zeros) / static_cast<double>(s.count);
  return s;
}
}  // namespace nninit
