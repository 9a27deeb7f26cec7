#include "nninit/core/tensor_statistics.h"

#include <algorithm>
#include <array>
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

// Elements per block: a block's values, widened to double, stay in the L1 cache for its second pass.
constexpr std::size_t block_elements = 1024;
// Independent partial sums per block, so that the compiler can keep them in vector registers.
constexpr std::size_t lanes = 8;

// The running statistics of the finite elements seen so far: whole blocks are summarised on their own
// (sum, and the sum of squared deviations from the block's own mean, a second pass over the cached
// block) and merged with Chan, Golub and LeVeque's update of the squared deviations, so one pass over
// memory gives both moments without the cancellation of sum(x^2) - n mean^2.
class Accumulator {
 public:
  void add_block(const double* x, std::size_t n) {
    if (n == 0) return;
    std::array<double, lanes> partial{};
    std::size_t i = 0;
    for (; i + lanes <= n; i += lanes) {
      for (std::size_t l = 0; l < lanes; ++l) partial[l] += x[i + l];
    }
    double block_sum = 0.0;
    for (; i < n; ++i) block_sum += x[i];
    for (const double p : partial) block_sum += p;
    const double block_mean = block_sum / static_cast<double>(n);
    std::array<double, lanes> squares{};
    i = 0;
    for (; i + lanes <= n; i += lanes) {
      for (std::size_t l = 0; l < lanes; ++l) squares[l] += (x[i + l] - block_mean) * (x[i + l] - block_mean);
    }
    double block_squares = 0.0;
    for (; i < n; ++i) block_squares += (x[i] - block_mean) * (x[i] - block_mean);
    for (const double s : squares) block_squares += s;

    const auto count = static_cast<double>(count_);
    const auto added = static_cast<double>(n);
    const double delta = block_mean - mean_;
    squares_.add(block_squares);
    squares_.add(delta * delta * count * added / (count + added));
    count_ += static_cast<std::int64_t>(n);
    sum_.add(block_sum);
    mean_ = sum_.value() / static_cast<double>(count_);
  }

  std::int64_t count() const { return count_; }
  double mean() const { return mean_; }
  double squared_deviations() const { return squares_.value(); }

 private:
  std::int64_t count_ = 0;
  CompensatedSum sum_;
  double mean_ = 0.0;
  CompensatedSum squares_;
};

}  // namespace

TensorStatistics statistics(const Tensor& tensor) {
  TensorStatistics s;
  Accumulator moments;
  double zero_count = 0.0;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  alignas(64) double block[block_elements];
  std::size_t filled = 0;
  // Summarises block[0, filled). The elements were written without a test each; the non-finite ones (rare)
  // are found here without a branch per element: x * 0 is (+-)0 for a finite x and NaN otherwise, so the
  // sums of x * 0 are not 0 exactly when the block holds one. Every reduction runs in four independent
  // chains, so that the additions and comparisons of successive elements overlap.
  auto flush = [&] {
    double probe[4] = {};
    std::size_t k = 0;
    for (; k + 4 <= filled; k += 4) {
      for (std::size_t l = 0; l < 4; ++l) probe[l] += block[k + l] * 0.0;
    }
    for (; k < filled; ++k) probe[0] += block[k] * 0.0;
    if (probe[0] != 0.0 || probe[1] != 0.0 || probe[2] != 0.0 || probe[3] != 0.0) {
      const auto finite = std::count_if(block, block + filled, [](double x) { return std::isfinite(x); });
      s.non_finite += static_cast<std::int64_t>(filled) - finite;
      filled = static_cast<std::size_t>(
          std::remove_if(block, block + filled, [](double x) { return !std::isfinite(x); }) - block);
    }
    double lane_min[4] = {min, min, min, min};
    double lane_max[4] = {max, max, max, max};
    double lane_zeros[4] = {};
    std::size_t i = 0;
    for (; i + 4 <= filled; i += 4) {
      for (int l = 0; l < 4; ++l) {
        const double x = block[i + static_cast<std::size_t>(l)];
        lane_zeros[l] += x == 0.0 ? 1.0 : 0.0;
        lane_min[l] = x < lane_min[l] ? x : lane_min[l];
        lane_max[l] = x > lane_max[l] ? x : lane_max[l];
      }
    }
    for (; i < filled; ++i) {
      lane_zeros[0] += block[i] == 0.0 ? 1.0 : 0.0;
      lane_min[0] = std::min(lane_min[0], block[i]);
      lane_max[0] = std::max(lane_max[0], block[i]);
    }
    for (int l = 0; l < 4; ++l) {
      zero_count += lane_zeros[l];
      min = std::min(min, lane_min[l]);
      max = std::max(max, lane_max[l]);
    }
    moments.add_block(block, filled);
    filled = 0;
  };
  dispatch_all(tensor.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* base = tensor.numel() == 0 ? nullptr : reinterpret_cast<const T*>(tensor.raw_data());
    for_each_memory_run(tensor, [&](std::int64_t offset, std::int64_t length, std::int64_t stride) {
      const T* run = base + offset;
      for (std::int64_t done = 0; done < length;) {
        const auto take =
            std::min<std::int64_t>(length - done, static_cast<std::int64_t>(block_elements - filled));
        double* out = block + filled;
        if (stride == 1) {
          for (std::int64_t i = 0; i < take; ++i) out[i] = static_cast<double>(run[done + i]);
        } else {
          for (std::int64_t i = 0; i < take; ++i) out[i] = static_cast<double>(run[(done + i) * stride]);
        }
        filled += static_cast<std::size_t>(take);
        done += take;
        if (filled == block_elements) flush();
      }
    });
  });
  flush();
  s.count = moments.count();
  if (s.count == 0) return s;
  s.mean = moments.mean();
  s.min = min;
  s.max = max;
  if (s.count > 1) s.std = std::sqrt(moments.squared_deviations() / static_cast<double>(s.count - 1));
  s.zero_fraction = zero_count / static_cast<double>(s.count);
  return s;
}

}  // namespace nninit
