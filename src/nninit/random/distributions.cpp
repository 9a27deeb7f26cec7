// TorchGenerator's uniform_, normal_, random_ and randperm: ATen's CPU kernels, path by path
// (docs/rng.md §2, §3, §5). Every kernel draws serially in PyTorch's memory order.
//
// The fills draw a chunk of words at a time (MT19937::fill) and turn it into values with the kernels of
// fill_kernels.h, chosen for this CPU; the words, the values and the generator state afterwards are those
// of PyTorch's element-by-element loops, which fill_kernels_test.cpp replays for comparison.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>

#include <fmt/format.h>

#include "nninit/core/error.h"
#include "nninit/core/memory_order.h"
#include "nninit/core/threads.h"
#include "nninit/random/internal/box_muller.h"
#include "nninit/random/internal/checks.h"
#include "nninit/random/internal/fill_kernels.h"
#include "nninit/random/torch_generator.h"

namespace nninit {
namespace {

// Elements per chunk: a chunk's words and values stay in the L1 cache. A multiple of 16 (normal_'s blocks).
constexpr std::size_t chunk_elements = 2048;
// Outputs at least this large are written with non-temporal stores, which do not read the destination
// into the caches first (measured by nninit_bench_fill: see docs/performance.md).
constexpr std::size_t streaming_bytes = std::size_t{8} << 20;

bool streams(const Tensor& tensor) {
  return static_cast<std::size_t>(tensor.numel()) * itemsize(tensor.dtype()) >= streaming_bytes;
}

// Fills of at least this many elements are split over threads.
constexpr std::size_t parallel_elements = std::size_t{1} << 18;

// Runs fill(engine, begin, end) on ranges that cover the elements [0, count) in order, each range
// drawing its words_per_element words per element from an engine at its own place in the stream, and
// leaves `engine` where the last element's words end. Large fills run their ranges on threads: each
// thread copies the engine and advances it to its range with MT19937::discard, which costs about
// `discard_cost` times the fill of as many elements, so later ranges are made shorter to end together.
// Range boundaries are multiples of `granularity` elements.
template <class Fill>
void fill_in_parallel(MT19937& engine, std::size_t count, std::size_t words_per_element,
                      std::size_t granularity, double discard_cost, Fill&& fill) {
  const auto threads = static_cast<std::size_t>(thread_count());
  if (threads <= 1 || count < parallel_elements) {
    fill(engine, std::size_t{0}, count);
    return;
  }
  // Range t starts at o_t and finishes at discard_cost * o_t + (o_{t+1} - o_t) (in element fills);
  // all finish together when o_{t+1} = (1 - discard_cost) * o_t + a, a = count * c / (1 - (1 - c)^T).
  const double c = std::clamp(discard_cost, 1e-6, 0.5);
  const double first =
      static_cast<double>(count) * c / (1.0 - std::pow(1.0 - c, static_cast<double>(threads)));
  std::vector<std::size_t> bounds(threads + 1, count);
  double start = 0.0;
  bounds[0] = 0;
  for (std::size_t t = 1; t < threads; ++t) {
    start = (1.0 - c) * start + first;
    const auto rounded = static_cast<std::size_t>(start) / granularity * granularity;
    bounds[t] = std::clamp(rounded, bounds[t - 1], count);
  }
  std::vector<MT19937> engines(threads, engine);
  {
    std::vector<std::jthread> workers;
    workers.reserve(threads - 1);
    for (std::size_t t = 1; t < threads; ++t) {
      workers.emplace_back([&, t] {
        engines[t].discard(static_cast<std::uint64_t>(bounds[t]) * words_per_element);
        fill(engines[t], bounds[t], bounds[t + 1]);
      });
    }
    fill(engines[0], bounds[0], bounds[1]);
  }
  engine = engines[threads - 1];
}

// Fills the tensor in PyTorch's memory order (memory_order.h), run by run and chunk by chunk:
// `words_per_element` words per element, turned into `count` contiguous values of storage type S by
// kernel(words, out, count, stream). A tensor whose memory order is one contiguous run (a contiguous
// tensor, or a dense permutation of one) is filled in parallel.
template <class S, class Kernel>
void fill_in_memory_order(const Tensor& tensor, MT19937& engine, std::size_t words_per_element,
                          Kernel&& kernel) {
  S* base = reinterpret_cast<S*>(tensor.raw_data());
  const bool stream = streams(tensor);
  // Elements [begin, end) of a contiguous run at `out`, drawn from `source`.
  auto fill_run = [&](MT19937& source, S* out, std::size_t begin, std::size_t end) {
    alignas(64) std::uint32_t words[2 * chunk_elements];
    for (std::size_t i = begin; i < end;) {
      const std::size_t count = std::min(chunk_elements, end - i);
      source.fill(words, count * words_per_element);
      kernel(words, out + i, count, stream);
      i += count;
    }
  };
  const MemoryOrder order = memory_order(tensor);
  if (order.sizes.size() <= 1 && (order.sizes.empty() || order.strides[0] == 1)) {
    const auto count = static_cast<std::size_t>(tensor.numel());
    // Discarding a word costs about a fifth of filling an element with it (a twist without the tempering,
    // the transform and the store).
    fill_in_parallel(
        engine, count, words_per_element, 16, 0.2,
        [&](MT19937& source, std::size_t begin, std::size_t end) { fill_run(source, base, begin, end); });
    return;
  }
  alignas(64) std::uint32_t words[2 * chunk_elements];
  alignas(64) S staged[chunk_elements];
  for_each_memory_run(tensor, [&](std::int64_t offset, std::int64_t length, std::int64_t stride) {
    if (stride == 1) {
      fill_run(engine, base + offset, 0, static_cast<std::size_t>(length));
      return;
    }
    for (std::int64_t i = 0; i < length;) {
      const auto count = static_cast<std::size_t>(std::min<std::int64_t>(chunk_elements, length - i));
      engine.fill(words, count * words_per_element);
      kernel(words, staged, count, false);
      for (std::size_t k = 0; k < count; ++k)
        base[offset + (i + static_cast<std::int64_t>(k)) * stride] = staged[k];
      i += static_cast<std::int64_t>(count);
    }
  });
}

// caffe2::TypeMeta names, which PyTorch prints in its bound checks.
std::string_view type_meta_name(DType dtype) {
  switch (dtype) {
    case DType::float32: return "float";
    case DType::float64: return "double";
    case DType::float16: return "c10::Half";
    case DType::bfloat16: return "c10::BFloat16";
    case DType::int64: return "long int";
  }
  return "?";
}

template <class T>
double lowest_of() {
  if constexpr (std::is_same_v<T, Half>) return -65504.0;
  if constexpr (std::is_same_v<T, BFloat16>) return -static_cast<double>(bfloat16_bits_to_float(0x7f7f));
  return static_cast<double>(std::numeric_limits<T>::lowest());
}

// Writes values produced by `next()` into the tensor in memory order, one at a time.
template <class T, class Next>
void fill_serially(const Tensor& tensor, Next&& next) {
  T* base = reinterpret_cast<T*>(tensor.raw_data());
  for_each_memory_offset(tensor, [&](std::int64_t offset) { base[offset] = next(); });
}

}  // namespace

void check_uniform_bounds(DType dtype, double from, double to) {
  dispatch_floating(dtype, [&](auto tag) {
    using T = decltype(tag);
    const double min = lowest_of<T>();
    const double max = -min;
    if (!(from >= min && from <= max)) {
      throw RuntimeError(fmt::format("uniform_: from is out of bounds for {}", type_meta_name(dtype)));
    }
    if (!(to >= min && to <= max)) {
      throw RuntimeError(fmt::format("uniform_: to is out of bounds for {}", type_meta_name(dtype)));
    }
    if (!(from <= to)) {
      throw RuntimeError(fmt::format(
          "uniform_: uniform_ expects to return a [from, to) range, but found from={:g} > to={:g}", from,
          to));
    }
    if (!(to - from <= max)) {
      throw RuntimeError(
          fmt::format("uniform_: uniform_ expects to-from <= std::numeric_limits<{}>::max(), but found "
                      "to={:g} and from={:g} which "
                      "result in to-from to exceed the limit",
                      scalar_type_name(dtype), to, from));
    }
  });
}

void TorchGenerator::uniform_(const Tensor& tensor, double from, double to) {
  const DType dtype = tensor.dtype();
  if (dtype == DType::int64) throw_not_implemented_for(*release_, "uniform_", "check_uniform_bounds", dtype);
  check_uniform_bounds(dtype, from, to);
  if (tensor.numel() == 0) return;
  if (values_unneeded_) {  // every path draws its words element by element in memory order
    engine_.discard(static_cast<std::uint64_t>(tensor.numel()) * (dtype == DType::float64 ? 2 : 1));
    return;
  }

  // The vectorised builds contracted x * range + from into one fma (docs/rng.md §2, §4).
  const bool fused = variant_.capability != TorchCapability::generic;
  const bool clamp = release_->random.uniform_clamps_to_from;
  const fill_kernels::Kernels& kernels = fill_kernels::kernels();
  const auto from_f = static_cast<float>(from);
  const auto to_f = static_cast<float>(to);
  const fill_kernels::UniformFloat float_params{
      .from = from_f, .range = to_f - from_f, .to = to_f, .fused = fused, .clamp = clamp};
  switch (dtype) {
    case DType::float32:
      fill_in_memory_order<float>(tensor, engine_, 1,
                                  [&](const std::uint32_t* words, float* out, std::size_t n, bool stream) {
                                    kernels.uniform_float(words, out, n, float_params, stream);
                                  });
      break;
    case DType::float64: {
      const fill_kernels::UniformDouble params{.from = from, .to = to, .fused = fused, .clamp = clamp};
      fill_in_memory_order<double>(tensor, engine_, 2,
                                   [&](const std::uint32_t* words, double* out, std::size_t n, bool stream) {
                                     kernels.uniform_double(words, out, n, params, stream);
                                   });
      break;
    }
    default:
      dispatch_floating(dtype, [&](auto tag) {
        using T = decltype(tag);
        if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) {
          const T from_t(from);
          const T to_t(to);
          fill_kernels::UniformFloat params = float_params;
          fill_kernels::Narrow narrow{.dtype = dtype};
          if (release_->random.uniform_16bit_via_float) {
            // Since 2.12: the float32 algorithm, rounded once to T; a result equal to T(to) becomes T(from).
            narrow = {.dtype = dtype, .replace = true, .to_bits = to_t.bits, .from_bits = from_t.bits};
          } else {
            // Up to 2.11: digits-wide uniforms (11 for Half, 8 for BFloat16), bounds rounded to T and
            // their difference rounded to T (c10's T - T returns T).
            constexpr int digits = std::is_same_v<T, Half> ? 11 : 8;
            const float from_rounded = from_t;
            params = {.mask = (1u << digits) - 1u,
                      .scale = 1.0f / (1u << digits),
                      .from = from_rounded,
                      .range = T(static_cast<float>(to_t) - from_rounded),
                      .fused = fused};
          }
          fill_in_memory_order<std::uint16_t>(
              tensor, engine_, 1,
              [&](const std::uint32_t* words, std::uint16_t* out, std::size_t n, bool stream) {
                alignas(64) float values[chunk_elements];
                kernels.uniform_float(words, values, n, params, false);
                kernels.narrow16(values, out, n, narrow, stream);
              });
        }
      });
  }
}

namespace {

// normal_'s paths (docs/rng.md §3), one function each; TorchGenerator::normal_ below picks one.

// From this many values on, the 16-bit normal_ of 1.13 to 2.12 tabulates both outputs of every pair of
// BFloat16 uniforms (box_muller::Reduced16PairTable: 131072 evaluations, then a lookup per value).
constexpr std::size_t pair_table_elements = std::size_t{1} << 20;

// The unit uniforms of the fill paths: (word & 0xffffff) * 2^-24 and random64()'s 53 bits * 2^-53
// (x * 1 + 0 is x, fused or not).
constexpr fill_kernels::UniformFloat unit_float{};
constexpr fill_kernels::UniformDouble unit_double{};

// One normal_ call as every path sees it.
struct NormalCall {
  const Tensor& tensor;
  double mean;
  double std;
  bool vectorised;  // the avx2 and avx512 builds: avx_mathfun and GCC's fused multiply-adds (docs/rng.md §4)
  const TorchRelease::RandomStreams& behaviours;
  const fill_kernels::Kernels& kernels;  // this host's, chosen once per call

  std::size_t count() const { return static_cast<std::size_t>(tensor.numel()); }
};

// Where a fill path's ragged end (n % 16 != 0) takes its 16 words from. PyTorch's scalar template first
// stores the uniforms of the ragged positions themselves, so its 16 words come after theirs; the 16-bit
// blockwise kernel of 2.13 draws nothing for the ragged positions.
enum class RaggedEnd { after_its_own_uniforms, right_after_full_blocks };

// The block structure every fill path shares (docs/rng.md §3.1): the full blocks of 16 values from the
// words in order, then, for a ragged end, 16 fresh values written over the last 16 positions.
// transform(words, out, blocks, stream) turns the words of `blocks` blocks into their 16 * blocks values.
// A block's transform reads only the block's words, so drawing and transforming a chunk of blocks at a
// time, or ranges of blocks on threads, gives the values of PyTorch's all-uniforms-first loop.
template <class S, class Transform>
void fill_blocks_of_16(MT19937& engine, S* data, std::size_t count, std::size_t words_per_value,
                       RaggedEnd ragged, bool stream, Transform&& transform) {
  const std::size_t full = count / 16 * 16;
  // A discarded word costs a small fraction of a Box-Muller value.
  fill_in_parallel(engine, full, words_per_value, 16, 0.05,
                   [&](MT19937& source, std::size_t begin, std::size_t end) {
                     alignas(64) std::uint32_t words[2 * chunk_elements];
                     for (std::size_t b = begin; b < end; b += chunk_elements) {
                       const std::size_t m = std::min(chunk_elements, end - b);
                       source.fill(words, m * words_per_value);
                       transform(words, data + b, m / 16, stream);
                     }
                   });
  if (count == full) return;
  alignas(64) std::uint32_t words[32];
  if (ragged == RaggedEnd::after_its_own_uniforms) engine.discard((count - full) * words_per_value);
  engine.fill(words, 16 * words_per_value);
  S tail[16];
  transform(words, tail, 1, false);
  std::copy(tail, tail + 16, data + count - 16);
}

// The float32 block transform of docs/rng.md §3.1 as the capability computes it: avx_mathfun on avx2 and
// avx512, glibc's logf, cosf and sinf on generic. Also the first half of the 16-bit blockwise path.
class FloatBoxMuller {
 public:
  explicit FloatBoxMuller(const NormalCall& call)
      : kernels_(call.kernels),
        mean_(static_cast<float>(call.mean)),
        std_(static_cast<float>(call.std)),
        vectorised_(call.vectorised),
        scalar_fma_(call.behaviours.normal_scalar_fma) {}

  void operator()(const std::uint32_t* words, float* out, std::size_t blocks, bool stream) const {
    if (vectorised_) {
      kernels_.normal_avx_mathfun(words, out, blocks, mean_, std_, stream);
      return;
    }
    kernels_.uniform_float(words, out, 16 * blocks, unit_float, false);
    for (std::size_t b = 0; b < blocks; ++b)
      box_muller::glibc_float16(out + 16 * b, mean_, std_, scalar_fma_);
  }

 private:
  const fill_kernels::Kernels& kernels_;
  float mean_;
  float std_;
  bool vectorised_;
  bool scalar_fma_;
};

// docs/rng.md §3.1: float32, n >= 16, contiguous.
void normal_fill_float32(MT19937& engine, const NormalCall& call) {
  fill_blocks_of_16(engine, call.tensor.data_ptr<float>(), call.count(), 1, RaggedEnd::after_its_own_uniforms,
                    streams(call.tensor), FloatBoxMuller(call));
}

// docs/rng.md §3.2: float64, n >= 16, contiguous: 53-bit uniforms through glibc's double Box-Muller.
void normal_fill_float64(MT19937& engine, const NormalCall& call) {
  const bool fused = call.vectorised || call.behaviours.normal_scalar_fma;
  fill_blocks_of_16(engine, call.tensor.data_ptr<double>(), call.count(), 2,
                    RaggedEnd::after_its_own_uniforms, streams(call.tensor),
                    [&](const std::uint32_t* words, double* out, std::size_t blocks, bool) {
                      call.kernels.uniform_double(words, out, 16 * blocks, unit_double, false);
                      for (std::size_t b = 0; b < blocks; ++b)
                        box_muller::glibc_double16(out + 16 * b, call.mean, call.std, fused);
                    });
}

// A Half or BFloat16 tensor's elements as the bits the kernels write.
std::uint16_t* data_16bit(const Tensor& tensor) {
  return reinterpret_cast<std::uint16_t*>(tensor.raw_data());
}

// docs/rng.md §3.3 from 2.13: the float32 Box-Muller of §3.1 on blocks of 16 fresh words, each value
// rounded to the tensor's 16-bit type.
void normal_fill_16bit_blockwise(MT19937& engine, const NormalCall& call) {
  const FloatBoxMuller box_muller(call);
  const fill_kernels::Narrow narrow{.dtype = call.tensor.dtype()};
  fill_blocks_of_16(engine, data_16bit(call.tensor), call.count(), 1, RaggedEnd::right_after_full_blocks,
                    streams(call.tensor),
                    [&](const std::uint32_t* words, std::uint16_t* out, std::size_t blocks, bool stream) {
                      alignas(64) float values[chunk_elements];
                      box_muller(words, values, blocks, false);
                      call.kernels.narrow16(values, out, 16 * blocks, narrow, stream);
                    });
}

// The uniforms of PyTorch's scalar template normal_fill_16<T> (up to 2.12): a word's low 11 (Half) or
// 8 (BFloat16) bits, scaled to [0, 1) and stored as T.
template <class T>
constexpr int uniform_digits = std::is_same_v<T, Half> ? 11 : 8;
template <class T>
constexpr std::size_t uniform_count = std::size_t{1} << uniform_digits<T>;
template <class T>
constexpr fill_kernels::UniformFloat digits_wide_uniform{
    .mask = static_cast<std::uint32_t>(uniform_count<T> - 1),
    .scale = 1.0f / static_cast<float>(uniform_count<T>)};

// §3.3 up to 2.12, computed: the uniforms stored as T, then box_muller::reduced16 on each block.
template <class T>
void normal_fill_16bit_reduced(MT19937& engine, const NormalCall& call, bool rounds_each_op) {
  const fill_kernels::Narrow narrow{.dtype = call.tensor.dtype()};
  fill_blocks_of_16(engine, data_16bit(call.tensor), call.count(), 1, RaggedEnd::after_its_own_uniforms,
                    streams(call.tensor),
                    [&](const std::uint32_t* words, std::uint16_t* out, std::size_t blocks, bool) {
                      alignas(64) float values[chunk_elements];
                      call.kernels.uniform_float(words, values, 16 * blocks, digits_wide_uniform<T>, false);
                      call.kernels.narrow16(values, out, 16 * blocks, narrow, false);
                      for (std::size_t b = 0; b < blocks; ++b) {
                        box_muller::reduced16<T>(reinterpret_cast<T*>(out + 16 * b), T(call.mean),
                                                 T(call.std), rounds_each_op, call.vectorised);
                      }
                    });
}

// reduced16's C library calls tabulated over the 2^digits uniforms, which are made by the kernels the
// fill uses, so that the table holds the values the fill would compute.
template <class T>
box_muller::Reduced16Table<T> reduced16_table(const NormalCall& call, bool rounds_each_op) {
  std::uint32_t indices[uniform_count<T>];
  float widened[uniform_count<T>];
  T uniforms[uniform_count<T>];
  for (std::uint32_t k = 0; k < uniform_count<T>; ++k) indices[k] = k;
  call.kernels.uniform_float(indices, widened, uniform_count<T>, digits_wide_uniform<T>, false);
  call.kernels.narrow16(widened, reinterpret_cast<std::uint16_t*>(uniforms), uniform_count<T>,
                        {.dtype = call.tensor.dtype()}, false);
  return box_muller::Reduced16Table<T>(uniforms, rounds_each_op);
}

// §3.3 up to 2.12, tabulated: the same bits as normal_fill_16bit_reduced, a lookup and a few roundings
// per value.
template <class T>
void normal_fill_16bit_from_table(MT19937& engine, const NormalCall& call,
                                  const box_muller::Reduced16Table<T>& table) {
  fill_blocks_of_16(engine, data_16bit(call.tensor), call.count(), 1, RaggedEnd::after_its_own_uniforms,
                    streams(call.tensor),
                    [&](const std::uint32_t* words, std::uint16_t* out, std::size_t blocks, bool) {
                      for (std::size_t b = 0; b < blocks; ++b) {
                        table.block(words + 16 * b, reinterpret_cast<T*>(out + 16 * b), T(call.mean),
                                    T(call.std), call.vectorised);
                      }
                    });
}

// §3.3 up to 2.12, both outputs of every pair of uniforms tabulated: the same bits again, one lookup per
// value.
template <class T>
void normal_fill_16bit_from_pair_table(MT19937& engine, const NormalCall& call,
                                       const box_muller::Reduced16Table<T>& table) {
  const box_muller::Reduced16PairTable<T> pairs(table, T(call.mean), T(call.std), call.vectorised);
  fill_blocks_of_16(engine, data_16bit(call.tensor), call.count(), 1, RaggedEnd::after_its_own_uniforms,
                    streams(call.tensor),
                    [&](const std::uint32_t* words, std::uint16_t* out, std::size_t blocks, bool) {
                      for (std::size_t b = 0; b < blocks; ++b)
                        pairs.block(words + 16 * b, reinterpret_cast<T*>(out + 16 * b));
                    });
}

// docs/rng.md §3.3 up to 2.12: PyTorch's scalar template normal_fill_16<T>. Large fills look up what
// small ones compute: a table pays for itself from 16 values per uniform, a pair table (BFloat16's 8-bit
// uniforms only) from pair_table_elements.
template <class T>
void normal_fill_16bit_scalar_template(MT19937& engine, const NormalCall& call) {
  const bool rounds_each_op = std::is_same_v<T, BFloat16> || call.behaviours.half_math_rounds_each_op;
  if (call.count() < 16 * uniform_count<T>) {
    normal_fill_16bit_reduced<T>(engine, call, rounds_each_op);
    return;
  }
  const box_muller::Reduced16Table<T> table = reduced16_table<T>(call, rounds_each_op);
  if constexpr (std::is_same_v<T, BFloat16>) {
    if (call.count() >= pair_table_elements) {
      normal_fill_16bit_from_pair_table(engine, call, table);
      return;
    }
  }
  normal_fill_16bit_from_table(engine, call, table);
}

// docs/rng.md §3.3: float16 and bfloat16, n >= 16, contiguous: the release picks the kernel.
template <class T>
void normal_fill_16bit(MT19937& engine, const NormalCall& call) {
  if (call.behaviours.normal_16bit_blockwise) {
    normal_fill_16bit_blockwise(engine, call);
  } else {
    normal_fill_16bit_scalar_template<T>(engine, call);
  }
}

// A double in [0, 1) from the low 53 bits of random64().
double uniform53(TorchGenerator& gen) {
  return static_cast<double>(gen.random64() & ((std::uint64_t{1} << 53) - 1)) * 0x1p-53;
}

// at::normal_distribution<double>'s raw N(0, 1) sample (docs/rng.md §3.4): the generator's cached sample
// when it holds one (which empties the cache), otherwise a Box-Muller pair whose sine half is cached.
double standard_normal_with_cache(TorchGenerator& gen, bool use_log1p) {
  std::optional<double>& cached = gen.next_double_normal_sample();
  if (cached) {
    const double v = *cached;
    cached.reset();
    return v;
  }
  const double u1 = uniform53(gen);
  const double u2 = uniform53(gen);
  const double radius = std::sqrt(-2.0 * (use_log1p ? std::log1p(-u2) : std::log(1.0 - u2)));
  const double theta = 2.0 * 3.14159265358979323846 * u1;
  cached = radius * std::sin(theta);
  return radius * std::cos(theta);
}

// docs/rng.md §3.4: n < 16 or non-contiguous, any dtype: one sample per element in memory order, scaled
// in double (fused on avx2 and avx512) and rounded to the tensor's type. The only path that uses the
// generator's cached sample, hence the only one that takes the generator rather than its engine.
void normal_per_element(TorchGenerator& gen, const NormalCall& call) {
  const bool use_log1p = call.behaviours.normal_double_uses_log1p;
  auto sample = [&] {
    const double v = standard_normal_with_cache(gen, use_log1p);
    return call.vectorised ? std::fma(v, call.std, call.mean) : v * call.std + call.mean;
  };
  dispatch_floating(call.tensor.dtype(), [&](auto tag) {
    using T = decltype(tag);
    fill_serially<T>(call.tensor, [&] { return narrow_to<T>(sample()); });
  });
}

}  // namespace

// ATen's normal_kernel: the fill paths take n >= 16 row-major contiguous elements (a channels_last tensor
// is not contiguous), one per dtype; everything else goes element by element (docs/rng.md §3).
void TorchGenerator::normal_(const Tensor& tensor, double mean, double std) {
  if (!(std >= 0.0))
    throw RuntimeError(fmt::format("normal_: normal expects std >= 0.0, but found std {:g}", std));
  const DType dtype = tensor.dtype();
  if (dtype == DType::int64) throw_not_implemented_for(*release_, "normal_", "normal_kernel_cpu", dtype);
  if (tensor.numel() == 0) return;
  const NormalCall call{.tensor = tensor,
                        .mean = mean,
                        .std = std,
                        .vectorised = variant_.capability != TorchCapability::generic,
                        .behaviours = release_->random,
                        .kernels = fill_kernels::kernels()};
  if (tensor.numel() < 16 || !tensor.is_contiguous()) {
    normal_per_element(*this, call);  // §3.4
    return;
  }
  if (values_unneeded_) {  // the words fill_blocks_of_16 draws, path by path
    const auto count = static_cast<std::uint64_t>(tensor.numel());
    const std::uint64_t full = count / 16 * 16;
    const std::uint64_t words_per_value = dtype == DType::float64 ? 2 : 1;
    const bool is_16bit = dtype == DType::float16 || dtype == DType::bfloat16;
    const bool own_uniforms_first = !(is_16bit && release_->random.normal_16bit_blockwise);
    const std::uint64_t ragged = count == full ? 0 : (own_uniforms_first ? count - full : 0) + 16;
    engine_.discard((full + ragged) * words_per_value);
    return;
  }
  switch (dtype) {
    case DType::float32: normal_fill_float32(engine_, call); return;           // §3.1
    case DType::float64: normal_fill_float64(engine_, call); return;           // §3.2
    case DType::float16: normal_fill_16bit<Half>(engine_, call); return;       // §3.3
    case DType::bfloat16: normal_fill_16bit<BFloat16>(engine_, call); return;  // §3.3
    case DType::int64: return;                                                 // refused above
  }
}

// Tensor.random_(from, to) (ATen's random_from_to_kernel): one 32-bit draw per element, or a 64-bit one
// when the range needs it, reduced modulo the range, in memory order.
void TorchGenerator::random_(const Tensor& tensor, std::int64_t from, std::int64_t to) {
  if (tensor.dtype() != DType::int64) {
    throw TypeError(fmt::format("random_: nninit draws integers into int64 tensors only, got {}",
                                dtype_name(tensor.dtype())));
  }
  if (from >= to) {
    throw RuntimeError(fmt::format(
        "random_: random_ expects 'from' to be less than 'to', but got from={} >= to={}", from, to));
  }
  // ATen's random_from_to: range and sum in uint64, so that the whole int64 range wraps as in C++.
  const std::uint64_t range = static_cast<std::uint64_t>(to) - static_cast<std::uint64_t>(from);
  const std::uint64_t wide =
      release_->random.random_64bit_from_2_28 ? std::uint64_t{1} << 28 : std::uint64_t{1} << 32;
  const bool draws_64 = range >= wide;
  fill_serially<std::int64_t>(tensor, [&] {
    const std::uint64_t r = draws_64 ? random64() : random();
    return static_cast<std::int64_t>(r % range + static_cast<std::uint64_t>(from));
  });
}

Tensor TorchGenerator::randperm(std::int64_t n) {
  if (n < 0) throw RuntimeError(fmt::format("randperm: n must be non-negative, got{}", n));
  Tensor result = Tensor::empty({n}, DType::int64);
  std::int64_t* r = result.data_ptr<std::int64_t>();
  // 2.x switches to an inside-out shuffle with 64-bit draws at floor(UINT32_MAX / 20).
  constexpr std::int64_t inside_out_threshold = 214748364;
  if (release_->random.randperm_inside_out && n >= inside_out_threshold) {
    for (std::int64_t i = 0; i < n; ++i) {
      const auto z = static_cast<std::int64_t>(random64() % static_cast<std::uint64_t>(i + 1));
      r[i] = r[z];
      r[z] = i;
    }
    return result;
  }
  std::iota(r, r + n, std::int64_t{0});
  for (std::int64_t i = 0; i + 1 < n; ++i) {
    const auto z = static_cast<std::int64_t>(random() % static_cast<std::uint64_t>(n - i));
    std::swap(r[i], r[i + z]);
  }
  return result;
}

}  // namespace nninit
