#include "nninit/init/init.h"

#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "nninit/core/error.h"
#include "nninit/core/warning.h"
#include "nninit/init/internal/recorded_write.h"

namespace nninit::init {
namespace {

bool has_zero_size_dimension(const Tensor& tensor) {
  for (std::int64_t s : tensor.sizes()) {
    if (s == 0) return true;
  }
  return false;
}

// Python's floor division and modulo on ints.
std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}
std::int64_t floor_mod(std::int64_t a, std::int64_t b) {
  return a - floor_div(a, b) * b;
}

}  // namespace

using internal::recorded_write;

Tensor uniform_(const Tensor& tensor, UniformOptions options, Generator& generator) {
  return recorded_write(tensor, &generator,
                        [options](const Tensor& t, Generator* g) { g->uniform_(t, options.a, options.b); });
}

Tensor normal_(const Tensor& tensor, NormalOptions options, Generator& generator) {
  return recorded_write(tensor, &generator, [options](const Tensor& t, Generator* g) {
    g->normal_(t, options.mean, options.std);
  });
}

Tensor trunc_normal_(const Tensor& tensor, TruncNormalOptions options, Generator& generator) {
  const auto [mean, std, a, b] = options;
  if (mean < a - 2 * std || mean > b + 2 * std) {
    warn(
        "mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The distribution of values may be "
        "incorrect.");
  }
  if (std == 0.0) throw ZeroDivisionError("trunc_normal_: float division by zero");
  return recorded_write(tensor, &generator, [options](const Tensor& t, Generator* g) {
    g->trunc_normal_(t, options.mean, options.std, options.a, options.b);
  });
}

Tensor constant_(const Tensor& tensor, double value, const TorchRelease& release) {
  // c10::checked_convert: infinities and NaN convert, finite values beyond the dtype's range do not.
  if (std::isfinite(value)) {
    dispatch_all(tensor.dtype(), [&](auto tag) {
      using T = decltype(tag);
      double limit = std::numeric_limits<double>::max();
      std::string_view name = "double";
      if constexpr (std::is_same_v<T, float>) {
        limit = std::numeric_limits<float>::max();
        name = "float";
      } else if constexpr (std::is_same_v<T, Half>) {
        limit = 65504.0;
        name = release.messages.overflow_names_c10_types ? "c10::Half" : "at::Half";
      } else if constexpr (std::is_same_v<T, BFloat16>) {
        limit = bfloat16_bits_to_float(0x7f7f);
        name = release.messages.overflow_names_c10_types ? "c10::BFloat16" : "at::BFloat16";
      } else if constexpr (std::is_same_v<T, std::int64_t>) {
        limit = 9223372036854775807.0;
        name = "int64_t";
      }
      if (value < -limit || value > limit) {
        throw RuntimeError(
            fmt::format("constant_: value cannot be converted to type {} without overflow", name));
      }
    });
  }
  return recorded_write(tensor, nullptr, [value](const Tensor& t, Generator*) { t.fill_(value); });
}

Tensor ones_(const Tensor& tensor) {
  return recorded_write(tensor, nullptr, [](const Tensor& t, Generator*) { t.fill_(1.0); });
}

Tensor zeros_(const Tensor& tensor) {
  return recorded_write(tensor, nullptr, [](const Tensor& t, Generator*) { t.zero_(); });
}

Tensor eye_(const Tensor& tensor, const TorchRelease& release) {
  if (tensor.dim() != 2) throw ValueError("eye_: Only tensors with 2 dimensions are supported");
  if (tensor.dtype() == DType::bfloat16 && !release.init.eye_supports_bfloat16) {
    throw_not_implemented_for(release, "eye_", "eye", tensor.dtype());
  }
  return recorded_write(tensor, nullptr, [](const Tensor& t, Generator*) {
    t.zero_();
    const std::int64_t n = std::min(t.size(0), t.size(1));
    for (std::int64_t i = 0; i < n; ++i) t.set({i, i}, 1.0);
  });
}

Tensor dirac_(const Tensor& tensor, DiracOptions options) {
  const std::int64_t dims = tensor.dim();
  if (dims < 3 || dims > 5) throw ValueError("dirac_: Only tensors with 3, 4, or 5 dimensions are supported");
  const std::int64_t groups = options.groups;
  if (groups == 0) throw ZeroDivisionError("dirac_: integer division or modulo by zero");
  if (floor_mod(tensor.size(0), groups) != 0) throw ValueError("dirac_: dim 0 must be divisible by groups");
  const std::int64_t out_per_group = floor_div(tensor.size(0), groups);
  const std::int64_t min_dim = std::min(out_per_group, tensor.size(1));
  return recorded_write(tensor, nullptr, [=](const Tensor& t, Generator*) {
    t.zero_();
    Shape index(static_cast<std::size_t>(dims));
    for (std::int64_t k = 2; k < dims; ++k) index[static_cast<std::size_t>(k)] = t.size(k) / 2;
    for (std::int64_t g = 0; g < groups; ++g) {
      for (std::int64_t d = 0; d < min_dim; ++d) {
        index[0] = g * out_per_group + d;
        index[1] = d;
        t.set(index, 1.0);
      }
    }
  });
}

Tensor xavier_uniform_(const Tensor& tensor, XavierOptions options, Generator& generator) {
  const Fans fans = calculate_fan_in_and_fan_out(tensor, "xavier_uniform_");
  if (fans.fan_in + fans.fan_out == 0) throw ZeroDivisionError("xavier_uniform_: float division by zero");
  const double std = options.gain * std::sqrt(2.0 / static_cast<double>(fans.fan_in + fans.fan_out));
  const double a = std::sqrt(3.0) * std;
  return recorded_write(tensor, &generator, [a](const Tensor& t, Generator* g) { g->uniform_(t, -a, a); });
}

Tensor xavier_normal_(const Tensor& tensor, XavierOptions options, Generator& generator) {
  const Fans fans = calculate_fan_in_and_fan_out(tensor, "xavier_normal_");
  if (fans.fan_in + fans.fan_out == 0) throw ZeroDivisionError("xavier_normal_: float division by zero");
  const double std = options.gain * std::sqrt(2.0 / static_cast<double>(fans.fan_in + fans.fan_out));
  return recorded_write(tensor, &generator,
                        [std](const Tensor& t, Generator* g) { g->normal_(t, 0.0, std); });
}

namespace {

// The std shared by kaiming_uniform_ and kaiming_normal_, or nullopt for a zero-element tensor.
std::optional<double> kaiming_std(const Tensor& tensor, const KaimingOptions& options,
                                  std::string_view caller) {
  if (has_zero_size_dimension(tensor)) {
    warn("Initializing zero-element tensors is a no-op");
    return std::nullopt;
  }
  const std::int64_t fan = calculate_correct_fan(tensor, options.mode, caller);
  const double gain = calculate_gain(options.nonlinearity, options.a);
  return gain / std::sqrt(static_cast<double>(fan));
}

}  // namespace

Tensor kaiming_uniform_(const Tensor& tensor, KaimingOptions options, Generator& generator) {
  if (const auto std = kaiming_std(tensor, options, "kaiming_uniform_")) {
    const double bound = std::sqrt(3.0) * *std;
    return recorded_write(tensor, &generator,
                          [bound](const Tensor& t, Generator* g) { g->uniform_(t, -bound, bound); });
  }
  return tensor;
}

Tensor kaiming_normal_(const Tensor& tensor, KaimingOptions options, Generator& generator) {
  if (const auto std = kaiming_std(tensor, options, "kaiming_normal_")) {
    return recorded_write(tensor, &generator,
                          [std = *std](const Tensor& t, Generator* g) { g->normal_(t, 0.0, std); });
  }
  return tensor;
}

Tensor sparse_(const Tensor& tensor, SparseOptions options, Generator& generator) {
  if (tensor.dim() != 2) throw ValueError("sparse_: Only tensors with 2 dimensions are supported");
  const std::int64_t rows = tensor.size(0);
  const std::int64_t cols = tensor.size(1);
  const double zeros = std::ceil(options.sparsity * static_cast<double>(rows));
  if (std::isnan(zeros)) throw ValueError("sparse_: cannot convert float NaN to integer");
  if (std::isinf(zeros)) throw OverflowError("sparse_: cannot convert float infinity to integer");
  // row_indices[:num_zeros] with Python's slicing: a negative count drops that many from the end.
  const double kept = zeros >= 0 ? std::min(zeros, static_cast<double>(rows))
                                 : std::max(static_cast<double>(rows) + zeros, 0.0);
  const auto num_zeros = static_cast<std::int64_t>(kept);
  // The permutations come from the default generator, not `generator`: a replay from a copy of `generator`
  // alone would not know them.
  return internal::unrecordable_write(tensor, "sparse_ draws its permutations from the default generator",
                                      [&](const Tensor& t) {
                                        generator.normal_(t, 0.0, options.std);
                                        for (std::int64_t col = 0; col < cols; ++col) {
                                          const Tensor permutation = default_generator().randperm(rows);
                                          const std::int64_t* row = permutation.data_ptr<std::int64_t>();
                                          for (std::int64_t i = 0; i < num_zeros; ++i)
                                            t.set({row[i], col}, 0.0);
                                        }
                                      });
}

}  // namespace nninit::init
