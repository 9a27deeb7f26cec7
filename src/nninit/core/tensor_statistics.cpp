#include "nninit/core/tensor_statistics.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <thread>
#include <vector>

#include "nninit/core/memory_order.h"
#include "nninit/core/threads.h"

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

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
// The block loops below are built twice, for plain x86-64 and for AVX2, and the loader picks one for the
// CPU. The arithmetic and its order are the same (no FMA; each chain of `lanes` stays a chain), so the two
// give the same bits; AVX2 does four chains per instruction instead of two.
#define NNINIT_BLOCK_LOOP __attribute__((target_clones("avx2", "default")))
#else
#define NNINIT_BLOCK_LOOP
#endif

// One pass over a block: its sum (in `lanes` chains, the tail first), extremes and zeros. The sum is not
// finite exactly when an element is not, or (float64 only) when the sum overflows: either way flush()
// then looks element by element.
struct BlockScan {
  double sum = 0.0;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  double zeros = 0.0;
};

// Four chains of doubles (GCC's and Clang's vector extension): arithmetic lane by lane, in 256-bit
// registers under AVX2 and in two 128-bit ones otherwise.
using Double4 = double __attribute__((vector_size(32)));

static_assert(lanes == 8, "the block loops keep the lanes in two Double4");

// The `lanes` values at x, as two Double4. (Filled by reference: a function returning a 256-bit vector has
// another ABI with AVX than without.)
void load_lanes(Double4 (&v)[2], const double* x) {
  std::memcpy(&v[0], x, sizeof v[0]);
  std::memcpy(&v[1], x + 4, sizeof v[1]);
}

// The sum of each Double4's lanes, in order, added to `total`.
double add_lanes(double total, const Double4 (&chains)[2]) {
  for (const Double4& four : chains) {
    for (int l = 0; l < 4; ++l) total += four[l];
  }
  return total;
}

NNINIT_BLOCK_LOOP BlockScan scan_block(const double* x, std::size_t n) {
  BlockScan scan;
  Double4 partial[2] = {};
  Double4 low = {scan.min, scan.min, scan.min, scan.min};
  Double4 high = -low;
  Double4 zero = {};
  const Double4 one = {1.0, 1.0, 1.0, 1.0};
  const Double4 none = {};
  std::size_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    Double4 v[2];
    load_lanes(v, x + i);
    const Double4& a = v[0];
    const Double4& b = v[1];
    partial[0] += a;
    partial[1] += b;
    zero += a == 0.0 ? one : none;
    zero += b == 0.0 ? one : none;
    const Double4 smaller = a < b ? a : b;
    const Double4 larger = a > b ? a : b;
    low = smaller < low ? smaller : low;
    high = larger > high ? larger : high;
  }
  for (; i < n; ++i) {
    scan.sum += x[i];
    scan.zeros += x[i] == 0.0 ? 1.0 : 0.0;
    scan.min = std::min(scan.min, x[i]);
    scan.max = std::max(scan.max, x[i]);
  }
  scan.sum = add_lanes(scan.sum, partial);
  for (int l = 0; l < 4; ++l) {
    scan.zeros += zero[l];
    scan.min = std::min(scan.min, low[l]);
    scan.max = std::max(scan.max, high[l]);
  }
  return scan;
}

// The sum of (x[i] - mean)^2, in `lanes` chains with the tail first.
NNINIT_BLOCK_LOOP double block_squared_deviations(const double* x, std::size_t n, double mean) {
  Double4 squares[2] = {};
  std::size_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    Double4 v[2];
    load_lanes(v, x + i);
    for (int half = 0; half < 2; ++half) {
      const Double4 deviation = v[half] - mean;
      squares[half] += deviation * deviation;
    }
  }
  double total = 0.0;
  for (; i < n; ++i) total += (x[i] - mean) * (x[i] - mean);
  return add_lanes(total, squares);
}

// The running statistics of the finite elements seen so far: whole blocks are summarised on their own
// (sum, and the sum of squared deviations from the block's own mean, a second pass over the cached
// block) and merged with Chan, Golub and LeVeque's update of the squared deviations, so one pass over
// memory gives both moments without the cancellation of sum(x^2) - n mean^2.
class Accumulator {
 public:
  // Adds the n finite values at x, whose sum (in scan_block's order) is block_sum.
  void add_block(const double* x, std::size_t n, double block_sum) {
    if (n == 0) return;
    const double block_mean = block_sum / static_cast<double>(n);
    const double block_squares = block_squared_deviations(x, n, block_mean);

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
  // Summarises the block in two passes over the cached values (scan_block, then block_squared_deviations).
  // The elements were written without a test each; the non-finite ones (rare) show in the scan's sum and are
  // then counted and left out.
  void flush() {
    double* block = block_.data();
    std::size_t filled = filled_;
    BlockScan scan = scan_block(block, filled);
    if (!std::isfinite(scan.sum)) {
      const auto finite = std::count_if(block, block + filled, [](double x) { return std::isfinite(x); });
      non_finite_ += static_cast<std::int64_t>(filled) - finite;
      filled = static_cast<std::size_t>(
          std::remove_if(block, block + filled, [](double x) { return !std::isfinite(x); }) - block);
      scan = scan_block(block, filled);
    }
    zero_count_ += scan.zeros;
    min_ = std::min(min_, scan.min);
    max_ = std::max(max_, scan.max);
    moments_.add_block(block, filled, scan.sum);
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

// A long contiguous tensor is summarised in chunks of this many elements, on as many threads as
// thread_count() allows, and the chunks' summaries are merged in order: the result depends on the chunk size
// only, never on the number of threads.
constexpr std::int64_t chunk_elements = std::int64_t{1} << 20;

}  // namespace

TensorStatistics statistics(const Tensor& tensor) {
  Summary total;
  const MemoryOrder order = memory_order(tensor);
  const bool one_run = order.sizes.size() == 1 && order.strides[0] == 1;
  const std::int64_t chunks = tensor.numel() / chunk_elements;
  const auto threads = static_cast<std::int64_t>(std::min(thread_count(), 64));
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
