// TorchGenerator::trunc_normal_: the sampling half of torch.nn.init.trunc_normal_, replayed tensor op
// by tensor op so that every draw and every rounding is PyTorch's (docs/rng.md §6).
//
//  - up to 2.10, inverse CDF: uniform_(2l-1, 2u-1), erfinv_, mul_(std*sqrt(2)), add_(mean), clamp_(a, b);
//  - since 2.11, when the window holds more than 30% of the mass, normal_ and redraw the outliers
//    from full-size normal_ tensors until none is left; otherwise rejection from a uniform proposal,
//    again drawing full-size tensors each round.
// Elementwise steps run on the logical order of the elements; draws follow each tensor's memory order.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "nninit/core/error.h"
#include "nninit/core/memory_order.h"
#include "nninit/core/threads.h"
#include "nninit/random/internal/erfinv.h"
#include "nninit/random/torch_generator.h"

namespace nninit {
namespace {

// Elements per thread at least, for the elementwise steps.
constexpr std::int64_t parallel_grain = std::int64_t{1} << 14;
// From this many 16-bit elements on, erfinv_'s steps are tabulated over all 65536 inputs.
constexpr std::int64_t table_elements = std::int64_t{1} << 18;

// The elements of a tensor in logical order, and the reverse.
template <class T>
std::vector<T> gather(const Tensor& tensor) {
  std::vector<T> values;
  values.reserve(static_cast<std::size_t>(tensor.numel()));
  const T* base = reinterpret_cast<const T*>(tensor.raw_data());
  for_each_logical_offset(tensor, [&](std::int64_t offset) { values.push_back(base[offset]); });
  return values;
}

template <class T>
void scatter(const Tensor& tensor, const std::vector<T>& values) {
  T* base = reinterpret_cast<T*>(tensor.raw_data());
  std::size_t i = 0;
  for_each_logical_offset(tensor, [&](std::int64_t offset) { base[offset] = values[i++]; });
}

// A binary op of a T tensor with a Python float, as ATen computes it: in T's "opmath" type (float for
// the 16-bit types), the result rounded to T. The scalar itself is first converted to T for add_ and
// sub_ (and in 1.13 for mul_), but kept in opmath precision by mul_ (2.x) and div_.
template <class T>
using OpMath = std::conditional_t<std::is_same_v<T, double>, double, float>;

double norm_cdf(double x) {
  return (1.0 + std::erf(x / std::sqrt(2.0))) / 2.0;
}

template <class T>
void inverse_cdf(TorchGenerator& gen, const Tensor& tensor, double mean, double std, double a, double b) {
  const double l = norm_cdf((a - mean) / std);
  const double u = norm_cdf((b - mean) / std);
  gen.uniform_(tensor, 2 * l - 1, 2 * u - 1);
  if (std::is_same_v<T, Half> && !gen.release().init.erfinv_supports_half) {
    // PyTorch has drawn and filled the uniforms by the time erfinv_ fails.
    throw_not_implemented_for(gen.release(), "trunc_normal_", "erfinv_vml_cpu", DType::float16);
  }
  const bool fused = gen.variant().capability != TorchCapability::generic;
  using M = OpMath<T>;
  // mul_(std * sqrt(2)) rounds the Python float to a 16-bit dtype first in 1.13 only; add_(mean) does
  // in every release (see the note on OpMath).
  const M scale = gen.release().random.reduced_float_mul_in_opmath
                      ? static_cast<M>(std * std::sqrt(2.0))
                      : static_cast<M>(narrow_to<T>(std * std::sqrt(2.0)));
  const M shift = static_cast<M>(narrow_to<T>(mean));
  const T low = narrow_to<T>(a);
  const T high = narrow_to<T>(b);
  const bool correctly_rounded_erf = gen.release().random.erff_correctly_rounded;
  // mul_, add_ and clamp_ after erfinv_.
  auto finish = [&](T x) {
    x = narrow_to<T>(static_cast<M>(x) * scale);  // mul_(std * sqrt(2))
    x = narrow_to<T>(static_cast<M>(x) + shift);  // add_(mean)
    // clamp_(min=a, max=b): max then min; NaN stays NaN.
    if (static_cast<M>(x) < static_cast<M>(low)) x = low;
    if (static_cast<M>(x) > static_cast<M>(high)) x = high;
    return x;
  };
  auto transform = [&](T v) {
    if constexpr (std::is_same_v<M, float>) {
      return finish(narrow_to<T>(calc_erfinv(static_cast<M>(v), fused, correctly_rounded_erf)));
    } else {
      return finish(narrow_to<T>(calc_erfinv(static_cast<M>(v), fused)));
    }
  };
  // Each element depends on itself only, so the elements are split over threads (as ATen's erfinv_
  // is) and, for a contiguous tensor, transformed in place.
  auto transform_all = [&](T* values, std::int64_t n) {
    if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) {
      // A 16-bit value has 65536 possible bits: for a large tensor, transform each once and look it up.
      if (n >= table_elements) {
        std::vector<T> table(std::size_t{1} << 16);
        parallel_for(std::int64_t{1} << 16, parallel_grain, [&](std::int64_t begin, std::int64_t end) {
          for (std::int64_t bits = begin; bits < end; ++bits) {
            table[static_cast<std::size_t>(bits)] = transform(T::from_bits(static_cast<std::uint16_t>(bits)));
          }
        });
        parallel_for(n, parallel_grain, [&](std::int64_t begin, std::int64_t end) {
          for (std::int64_t i = begin; i < end; ++i) values[i] = table[values[i].bits];
        });
        return;
      }
      parallel_for(n, parallel_grain, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t i = begin; i < end; ++i) values[i] = transform(values[i]);
      });
    } else {
      // float and double: calc_erfinv on batches (several values in flight), then the rest.
      parallel_for(n, parallel_grain, [&](std::int64_t begin, std::int64_t end) {
        const auto count = static_cast<std::size_t>(end - begin);
        if constexpr (std::is_same_v<T, float>) {
          calc_erfinv(values + begin, values + begin, count, fused, correctly_rounded_erf);
        } else {
          calc_erfinv(values + begin, values + begin, count, fused);
        }
        for (std::int64_t i = begin; i < end; ++i) values[i] = finish(values[i]);
      });
    }
  };
  if (tensor.is_contiguous()) {
    transform_all(tensor.data_ptr<T>(), tensor.numel());
  } else {
    std::vector<T> values = gather<T>(tensor);
    transform_all(values.data(), static_cast<std::int64_t>(values.size()));
    scatter(tensor, values);
  }
}

template <class T>
void resample_outliers(TorchGenerator& gen, const Tensor& tensor, double mean, double std, double a,
                       double b) {
  // Bounds rounded to the tensor's dtype (tensor.new_tensor(a).item()).
  const double lo = static_cast<double>(narrow_to<T>(a));
  const double hi = static_cast<double>(narrow_to<T>(b));
  gen.normal_(tensor, mean, std);
  // lo and hi are values of T, so comparing in T's opmath type is exact and vectorises.
  using M = OpMath<T>;
  const auto lo_m = static_cast<M>(lo);
  const auto hi_m = static_cast<M>(hi);
  auto outside = [lo_m, hi_m](T value) {
    const auto x = static_cast<M>(value);
    return (x < lo_m) | (x > hi_m);  // NaN is neither; no short circuit, so that the scan vectorises
  };
  // The rounds run on the values in logical order, in parallel: in place for a contiguous tensor (memory
  // order is logical order), on a gathered copy otherwise. With the default bounds of +-2 and a std of
  // 0.02, as GPT-style models use, nothing is outside and the whole cost is one read of the tensor.
  const bool contiguous = tensor.is_contiguous();
  std::vector<T> gathered;
  if (!contiguous) gathered = gather<T>(tensor);
  T* values = contiguous ? tensor.data_ptr<T>() : gathered.data();
  const std::int64_t n = tensor.numel();
  auto any_outside = [&] {
    std::atomic<bool> found{false};
    parallel_for(n, parallel_grain, [&](std::int64_t begin, std::int64_t end) {
      constexpr std::int64_t block = 4096;  // a branch-free inner loop, the flag checked per block
      for (std::int64_t first = begin; first < end && !found.load(std::memory_order_relaxed);
           first += block) {
        bool any = false;
        for (std::int64_t i = first, stop = std::min(end, first + block); i < stop; ++i)
          any |= outside(values[i]);
        if (any) found.store(true, std::memory_order_relaxed);
      }
    });
    return found.load();
  };
  bool changed = false;
  while (any_outside()) {
    // torch.empty_like(result).normal_(): a full-size draw in result's layout, which is the tensor's
    // when that is dense and contiguous row-major otherwise.
    const Tensor fresh = empty_like(tensor);
    gen.normal_(fresh, mean, std);
    std::vector<T> fresh_values;
    if (!fresh.is_contiguous()) fresh_values = gather<T>(fresh);
    const T* drawn = fresh.is_contiguous() ? fresh.data_ptr<T>() : fresh_values.data();
    // mask = outside(result) before the where(): each element's test reads only its own old value.
    parallel_for(n, parallel_grain, [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t i = begin; i < end; ++i) {
        if (outside(values[i])) values[i] = drawn[i];
      }
    });
    changed = true;
  }
  if (changed && !contiguous) scatter(tensor, gathered);
}

template <class T>
void uniform_rejection(TorchGenerator& gen, const Tensor& tensor, double mean, double std, double a,
                       double b) {
  using M = OpMath<T>;
  const double mode = std::max(a, std::min(mean, b));
  const double z = (mode - mean) / std;
  const double log_peak = -0.5 * (z * z);
  const auto mean_m = static_cast<M>(narrow_to<T>(mean));  // sub_: the scalar is rounded to T
  const auto std_m = static_cast<M>(std);                  // div_: kept in opmath precision
  const auto log_peak_m = static_cast<M>(narrow_to<T>(log_peak));
  // candidates.sub_(mean).div_(std).pow_(2).mul_(-0.5).sub_(log_peak), each op rounded to T.
  auto log_density = [&](std::vector<T> values) {
    for (T& v : values) {
      T x = narrow_to<T>(static_cast<M>(v) - mean_m);
      x = narrow_to<T>(static_cast<M>(x) / std_m);
      x = narrow_to<T>(static_cast<M>(x) * static_cast<M>(x));
      x = narrow_to<T>(static_cast<M>(x) * static_cast<M>(-0.5));
      v = narrow_to<T>(static_cast<M>(x) - log_peak_m);
    }
    return values;
  };
  const Tensor candidates = empty_like(tensor);
  const Tensor accept_buffer = empty_like(tensor);
  // accept_buf.uniform_().log_().gt(log_density): one full-size draw per round.
  auto accept_draw = [&](const std::vector<T>& density) {
    gen.uniform_(accept_buffer, 0.0, 1.0);
    const std::vector<T> u = gather<T>(accept_buffer);
    std::vector<bool> reject(u.size());
    for (std::size_t i = 0; i < u.size(); ++i) {
      const T log_u = narrow_to<T>(std::log(static_cast<M>(u[i])));
      reject[i] = static_cast<M>(log_u) > static_cast<M>(density[i]);
    }
    return reject;
  };

  gen.uniform_(tensor, a, b);
  std::vector<T> result = gather<T>(tensor);
  std::vector<bool> pending = accept_draw(log_density(result));
  auto any_pending = [&] {
    for (bool p : pending) {
      if (p) return true;
    }
    return false;
  };
  if (!any_pending()) return;
  while (true) {
    gen.uniform_(candidates, a, b);
    const std::vector<T> proposal = gather<T>(candidates);
    for (std::size_t i = 0; i < result.size(); ++i) {
      if (pending[i]) result[i] = proposal[i];
    }
    const std::vector<bool> reject = accept_draw(log_density(proposal));
    for (std::size_t i = 0; i < pending.size(); ++i) pending[i] = pending[i] && reject[i];
    if (!any_pending()) break;
  }
  scatter(tensor, result);
}

}  // namespace

void TorchGenerator::trunc_normal_(const Tensor& tensor, double mean, double std, double a, double b) {
  if (tensor.dtype() == DType::int64) {
    throw_not_implemented_for(*release_, "trunc_normal_", "check_uniform_bounds", DType::int64);
  }
  if (std == 0.0) throw ZeroDivisionError("trunc_normal_: float division by zero");
  // Its steps read the values they draw (the redraws of later releases depend on them): computed always.
  struct ValuesNeeded {
    bool& flag;
    bool saved;
    ~ValuesNeeded() { flag = saved; }
  } const needed{values_unneeded_, std::exchange(values_unneeded_, false)};
  dispatch_floating(tensor.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if (!release_->random.trunc_normal_resampling) {
      inverse_cdf<T>(*this, tensor, mean, std, a, b);
      return;
    }
    const double p = norm_cdf((b - mean) / std) - norm_cdf((a - mean) / std);
    if (p > 0.3) {
      resample_outliers<T>(*this, tensor, mean, std, a, b);
    } else {
      uniform_rejection<T>(*this, tensor, mean, std, a, b);
    }
  });
}

}  // namespace nninit
