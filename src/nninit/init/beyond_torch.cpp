#include "nninit/init/beyond_torch.h"
#include "nninit/init/internal/recorded_write.h"

#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "nninit/core/error.h"

namespace nninit::init {

using internal::recorded_write;
namespace {

// The std of a standard normal truncated to [-2, 2] (JAX's and Keras's correction constant).
constexpr double truncated_std_at_two = .87962566103423978;

std::int64_t size_over(const Tensor& tensor, const std::vector<std::int64_t>& axes, const char* what) {
  std::int64_t product = 1;
  for (std::int64_t axis : axes) {
    if (axis < -tensor.dim() || axis >= tensor.dim()) {
      throw ValueError(fmt::format("variance_scaling_: {} {} is out of range for a {}-dimensional tensor",
                                   what, axis, tensor.dim()));
    }
    product *= tensor.size(axis);
  }
  return product;
}

}  // namespace

Tensor lecun_uniform_(const Tensor& tensor, LecunOptions options, Generator& generator) {
  const std::int64_t fan = calculate_correct_fan(tensor, options.mode, "lecun_uniform_");
  if (fan == 0) throw ZeroDivisionError("lecun_uniform_: float division by zero");
  const double bound = std::sqrt(3.0 / static_cast<double>(fan));
  return recorded_write(tensor, &generator,
                        [bound](const Tensor& t, Generator* g) { g->uniform_(t, -bound, bound); });
}

Tensor lecun_normal_(const Tensor& tensor, LecunOptions options, Generator& generator) {
  const std::int64_t fan = calculate_correct_fan(tensor, options.mode, "lecun_normal_");
  if (fan == 0) throw ZeroDivisionError("lecun_normal_: float division by zero");
  const double std = std::sqrt(1.0 / static_cast<double>(fan));
  if (options.truncated) {
    return trunc_normal_tf_(tensor, {.mean = 0.0, .std = std / truncated_std_at_two, .a = -2.0, .b = 2.0},
                            generator);
  }
  return recorded_write(tensor, &generator,
                        [std](const Tensor& t, Generator* g) { g->normal_(t, 0.0, std); });
}

Fans variance_scaling_fans(const Tensor& tensor, const VarianceScalingOptions& options) {
  if (tensor.dim() < 2) {
    throw ValueError(
        fmt::format("variance_scaling_: Can't compute input and output sizes of a {}-dimensional weights "
                    "tensor. Must be at "
                    "least 2D.",
                    tensor.dim()));
  }
  const std::int64_t in_size = size_over(tensor, options.in_axis, "in_axis");
  const std::int64_t out_size = size_over(tensor, options.out_axis, "out_axis");
  const std::int64_t batch_size = size_over(tensor, options.batch_axis, "batch_axis");
  const std::int64_t denominator = in_size * out_size * batch_size;
  if (denominator == 0)
    throw ZeroDivisionError("variance_scaling_: a zero-size axis leaves the fans undefined");
  const std::int64_t receptive_field = tensor.numel() / denominator;
  return {in_size * receptive_field, out_size * receptive_field};
}

Tensor variance_scaling_(const Tensor& tensor, VarianceScalingOptions options, Generator& generator) {
  if (!(options.scale > 0)) {
    throw ValueError(fmt::format("variance_scaling_: scale must be a positive float, got {}", options.scale));
  }
  const Fans fans = variance_scaling_fans(tensor, options);
  double denominator = 0;
  switch (options.mode) {
    case VarianceScalingMode::fan_in: denominator = static_cast<double>(fans.fan_in); break;
    case VarianceScalingMode::fan_out: denominator = static_cast<double>(fans.fan_out); break;
    case VarianceScalingMode::fan_avg:
      denominator = static_cast<double>(fans.fan_in + fans.fan_out) / 2;
      break;
  }
  const double variance = options.scale / denominator;
  switch (options.distribution) {
    case VarianceScalingDistribution::truncated_normal:
      return trunc_normal_tf_(
          tensor, {.mean = 0.0, .std = std::sqrt(variance) / truncated_std_at_two, .a = -2.0, .b = 2.0},
          generator);
    case VarianceScalingDistribution::normal:
      return recorded_write(tensor, &generator, [std = std::sqrt(variance)](const Tensor& t, Generator* g) {
        g->normal_(t, 0.0, std);
      });
    case VarianceScalingDistribution::uniform:
      return recorded_write(tensor, &generator,
                            [bound = std::sqrt(3 * variance)](const Tensor& t, Generator* g) {
                              g->uniform_(t, -bound, bound);
                            });
  }
  return tensor;
}

Tensor delta_orthogonal_(const Tensor& tensor, DeltaOrthogonalOptions options, Generator& generator) {
  const std::int64_t dims = tensor.dim();
  if (dims < 3 || dims > 5) {
    throw ValueError("delta_orthogonal_: Delta orthogonal initializer requires a 3D, 4D or 5D shape.");
  }
  const std::int64_t out_channels = tensor.size(0);
  const std::int64_t in_channels = tensor.size(1);
  if (out_channels < in_channels) {
    throw ValueError(
        fmt::format("delta_orthogonal_: `fan_in` must be less or equal than `fan_out`: {} input channels, {} "
                    "output channels",
                    in_channels, out_channels));
  }
  return recorded_write(tensor, &generator, [=](const Tensor& t, Generator* g) {
    const Tensor matrix = Tensor::empty({out_channels, in_channels}, t.dtype());
    orthogonal_(matrix, {.gain = options.gain}, *g);
    t.zero_();
    Tensor centre = t;
    for (std::int64_t k = dims - 1; k >= 2; --k) centre = centre.select(k, (t.size(k) - 1) / 2);
    centre.copy_(matrix);
  });
}

Tensor trunc_normal_tf_(const Tensor& tensor, TruncNormalTfOptions options, Generator& generator) {
  return recorded_write(tensor, &generator, [options](const Tensor& t, Generator* g) {
    trunc_normal_(t, {.mean = 0.0, .std = 1.0, .a = options.a, .b = options.b}, *g);
    t.mul_(options.std);
    t.add_(options.mean);
  });
}

}  // namespace nninit::init
