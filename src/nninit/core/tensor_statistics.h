// Summary statistics of a tensor, as `nninit inspect` and the diagnostics report them. Computed in
// double over the elements in memory order (the order does not change the result beyond rounding;
// the sums are compensated so that a 10^9-element tensor keeps about 15 significant digits).
//
//   const nn::Linear layer({.in_features = 784, .out_features = 256});
//   const TensorStatistics s = statistics(layer.weight());  // any tensor or view
//   std::printf("mean %+.5f std %.5f zeros %.1f%%\n", s.mean, s.std, 100 * s.zero_fraction);
#pragma once

#include <cstdint>
#include <limits>

#include "nninit/core/tensor.h"

namespace nninit {

struct TensorStatistics {
  std::int64_t count = 0;
  double mean = 0.0;
  double std = 0.0;  // sample standard deviation (n - 1), as torch.std; 0 for fewer than 2 elements
  double min = std::numeric_limits<double>::quiet_NaN();
  double max = std::numeric_limits<double>::quiet_NaN();
  double zero_fraction = 0.0;   // fraction of elements exactly 0 (dead units, pruned weights)
  std::int64_t non_finite = 0;  // NaN and infinities, left out of the other statistics
};

TensorStatistics statistics(const Tensor& tensor);

}  // namespace nninit
