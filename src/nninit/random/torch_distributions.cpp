// TorchGenerator's uniform_, normal_ and randperm: ATen's CPU kernels, path by path
// (torch-semantics §2, §3, §5). Every kernel draws serially in PyTorch's memory order.
#include <cmath>
#include <limits>
#include <numeric>

#include <fmt/format.h>

#include "nninit/core/error.h"
#include "nninit/core/memory_order.h"
#include "nninit/random/box_muller.h"
#include "nninit/random/torch_generator.h"

namespace nninit {
namespace {

// A float in [0, 1) from the low 24 bits of one draw; a double from the low 53 bits of random64().
float uniform24(TorchGenerator& gen) {
  return static_cast<float>(gen.random() & 0xffffffu) * 0x1p-24f;
}
double uniform53(TorchGenerator& gen) {
  return static_cast<double>(gen.random64() & ((std::uint64_t{1} << 53) - 1)) * 0x1p-53;
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

// Writes values produced by `next()` into the tensor in memory order.
template <class T, class Next>
void fill_serially(const Tensor& tensor, Next&& next) {
  T* base = reinterpret_cast<T*>(tensor.raw_data());
  for_each_memory_offset(tensor, [&](std::int64_t offset) { base[offset] = next(); });
}

}  // namespace

void TorchGenerator::uniform_(const Tensor& tensor, double from, double to) {
  const DType dtype = tensor.dtype();
  if (dtype == DType::int64) throw_not_implemented_for(behaviour_, "uniform_", "check_uniform_bounds", dtype);
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
  if (tensor.numel() == 0) return;

  // The vectorised builds contracted x * range + from into one fma (torch-semantics §2, §4).
  const bool fused = variant_.capability != Capability::generic;
  const bool clamp = behaviour_.uniform_clamps_to_from;
  auto float_uniform = [&, from_f = static_cast<float>(from), to_f = static_cast<float>(to)] {
    const float range = to_f - from_f;
    const float x = uniform24(*this);
    const float v = fused ? std::fma(x, range, from_f) : x * range + from_f;
    return clamp && v == to_f ? from_f : v;
  };
  switch (dtype) {
    case DType::float32: fill_serially<float>(tensor, float_uniform); break;
    case DType::float64:
      fill_serially<double>(tensor, [&] {
        const double x = uniform53(*this);
        const double v = fused ? std::fma(x, to - from, from) : x * (to - from) + from;
        return clamp && v == to ? from : v;
      });
      break;
    default:
      dispatch_floating(dtype, [&](auto tag) {
        using T = decltype(tag);
        if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) {
          const T from_t(from);
          const T to_t(to);
          if (behaviour_.uniform_16bit_via_float) {
            // Since 2.10: the float32 algorithm, rounded once to T; a result equal to T(to) becomes T(from).
            fill_serially<T>(tensor, [&] {
              const T v(float_uniform());
              return static_cast<float>(v) == static_cast<float>(to_t) ? from_t : v;
            });
          } else {
            // Up to 2.9: digits-wide uniforms (11 for Half, 8 for BFloat16), bounds rounded to T and
            // their difference rounded to T (c10's T - T returns T).
            constexpr int digits = std::is_same_v<T, Half> ? 11 : 8;
            const float from_f = from_t;
            const float range = T(static_cast<float>(to_t) - from_f);
            fill_serially<T>(tensor, [&] {
              const float x = static_cast<float>(random() & ((1u << digits) - 1u)) * (1.0f / (1u << digits));
              return T(fused ? std::fma(x, range, from_f) : x * range + from_f);
            });
          }
        }
      });
  }
}

void TorchGenerator::normal_(const Tensor& tensor, double mean, double std) {
  if (!(std >= 0.0))
    throw RuntimeError(fmt::format("normal_: normal expects std >= 0.0, but found std {:g}", std));
  const DType dtype = tensor.dtype();
  if (dtype == DType::int64) throw_not_implemented_for(behaviour_, "normal_", "normal_kernel_cpu", dtype);
  const std::int64_t n = tensor.numel();
  if (n == 0) return;
  const bool vectorised = variant_.capability != Capability::generic;

  if (n >= 16 && tensor.is_contiguous()) {
    // The fill path: all uniforms first, then blocks of 16; a ragged end redraws and redoes the
    // last 16 values (torch-semantics §3.1).
    auto fill = [n](auto* data, auto&& draw, auto&& transform) {
      for (std::int64_t i = 0; i < n; ++i) data[i] = draw();
      for (std::int64_t b = 0; b + 16 <= n; b += 16) transform(data + b);
      if (n % 16 != 0) {
        auto* tail = data + n - 16;
        for (int i = 0; i < 16; ++i) tail[i] = draw();
        transform(tail);
      }
    };
    const auto mean_f = static_cast<float>(mean);
    const auto std_f = static_cast<float>(std);
    auto float_transform = [&](float* block) {
      if (vectorised) {
        box_muller::avx_mathfun16(block, mean_f, std_f);
      } else {
        box_muller::glibc_float16(block, mean_f, std_f, behaviour_.normal_scalar_fma);
      }
    };
    auto draw_float = [this] { return uniform24(*this); };
    switch (dtype) {
      case DType::float32: fill(tensor.data_ptr<float>(), draw_float, float_transform); return;
      case DType::float64:
        fill(
            tensor.data_ptr<double>(), [this] { return uniform53(*this); },
            [&](double* block) {
              box_muller::glibc_double16(block, mean, std, vectorised || behaviour_.normal_scalar_fma);
            });
        return;
      default:
        dispatch_floating(dtype, [&](auto tag) {
          using T = decltype(tag);
          if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) {
            T* data = tensor.data_ptr<T>();
            if (behaviour_.normal_16bit_blockwise) {
              // Since 2.12: float32 Box-Muller on blocks of 16 fresh draws, each block rounded to T;
              // the ragged end takes the next 16 draws and rewrites the last 16 positions.
              float block[16];
              auto emit = [&](T* out) {
                for (float& u : block) u = uniform24(*this);
                float_transform(block);
                for (int i = 0; i < 16; ++i) out[i] = T(block[i]);
              };
              for (std::int64_t b = 0; b + 16 <= n; b += 16) emit(data + b);
              if (n % 16 != 0) emit(data + n - 16);
            } else {
              constexpr int digits = std::is_same_v<T, Half> ? 11 : 8;
              auto draw = [this] {
                return T(static_cast<float>(random() & ((1u << digits) - 1u)) * (1.0f / (1u << digits)));
              };
              const bool rounds_each_op = std::is_same_v<T, BFloat16> || behaviour_.half_math_rounds_each_op;
              fill(data, draw, [&](T* block) {
                box_muller::reduced16<T>(block, T(mean), T(std), rounds_each_op, vectorised);
              });
            }
          }
        });
        return;
    }
  }

  // numel < 16 or a non-contiguous tensor: at::normal_distribution<double> per element, whose second
  // Box-Muller sample is cached in the generator across calls (torch-semantics §3.4).
  const bool use_log1p = behaviour_.normal_double_uses_log1p;
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

Tensor TorchGenerator::randperm(std::int64_t n) {
  if (n < 0) throw RuntimeError(fmt::format("randperm: n must be non-negative, got{}", n));
  Tensor result = Tensor::empty({n}, DType::int64);
  std::int64_t* r = result.data_ptr<std::int64_t>();
  // 2.x switches to an inside-out shuffle with 64-bit draws at floor(UINT32_MAX / 20).
  constexpr std::int64_t inside_out_threshold = 214748364;
  if (behaviour_.randperm_inside_out && n >= inside_out_threshold) {
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
