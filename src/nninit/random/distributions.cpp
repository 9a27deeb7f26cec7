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

#include <fmt/format.h>

#include "nninit/core/error.h"
#include "nninit/core/memory_order.h"
#include "nninit/random/internal/box_muller.h"
#include "nninit/random/internal/checks.h"
#include "nninit/random/internal/fill_kernels.h"
#include "nninit/random/internal/parallel.h"
#include "nninit/random/torch_generator.h"

namespace nninit {
namespace {

// Elements per chunk: a chunk's words and values stay in the L1 cache. A multiple of 16 (normal_'s blocks).
constexpr std::size_t chunk_elements = 2048;
// Outputs at least this large are written with non-temporal stores, which do not read the destination
// into the caches first (measured by nninit_bench_fill: see docs/performance.md).
constexpr std::size_t streaming_bytes = std::size_t{8} << 20;
// From this many values on, the 16-bit normal_ of 1.13 to 2.12 tabulates both outputs of every pair of
// BFloat16 uniforms (box_muller::Reduced16PairTable: 131072 evaluations, then a lookup per value).
constexpr std::size_t pair_table_elements = std::size_t{1} << 20;

bool streams(const Tensor& tensor) {
  return static_cast<std::size_t>(tensor.numel()) * itemsize(tensor.dtype()) >= streaming_bytes;
}

// The unit uniforms of the fill paths: (word & 0xffffff) * 2^-24 and random64()'s 53 bits * 2^-53
// (x * 1 + 0 is x, fused or not).
constexpr fill_kernels::UniformFloat unit_float{};
constexpr fill_kernels::UniformDouble unit_double{};

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
  const auto threads = static_cast<std::size_t>(fill_thread_count());
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

// A double in [0, 1) from the low 53 bits of random64().
double uniform53(TorchGenerator& gen) {
  return static_cast<double>(gen.random64() & ((std::uint64_t{1} << 53) - 1)) * 0x1p-53;
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

void TorchGenerator::normal_(const Tensor& tensor, double mean, double std) {
  if (!(std >= 0.0))
    throw RuntimeError(fmt::format("normal_: normal expects std >= 0.0, but found std {:g}", std));
  const DType dtype = tensor.dtype();
  if (dtype == DType::int64) throw_not_implemented_for(*release_, "normal_", "normal_kernel_cpu", dtype);
  const std::int64_t n = tensor.numel();
  if (n == 0) return;
  const bool vectorised = variant_.capability != TorchCapability::generic;

  if (n >= 16 && tensor.is_contiguous()) {
    // The fill path: all uniforms first, then blocks of 16; a ragged end redraws and redoes the last
    // 16 values (docs/rng.md §3.1). The transform of a block reads only the block, so drawing and
    // transforming a chunk of blocks at a time, or ranges of blocks on threads, gives the same values.
    const auto count = static_cast<std::size_t>(n);
    const std::size_t full = count / 16 * 16;
    const bool stream = streams(tensor);
    const fill_kernels::Kernels& kernels = fill_kernels::kernels();
    // Runs transform(words, out, blocks, stream) over the full blocks, draws the ragged end's values,
    // then transforms 16 fresh values' words and writes them over the last 16 positions. `redraw_ragged`:
    // PyTorch's scalar template stores the ragged end's values first (the 16-bit blockwise kernel does not).
    auto fill = [&](auto* data, std::size_t words_per_value, bool redraw_ragged, auto&& transform) {
      using S = std::remove_pointer_t<decltype(data)>;
      // A discarded word costs a small fraction of a Box-Muller value.
      fill_in_parallel(engine_, full, words_per_value, 16, 0.05,
                       [&](MT19937& source, std::size_t begin, std::size_t end) {
                         alignas(64) std::uint32_t words[2 * chunk_elements];
                         for (std::size_t b = begin; b < end; b += chunk_elements) {
                           const std::size_t m = std::min(chunk_elements, end - b);
                           source.fill(words, m * words_per_value);
                           transform(words, data + b, m / 16, stream);
                         }
                       });
      if (count != full) {
        alignas(64) std::uint32_t words[32];
        if (redraw_ragged) engine_.discard((count - full) * words_per_value);
        engine_.fill(words, 16 * words_per_value);
        S tail[16];
        transform(words, tail, 1, false);
        std::copy(tail, tail + 16, data + count - 16);
      }
    };
    const auto mean_f = static_cast<float>(mean);
    const auto std_f = static_cast<float>(std);
    const bool scalar_fma = release_->random.normal_scalar_fma;
    // Float32 Box-Muller of `blocks` blocks of 16 words' uniforms, as the capability computes it.
    auto float_transform = [&](const std::uint32_t* block_words, float* out, std::size_t blocks, bool s) {
      if (vectorised) {
        kernels.normal_avx_mathfun(block_words, out, blocks, mean_f, std_f, s);
      } else {
        kernels.uniform_float(block_words, out, 16 * blocks, unit_float, false);
        for (std::size_t b = 0; b < blocks; ++b)
          box_muller::glibc_float16(out + 16 * b, mean_f, std_f, scalar_fma);
      }
    };
    switch (dtype) {
      case DType::float32: fill(tensor.data_ptr<float>(), 1, true, float_transform); return;
      case DType::float64:
        fill(tensor.data_ptr<double>(), 2, true,
             [&](const std::uint32_t* block_words, double* out, std::size_t blocks, bool) {
               kernels.uniform_double(block_words, out, 16 * blocks, unit_double, false);
               for (std::size_t b = 0; b < blocks; ++b) {
                 box_muller::glibc_double16(out + 16 * b, mean, std, vectorised || scalar_fma);
               }
             });
        return;
      default:
        dispatch_floating(dtype, [&](auto tag) {
          using T = decltype(tag);
          if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) {
            auto* data = reinterpret_cast<std::uint16_t*>(tensor.raw_data());
            const fill_kernels::Narrow narrow{.dtype = dtype};
            if (release_->random.normal_16bit_blockwise) {
              // Since 2.13: float32 Box-Muller on blocks of 16 fresh draws, each block rounded to T;
              // the ragged end takes the next 16 draws and rewrites the last 16 positions.
              fill(data, 1, false,
                   [&](const std::uint32_t* block_words, std::uint16_t* out, std::size_t blocks, bool s) {
                     alignas(64) float values[chunk_elements];
                     float_transform(block_words, values, blocks, false);
                     kernels.narrow16(values, out, 16 * blocks, narrow, s);
                   });
            } else {
              // The scalar template: digits-wide uniforms stored as T, then box_muller::reduced16.
              constexpr int digits = std::is_same_v<T, Half> ? 11 : 8;
              const fill_kernels::UniformFloat draw{.mask = (1u << digits) - 1u,
                                                    .scale = 1.0f / (1u << digits)};
              const bool rounds_each_op =
                  std::is_same_v<T, BFloat16> || release_->random.half_math_rounds_each_op;
              constexpr std::size_t uniform_count = std::size_t{1} << digits;
              if (count >= 16 * uniform_count) {
                // Large: the C library calls tabulated over the 2^digits uniforms, which are made by
                // the same kernels as the fill's.
                std::uint32_t indices[uniform_count];
                float widened[uniform_count];
                T uniforms[uniform_count];
                for (std::uint32_t k = 0; k < uniform_count; ++k) indices[k] = k;
                kernels.uniform_float(indices, widened, uniform_count, draw, false);
                kernels.narrow16(widened, reinterpret_cast<std::uint16_t*>(uniforms), uniform_count, narrow,
                                 false);
                const box_muller::Reduced16Table<T> table(uniforms, rounds_each_op);
                if constexpr (std::is_same_v<T, BFloat16>) {
                  if (count >= pair_table_elements) {
                    const box_muller::Reduced16PairTable<T> pairs(table, T(mean), T(std), vectorised);
                    fill(data, 1, true,
                         [&](const std::uint32_t* block_words, std::uint16_t* out, std::size_t blocks, bool) {
                           for (std::size_t b = 0; b < blocks; ++b)
                             pairs.block(block_words + 16 * b, reinterpret_cast<T*>(out + 16 * b));
                         });
                    return;
                  }
                }
                fill(data, 1, true,
                     [&](const std::uint32_t* block_words, std::uint16_t* out, std::size_t blocks, bool) {
                       for (std::size_t b = 0; b < blocks; ++b) {
                         table.block(block_words + 16 * b, reinterpret_cast<T*>(out + 16 * b), T(mean),
                                     T(std), vectorised);
                       }
                     });
                return;
              }
              fill(data, 1, true,
                   [&](const std::uint32_t* block_words, std::uint16_t* out, std::size_t blocks, bool) {
                     alignas(64) float values[chunk_elements];
                     kernels.uniform_float(block_words, values, 16 * blocks, draw, false);
                     kernels.narrow16(values, out, 16 * blocks, narrow, false);
                     for (std::size_t b = 0; b < blocks; ++b) {
                       box_muller::reduced16<T>(reinterpret_cast<T*>(out + 16 * b), T(mean), T(std),
                                                rounds_each_op, vectorised);
                     }
                   });
            }
          }
        });
        return;
    }
  }

  // numel < 16 or a non-contiguous tensor: at::normal_distribution<double> per element, whose second
  // Box-Muller sample is cached in the generator across calls (docs/rng.md §3.4).
  const bool use_log1p = release_->random.normal_double_uses_log1p;
  auto sample = [&, this] {
    double v;
    if (next_double_normal_) {
      v = *next_double_normal_;
      next_double_normal_.reset();
    } else {
      const double u1 = uniform53(*this);
      const double u2 = uniform53(*this);
      const double radius = std::sqrt(-2.0 * (use_log1p ? std::log1p(-u2) : std::log(1.0 - u2)));
      const double theta = 2.0 * 3.14159265358979323846 * u1;
      next_double_normal_ = radius * std::sin(theta);
      v = radius * std::cos(theta);
    }
    return vectorised ? std::fma(v, std, mean) : v * std + mean;
  };
  dispatch_floating(dtype, [&](auto tag) {
    using T = decltype(tag);
    fill_serially<T>(tensor, [&] { return narrow_to<T>(sample()); });
  });
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
