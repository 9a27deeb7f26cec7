#include "nninit/random/internal/philox_fill.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "nninit/core/threads.h"
#include "nninit/random/internal/fill_kernels.h"
#include "nninit/random/internal/normal_quantile.h"

namespace nninit::philox_fill {
namespace {

using philox_kernels::blocks_per_group;
using philox_kernels::Stream;
using philox_kernels::trunc_normal_attempts;

// Values per chunk of a staged run: they stay in the L1 cache. A multiple of every source's group.
constexpr std::int64_t chunk_elements = 2048;
// Outputs at least this large are written with non-temporal stores (as TorchGenerator's fills).
constexpr std::size_t streaming_bytes = std::size_t{8} << 20;
// Elements per thread at least.
constexpr std::int64_t parallel_grain = std::int64_t{1} << 16;
// Groups of words per batch in the float64 and int64 sources (8 KiB of words).
constexpr std::size_t word_batch_groups = 32;

Stream at_attempt(const Stream& stream, std::uint32_t attempt) {
  return {stream.key, stream.draw, attempt};
}

// The 64-bit value of words 2k (low half) and 2k + 1 (high half) of a block.
std::uint64_t word_pair(std::uint32_t low, std::uint32_t high) {
  return low | (std::uint64_t{high} << 32);
}

// ---- the value sources ------------------------------------------------------------------------------------
//
// A source computes the values of one draw by the whole parameter's element index: groups(g, n, out,
// stream) writes the per_group * n values of groups g .. g + n - 1, element(i) the value of element i. Both
// give the same value for an element (the float32 kernels and the per-element path share the transforms of
// philox_kernels.h).

// Float32 sources: group g is elements 64g .. 64g + 63, element 64g + 16k + l from word k of block 16g + l.
struct FloatPosition {
  std::uint64_t block;
  std::uint64_t word;
};
FloatPosition float_position(std::uint64_t i) {
  return {i / 64 * blocks_per_group + i % 16, i % 64 / 16};
}

struct UniformFloatSource {
  using Value = float;
  static constexpr std::uint64_t per_group = 64;
  const philox_kernels::Kernels& kernels;
  Stream stream;
  philox_kernels::UniformFloat params;

  void groups(std::uint64_t g, std::size_t n, float* out, bool streaming) const {
    kernels.uniform_float(stream, g, n, out, params, streaming);
  }
  float element(std::uint64_t i) const {
    const FloatPosition at = float_position(i);
    return philox_kernels::uniform_value(philox_kernels::block(stream, at.block)[at.word], params);
  }
};

float normal_float_element(const Stream& stream, std::uint64_t i, float mean, float std) {
  const FloatPosition at = float_position(i);
  const PhiloxCounter words = philox_kernels::block(stream, at.block);
  const std::uint64_t pair = at.word / 2;
  float cos_value;
  float sin_value;
  philox_kernels::normal_pair(words[2 * pair], words[2 * pair + 1], mean, std, cos_value, sin_value);
  return at.word % 2 == 0 ? cos_value : sin_value;
}

struct NormalFloatSource {
  using Value = float;
  static constexpr std::uint64_t per_group = 64;
  const philox_kernels::Kernels& kernels;
  Stream stream;
  float mean;
  float std;

  void groups(std::uint64_t g, std::size_t n, float* out, bool streaming) const {
    kernels.normal_float(stream, g, n, out, mean, std, streaming);
  }
  float element(std::uint64_t i) const { return normal_float_element(stream, i, mean, std); }
};

// trunc_normal_ in float32: the first of the attempts' normal_ values inside [low, high], otherwise the
// inverse CDF of u = (word + 1/2) 2^-32 from attempt trunc_normal_attempts, in double, rounded to float
// and kept in [low, high].
struct TruncNormalFloatSource {
  using Value = float;
  static constexpr std::uint64_t per_group = 64;
  const philox_kernels::Kernels& kernels;
  Stream stream;
  philox_kernels::TruncNormalFloat params;
  double mean;
  double std;
  TruncatedNormalQuantile quantile;

  float inverse_cdf(std::uint64_t i) const {
    const FloatPosition at = float_position(i);
    const std::uint32_t word =
        philox_kernels::block(at_attempt(stream, trunc_normal_attempts), at.block)[at.word];
    const double u = (static_cast<double>(word) + 0.5) * 0x1p-32;
    const auto v = static_cast<float>(std::fma(std, quantile(u), mean));
    return std::clamp(v, params.low, params.high);
  }
  void groups(std::uint64_t g, std::size_t n, float* out, bool) const {
    if (kernels.trunc_normal_float(stream, g, n, out, params) == 0) return;
    for (std::size_t j = 0; j < n * per_group; ++j) {
      if (std::isnan(out[j])) out[j] = inverse_cdf(g * per_group + j);
    }
  }
  float element(std::uint64_t i) const {
    for (std::uint32_t attempt = 0; attempt < trunc_normal_attempts; ++attempt) {
      const float v = normal_float_element(at_attempt(stream, attempt), i, params.mean, params.std);
      if (v >= params.low && v <= params.high) return v;
    }
    return inverse_cdf(i);
  }
};

// Float64 sources: group g is elements 32g .. 32g + 31, element 32g + 16k + l from words 2k and 2k + 1 of
// block 16g + l. They run the same scalar code at every CPU level, on words from the `words` kernel.
struct DoublePosition {
  std::uint64_t block;
  std::uint64_t pair;  // 0: words 0 and 1; 1: words 2 and 3
};
DoublePosition double_position(std::uint64_t i) {
  return {i / 32 * blocks_per_group + i % 16, i % 32 / 16};
}

// Calls fn(group_words, group_out) for groups g .. g + n - 1 of the stream (32 values out per group).
template <class Fn>
void for_each_double_group(const philox_kernels::Kernels& kernels, const Stream& stream, std::uint64_t g,
                           std::size_t n, double* out, Fn&& fn) {
  alignas(64) std::uint32_t words[word_batch_groups * philox_kernels::words_per_group];
  for (std::size_t done = 0; done < n;) {
    const std::size_t batch = std::min(word_batch_groups, n - done);
    kernels.words(stream, g + done, batch, words);
    for (std::size_t b = 0; b < batch; ++b)
      fn(words + b * philox_kernels::words_per_group, out + (done + b) * 32);
    done += batch;
  }
}

struct UniformDouble {
  double from;
  double range;
  double to;
  double below_to;
};

// x = (r >> 11) * 2^-53, v = fma(x, range, from); a v that rounded up to `to` becomes below_to.
double uniform_double_value(std::uint64_t r, const UniformDouble& p) {
  const double x = static_cast<double>(r >> 11) * 0x1p-53;
  const double v = std::fma(x, p.range, p.from);
  return v >= p.to ? p.below_to : v;
}

// Box-Muller in double with the C library's log, cos and sin: u1 = 1 - (first >> 11) 2^-53 in (0, 1],
// u2 = (second >> 11) 2^-53.
void normal_double_pair(std::uint64_t first, std::uint64_t second, double mean, double std, double& cos_value,
                        double& sin_value) {
  const double u1 = 1.0 - static_cast<double>(first >> 11) * 0x1p-53;
  const double u2 = static_cast<double>(second >> 11) * 0x1p-53;
  const double radius = std::sqrt(-2.0 * std::log(u1));
  const double theta = 6.283185307179586 * u2;  // the double nearest 2 pi
  cos_value = std::fma(radius * std::cos(theta), std, mean);
  sin_value = std::fma(radius * std::sin(theta), std, mean);
}

struct UniformDoubleSource {
  using Value = double;
  static constexpr std::uint64_t per_group = 32;
  const philox_kernels::Kernels& kernels;
  Stream stream;
  UniformDouble params;

  void groups(std::uint64_t g, std::size_t n, double* out, bool) const {
    for_each_double_group(kernels, stream, g, n, out, [&](const std::uint32_t* w, double* o) {
      for (std::uint64_t k = 0; k < 2; ++k) {
        for (std::uint64_t l = 0; l < 16; ++l) {
          o[16 * k + l] = uniform_double_value(word_pair(w[32 * k + l], w[32 * k + 16 + l]), params);
        }
      }
    });
  }
  double element(std::uint64_t i) const {
    const DoublePosition at = double_position(i);
    const PhiloxCounter w = philox_kernels::block(stream, at.block);
    return uniform_double_value(word_pair(w[2 * at.pair], w[2 * at.pair + 1]), params);
  }
};

void normal_double_group(const std::uint32_t* w, double mean, double std, double* out) {
  for (std::uint64_t l = 0; l < 16; ++l) {
    normal_double_pair(word_pair(w[l], w[16 + l]), word_pair(w[32 + l], w[48 + l]), mean, std, out[l],
                       out[16 + l]);
  }
}

double normal_double_element(const Stream& stream, std::uint64_t i, double mean, double std) {
  const DoublePosition at = double_position(i);
  const PhiloxCounter w = philox_kernels::block(stream, at.block);
  double cos_value;
  double sin_value;
  normal_double_pair(word_pair(w[0], w[1]), word_pair(w[2], w[3]), mean, std, cos_value, sin_value);
  return at.pair == 0 ? cos_value : sin_value;
}

struct NormalDoubleSource {
  using Value = double;
  static constexpr std::uint64_t per_group = 32;
  const philox_kernels::Kernels& kernels;
  Stream stream;
  double mean;
  double std;

  void groups(std::uint64_t g, std::size_t n, double* out, bool) const {
    for_each_double_group(kernels, stream, g, n, out,
                          [&](const std::uint32_t* w, double* o) { normal_double_group(w, mean, std, o); });
  }
  double element(std::uint64_t i) const { return normal_double_element(stream, i, mean, std); }
};

// trunc_normal_ in float64: as in float32, with the float64 normal_ and u = ((r >> 12) + 1/2) 2^-52 from
// the element's word pair at attempt trunc_normal_attempts.
struct TruncNormalDoubleSource {
  using Value = double;
  static constexpr std::uint64_t per_group = 32;
  const philox_kernels::Kernels& kernels;
  Stream stream;
  double mean;
  double std;
  double a;
  double b;
  TruncatedNormalQuantile quantile;

  double inverse_cdf(std::uint64_t r) const {
    const double u = (static_cast<double>(r >> 12) + 0.5) * 0x1p-52;
    return std::clamp(std::fma(std, quantile(u), mean), a, b);
  }
  void groups(std::uint64_t g, std::size_t n, double* out, bool) const {
    for (std::size_t j = 0; j < n; ++j) {
      double* o = out + j * per_group;
      bool pending[per_group];
      std::fill(std::begin(pending), std::end(pending), true);
      for (std::uint32_t attempt = 0; attempt < trunc_normal_attempts; ++attempt) {
        double values[per_group];
        for_each_double_group(
            kernels, at_attempt(stream, attempt), g + j, 1, values,
            [&](const std::uint32_t* w, double* v) { normal_double_group(w, mean, std, v); });
        for (std::uint64_t e = 0; e < per_group; ++e) {
          if (pending[e] && values[e] >= a && values[e] <= b) {
            o[e] = values[e];
            pending[e] = false;
          }
        }
      }
      if (std::find(std::begin(pending), std::end(pending), true) == std::end(pending)) continue;
      for (std::uint64_t e = 0; e < per_group; ++e) {
        if (pending[e]) o[e] = element_inverse_cdf((g + j) * per_group + e);
      }
    }
  }
  double element_inverse_cdf(std::uint64_t i) const {
    const DoublePosition at = double_position(i);
    const PhiloxCounter w = philox_kernels::block(at_attempt(stream, trunc_normal_attempts), at.block);
    return inverse_cdf(word_pair(w[2 * at.pair], w[2 * at.pair + 1]));
  }
  double element(std::uint64_t i) const {
    for (std::uint32_t attempt = 0; attempt < trunc_normal_attempts; ++attempt) {
      const double v = normal_double_element(at_attempt(stream, attempt), i, mean, std);
      if (v >= a && v <= b) return v;
    }
    return element_inverse_cdf(i);
  }
};

// a * b as 128 bits.
void multiply(std::uint64_t a, std::uint64_t b, std::uint64_t& high, std::uint64_t& low) {
  const std::uint64_t a0 = a & 0xffffffffu;
  const std::uint64_t a1 = a >> 32;
  const std::uint64_t b0 = b & 0xffffffffu;
  const std::uint64_t b1 = b >> 32;
  const std::uint64_t p00 = a0 * b0;
  const std::uint64_t p01 = a0 * b1;
  const std::uint64_t p10 = a1 * b0;
  const std::uint64_t middle = (p00 >> 32) + (p01 & 0xffffffffu) + (p10 & 0xffffffffu);
  low = (middle << 32) | (p00 & 0xffffffffu);
  high = a1 * b1 + (p01 >> 32) + (p10 >> 32) + (middle >> 32);
}

// random_: element i is block i; with r = its 128 bits (word 0 lowest), from + floor(r * range / 2^128).
struct RandomSource {
  using Value = std::int64_t;
  static constexpr std::uint64_t per_group = 16;
  const philox_kernels::Kernels& kernels;
  Stream stream;
  std::uint64_t from;
  std::uint64_t range;

  std::int64_t value(std::uint32_t w0, std::uint32_t w1, std::uint32_t w2, std::uint32_t w3) const {
    std::uint64_t high_high;
    std::uint64_t high_low;
    std::uint64_t low_high;
    std::uint64_t low_low;
    multiply(word_pair(w2, w3), range, high_high, high_low);
    multiply(word_pair(w0, w1), range, low_high, low_low);
    const std::uint64_t sum = high_low + low_high;
    const std::uint64_t carry = sum < high_low ? 1 : 0;
    return static_cast<std::int64_t>(from + high_high + carry);
  }
  void groups(std::uint64_t g, std::size_t n, std::int64_t* out, bool) const {
    alignas(64) std::uint32_t w[word_batch_groups * philox_kernels::words_per_group];
    for (std::size_t done = 0; done < n;) {
      const std::size_t batch = std::min(word_batch_groups, n - done);
      kernels.words(stream, g + done, batch, w);
      for (std::size_t b = 0; b < batch; ++b) {
        const std::uint32_t* group = w + b * philox_kernels::words_per_group;
        for (std::uint64_t l = 0; l < 16; ++l) {
          out[(done + b) * 16 + l] = value(group[l], group[16 + l], group[32 + l], group[48 + l]);
        }
      }
      done += batch;
    }
  }
  std::int64_t element(std::uint64_t i) const {
    const PhiloxCounter w = philox_kernels::block(stream, i);
    return value(w[0], w[1], w[2], w[3]);
  }
};

// Values of elements first .. first + count - 1 into out: whole groups straight into `out`, a partial group
// at either end through a small buffer.
template <class Source>
void values_of(const Source& source, std::uint64_t first, std::uint64_t count, typename Source::Value* out,
               bool streaming) {
  constexpr std::uint64_t per_group = Source::per_group;
  typename Source::Value partial[per_group];
  std::uint64_t g = first / per_group;
  std::uint64_t done = 0;
  if (const std::uint64_t skip = first % per_group; skip != 0) {
    source.groups(g, 1, partial, false);
    done = std::min(count, per_group - skip);
    std::copy(partial + skip, partial + skip + done, out);
    ++g;
  }
  if (const std::uint64_t whole = (count - done) / per_group; whole > 0) {
    source.groups(g, whole, out + done, streaming);
    done += whole * per_group;
    g += whole;
  }
  if (done < count) {
    source.groups(g, 1, partial, false);
    std::copy(partial, partial + (count - done), out + done);
  }
}

// ---- walking the tensor -----------------------------------------------------------------------------------

// The part's dimensions, outermost first, without size-1 dimensions, and neighbours merged where they are
// contiguous with each other both in the part's storage and in the whole's index.
struct Layout {
  std::vector<std::int64_t> sizes;
  std::vector<std::int64_t> part_strides;
  std::vector<std::int64_t> whole_strides;
  std::int64_t whole_offset = 0;
};

Layout layout_of(const Tensor& part, const PhiloxSlice& where) {
  Layout layout;
  layout.whole_offset = where.offset;
  for (std::size_t d = 0; d < where.sizes.size(); ++d) {
    const std::int64_t size = where.sizes[d];
    if (size == 1) continue;
    const std::int64_t part_stride = part.strides()[d];
    const std::int64_t whole_stride = where.strides[d];
    if (!layout.sizes.empty() && layout.part_strides.back() == part_stride * size &&
        layout.whole_strides.back() == whole_stride * size) {
      layout.sizes.back() *= size;
      layout.part_strides.back() = part_stride;
      layout.whole_strides.back() = whole_stride;
    } else {
      layout.sizes.push_back(size);
      layout.part_strides.push_back(part_stride);
      layout.whole_strides.push_back(whole_stride);
    }
  }
  if (layout.sizes.empty()) {  // a single element
    layout.sizes = {1};
    layout.part_strides = {1};
    layout.whole_strides = {1};
  }
  return layout;
}

// Calls fn(part_offset, whole_index, length, part_stride, whole_stride) for the runs of the innermost
// dimension that cover the part's elements [begin, end) in row-major order.
template <class Fn>
void for_each_run(const Layout& layout, std::int64_t begin, std::int64_t end, Fn&& fn) {
  const auto outer_dims = static_cast<std::int64_t>(layout.sizes.size()) - 1;
  const std::int64_t inner = layout.sizes.back();
  const std::int64_t part_step = layout.part_strides.back();
  const std::int64_t whole_step = layout.whole_strides.back();
  std::vector<std::int64_t> index(static_cast<std::size_t>(outer_dims), 0);
  std::int64_t part_offset = 0;
  std::int64_t whole_index = layout.whole_offset;
  std::int64_t rest = begin / inner;
  for (std::int64_t d = outer_dims - 1; d >= 0; --d) {
    const auto u = static_cast<std::size_t>(d);
    index[u] = rest % layout.sizes[u];
    rest /= layout.sizes[u];
    part_offset += index[u] * layout.part_strides[u];
    whole_index += index[u] * layout.whole_strides[u];
  }
  std::int64_t within = begin % inner;
  for (std::int64_t e = begin; e < end;) {
    const std::int64_t length = std::min(inner - within, end - e);
    fn(part_offset + within * part_step, whole_index + within * whole_step, length, part_step, whole_step);
    e += length;
    within = 0;
    for (std::int64_t d = outer_dims - 1; d >= 0; --d) {
      const auto u = static_cast<std::size_t>(d);
      part_offset += layout.part_strides[u];
      whole_index += layout.whole_strides[u];
      if (++index[u] < layout.sizes[u]) break;
      part_offset -= layout.part_strides[u] * layout.sizes[u];
      whole_index -= layout.whole_strides[u] * layout.sizes[u];
      index[u] = 0;
    }
  }
}

// Writes the source's values into `part`, in parallel. A run over consecutive whole indices into
// consecutive storage of the value type is computed in place; any other run is staged a chunk at a time,
// its values computed group by group (consecutive whole indices) or element by element, then stored,
// rounded to float16 or bfloat16 when the part has one of those dtypes.
template <class Source>
void write(const Tensor& part, const PhiloxSlice& where, const Source& source) {
  using Value = typename Source::Value;
  const Layout layout = layout_of(part, where);
  const DType dtype = part.dtype();
  const bool narrow = dtype == DType::float16 || dtype == DType::bfloat16;
  const bool streaming = static_cast<std::size_t>(part.numel()) * itemsize(dtype) >= streaming_bytes;
  const fill_kernels::Kernels& fill = fill_kernels::kernels();
  const fill_kernels::Narrow narrowing{.dtype = dtype};
  std::byte* const base = part.raw_data();
  parallel_for(part.numel(), parallel_grain, [&](std::int64_t begin, std::int64_t end) {
    alignas(64) Value values[chunk_elements];
    alignas(64) std::uint16_t narrowed[chunk_elements];
    for_each_run(
        layout, begin, end,
        [&](std::int64_t part_offset, std::int64_t whole_index, std::int64_t length, std::int64_t part_stride,
            std::int64_t whole_stride) {
          const auto first = static_cast<std::uint64_t>(whole_index);
          if (!narrow && part_stride == 1 && whole_stride == 1) {
            values_of(source, first, static_cast<std::uint64_t>(length),
                      reinterpret_cast<Value*>(base) + part_offset, streaming);
            return;
          }
          for (std::int64_t i = 0; i < length;) {
            std::int64_t n = std::min(length - i, chunk_elements);
            if (whole_stride == 1) {
              // End chunks on group boundaries, so that no group is computed twice.
              const auto into_group =
                  static_cast<std::int64_t>((first + static_cast<std::uint64_t>(i)) % Source::per_group);
              n = std::min(n, chunk_elements - into_group);
              values_of(source, first + static_cast<std::uint64_t>(i), static_cast<std::uint64_t>(n), values,
                        false);
            } else {
              for (std::int64_t k = 0; k < n; ++k) {
                values[k] = source.element(static_cast<std::uint64_t>(whole_index + (i + k) * whole_stride));
              }
            }
            const std::int64_t at = part_offset + i * part_stride;
            if constexpr (std::is_same_v<Value, float>) {
              if (narrow) {
                auto* out = reinterpret_cast<std::uint16_t*>(base) + at;
                if (part_stride == 1) {
                  fill.narrow16(values, out, static_cast<std::size_t>(n), narrowing, streaming);
                } else {
                  fill.narrow16(values, narrowed, static_cast<std::size_t>(n), narrowing, false);
                  for (std::int64_t k = 0; k < n; ++k) out[k * part_stride] = narrowed[k];
                }
                i += n;
                continue;
              }
            }
            Value* out = reinterpret_cast<Value*>(base) + at;
            for (std::int64_t k = 0; k < n; ++k) out[k * part_stride] = values[k];
            i += n;
          }
        });
  });
}

// Float32 results for the floating dtypes other than float64.
bool computes_in_float(DType dtype) {
  return dtype != DType::float64;
}

}  // namespace

float float_at_or_above(double a) {
  const auto f = static_cast<float>(a);
  return static_cast<double>(f) < a ? std::nextafter(f, std::numeric_limits<float>::infinity()) : f;
}

float float_at_or_below(double b) {
  const auto f = static_cast<float>(b);
  return static_cast<double>(f) > b ? std::nextafter(f, -std::numeric_limits<float>::infinity()) : f;
}

void uniform(const Stream& stream, const Tensor& part, const PhiloxSlice& where, double from, double to) {
  const philox_kernels::Kernels& kernels = philox_kernels::kernels();
  if (computes_in_float(part.dtype())) {
    const auto from_f = static_cast<float>(from);
    const auto to_f = static_cast<float>(to);
    const float below_to = from_f < to_f ? std::nextafter(to_f, from_f) : from_f;
    write(part, where, UniformFloatSource{kernels, stream, {from_f, to_f - from_f, to_f, below_to}});
  } else {
    const double below_to = from < to ? std::nextafter(to, from) : from;
    write(part, where, UniformDoubleSource{kernels, stream, {from, to - from, to, below_to}});
  }
}

void normal(const Stream& stream, const Tensor& part, const PhiloxSlice& where, double mean, double std) {
  const philox_kernels::Kernels& kernels = philox_kernels::kernels();
  if (computes_in_float(part.dtype())) {
    write(part, where, NormalFloatSource{kernels, stream, static_cast<float>(mean), static_cast<float>(std)});
  } else {
    write(part, where, NormalDoubleSource{kernels, stream, mean, std});
  }
}

void trunc_normal(const Stream& stream, const Tensor& part, const PhiloxSlice& where, double mean, double std,
                  double a, double b) {
  const philox_kernels::Kernels& kernels = philox_kernels::kernels();
  const TruncatedNormalQuantile quantile((a - mean) / std, (b - mean) / std);
  if (computes_in_float(part.dtype())) {
    const philox_kernels::TruncNormalFloat params{static_cast<float>(mean), static_cast<float>(std),
                                                  float_at_or_above(a), float_at_or_below(b)};
    write(part, where, TruncNormalFloatSource{kernels, stream, params, mean, std, quantile});
  } else {
    write(part, where, TruncNormalDoubleSource{kernels, stream, mean, std, a, b, quantile});
  }
}

void random(const Stream& stream, const Tensor& part, const PhiloxSlice& where, std::int64_t from,
            std::int64_t to) {
  const auto low = static_cast<std::uint64_t>(from);
  write(part, where,
        RandomSource{philox_kernels::kernels(), stream, low, static_cast<std::uint64_t>(to) - low});
}

std::uint64_t permutation_key(const Stream& stream, std::uint64_t k) {
  const PhiloxCounter w = philox_kernels::block(stream, k);
  return word_pair(w[0], w[1]);
}

}  // namespace nninit::philox_fill
