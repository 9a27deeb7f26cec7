#include "nninit/core/tensor_statistics.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <limits>
#include <thread>
#include <vector>

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

  // Adds the elements another accumulator has seen (Chan, Golub and LeVeque's pairwise update).
  void merge(const Accumulator& other) {
    if (other.count_ == 0) return;
    const auto count = static_cast<double>(count_);
    const auto added = static_cast<double>(other.count_);
    const double delta = other.mean_ - mean_;
    squares_.add(other.squares_.value());
    squares_.add(delta * delta * count * added / (count + added));
    count_ += other.count_;
    sum_.add(other.sum_.value());
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

// The statistics of the elements added so far, a block at a time.
class Summary {
 public:
  // Adds `length` elements at run[0], run[stride], ...
  template <class T>
  void add_run(const T* run, std::int64_t length, std::int64_t stride) {
    for (std::int64_t done = 0; done < length;) {
      const auto take =
          std::min<std::int64_t>(length - done, static_cast<std::int64_t>(block_elements - filled_));
      double* out = block_.data() + filled_;
      if (stride == 1) {
        for (std::int64_t i = 0; i < take; ++i) out[i] = static_cast<double>(run[done + i]);
      } else {
        for (std::int64_t i = 0; i < take; ++i) out[i] = static_cast<double>(run[(done + i) * stride]);
      }
      filled_ += static_cast<std::size_t>(take);
      done += take;
      if (filled_ == block_elements) flush();
    }
  }

  // Adds what `other` has seen, after everything this one has.
  void merge(Summary& other) {
    other.flush();
    flush();
    moments_.merge(other.moments_);
    zero_count_ += other.zero_count_;
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
    non_finite_ += other.non_finite_;
  }

  TensorStatistics result() {
    flush();
    TensorStatistics s;
    s.non_finite = non_finite_;
    s.count = moments_.count();
    if (s.count == 0) return s;
    s.mean = moments_.mean();
    s.min = min_;
    s.max = max_;
    if (s.count > 1) s.std = std::sqrt(moments_.squared_deviations() / static_cast<double>(s.count - 1));
    s.zero_fraction = zero_count_ / static_cast<double>(s.count);
    return s;
  }

 private:
  // Summarises the block. The elements were written without a test each; the non-finite ones (rare) are
  // found here without a branch per element: x * 0 is (+-)0 for a finite x and NaN otherwise, so the sums
  // of x * 0 are not 0 exactly when the block holds one. Every reduction runs in four independent chains,
  // so that the additions and comparisons of successive elements overlap.
  void flush() {
    double* block = block_.data();
    std::size_t filled = filled_;
    double probe[4] = {};
    std::size_t k = 0;
    for (; k + 4 <= filled; k += 4) {
      for (std::size_t l = 0; l < 4; ++l) probe[l] += block[k + l] * 0.0;
    }
    for (; k < filled; ++k) probe[0] += block[k] * 0.0;
    if (probe[0] != 0.0 || probe[1] != 0.0 || probe[2] != 0.0 || probe[3] != 0.0) {
      const auto finite = std::count_if(block, block + filled, [](double x) { return std::isfinite(x); });
      non_finite_ += static_cast<std::int64_t>(filled) - finite;
      filled = static_cast<std::size_t>(
          std::remove_if(block, block + filled, [](double x) { return !std::isfinite(x); }) - block);
    }
    double lane_min[4] = {min_, min_, min_, min_};
    double lane_max[4] = {max_, max_, max_, max_};
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
      zero_count_ += lane_zeros[l];
      min_ = std::min(min_, lane_min[l]);
      max_ = std::max(max_, lane_max[l]);
    }
    moments_.add_block(block, filled);
    filled_ = 0;
  }

  Accumulator moments_;
  double zero_count_ = 0.0;
  double min_ = std::numeric_limits<double>::infinity();
  double max_ = -std::numeric_limits<double>::infinity();
  std::int64_t non_finite_ = 0;
  std::vector<double> block_ = std::vector<double>(block_elements);
  std::size_t filled_ = 0;
};

// A long contiguous tensor is summarised in chunks of this many elements, on as many threads as the machine
// has, and the chunks' summaries are merged in order: the result depends on the chunk size only, never on
// the number of threads.
constexpr std::int64_t chunk_elements = std::int64_t{1} << 20;

}  // namespace

TensorStatistics statistics(const Tensor& tensor) {
  Summary total;
  const MemoryOrder order = memory_order(tensor);
  const bool one_run = order.sizes.size() == 1 && order.strides[0] == 1;
  const std::int64_t chunks = tensor.numel() / chunk_elements;
  const auto threads =
      static_cast<std::int64_t>(std::min<unsigned>(std::max(1u, std::thread::hardware_concurrency()), 64u));
  dispatch_all(tensor.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* base = tensor.numel() == 0 ? nullptr : reinterpret_cast<const T*>(tensor.raw_data());
    if (!one_run || chunks < 2 || threads < 2) {
      for_each_memory_run(tensor, [&](std::int64_t offset, std::int64_t length, std::int64_t stride) {
        total.add_run(base + offset, length, stride);
      });
      return;
    }
    const std::int64_t n = tensor.numel();
    const std::int64_t pieces = (n + chunk_elements - 1) / chunk_elements;
    std::vector<Summary> parts(static_cast<std::size_t>(pieces));
    std::atomic<std::int64_t> next{0};
    auto work = [&] {
      for (std::int64_t c = next++; c < pieces; c = next++) {
        const std::int64_t begin = c * chunk_elements;
        parts[static_cast<std::size_t>(c)].add_run(base + begin, std::min(chunk_elements, n - begin), 1);
      }
    };
    {
      std::vector<std::jthread> workers;
      for (std::int64_t t = 1; t < std::min(threads, pieces); ++t) workers.emplace_back(work);
      work();
    }
    for (Summary& part : parts) total.merge(part);
  });
  return total.result();
}

}  // namespace nninit
