#include "nninit/diag/statistics.h"

#include <cmath>

#include "nninit/core/memory_order.h"

namespace nninit::diag {
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

ReferenceStds reference_stds(const Tensor& tensor) {
  ReferenceStds r;
  if (tensor.dim() < 2) return r;
  const init::Fans fans = init::calculate_fan_in_and_fan_out(tensor);
  if (fans.fan_in <= 0 || fans.fan_out <= 0) return r;
  const auto fan_in = static_cast<double>(fans.fan_in);
  const auto fan_out = static_cast<double>(fans.fan_out);
  r.pytorch_default = 1.0 / std::sqrt(3.0 * fan_in);  // U(+-1/sqrt(fan_in)) has std bound/sqrt(3)
  r.xavier = std::sqrt(2.0 / (fan_in + fan_out));
  r.kaiming_relu = std::sqrt(2.0 / fan_in);
  r.lecun = std::sqrt(1.0 / fan_in);
  return r;
}

}  // namespace nninit::diag
