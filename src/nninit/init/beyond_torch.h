// Initialisation schemes PyTorch lacks, written against Tensor and Generator only. With a
// TorchGenerator they draw through PyTorch's own uniform_, normal_ and trunc_normal_, so a scheme here
// equals the PyTorch code that spells it out (documented per function).
//
//   const nn::Linear fc({.in_features = 512, .out_features = 512});
//   init::lecun_normal_(fc.weight());                        // N(0, 1/fan_in): SELU networks
//   init::variance_scaling_(fc.weight(),
//                           {.scale = 2.0, .distribution = init::VarianceScalingDistribution::uniform});
//   init::trunc_normal_tf_(fc.weight(), {.std = 0.02});      // cut at +-2 std, as timm's trunc_normal_tf_
//   const nn::Conv2d conv({.in_channels = 64, .out_channels = 64, .kernel_size = {3}});
//   init::delta_orthogonal_(conv.weight(), {.gain = init::calculate_gain(init::Nonlinearity::relu)});
#pragma once

#include <cstdint>
#include <vector>

#include "nninit/init/init.h"

namespace nninit::init {

struct LecunOptions {
  FanMode mode = FanMode::fan_in;
  // lecun_normal_ only: draw from a normal truncated at +-2 std and rescaled to keep the variance
  // (JAX's and Keras's lecun_normal). Off by default: LeCun et al. (1998) and the SELU paper
  // (Klambauer et al. 2017) use the plain normal N(0, 1/fan_in).
  bool truncated = false;
};

// LeCun et al. (1998), "Efficient BackProp": variance 1/fan. Uniform: U(+-sqrt(3/fan)).
Tensor lecun_uniform_(const Tensor& tensor, LecunOptions options = {},
                      Generator& generator = default_generator());
Tensor lecun_normal_(const Tensor& tensor, LecunOptions options = {},
                     Generator& generator = default_generator());

enum class VarianceScalingMode { fan_in, fan_out, fan_avg };
enum class VarianceScalingDistribution { truncated_normal, normal, uniform };

struct VarianceScalingOptions {
  double scale = 1.0;
  VarianceScalingMode mode = VarianceScalingMode::fan_in;
  VarianceScalingDistribution distribution = VarianceScalingDistribution::truncated_normal;
  // Axes holding the input and output sizes (several axes multiply), and batch axes left out of the
  // fans. The defaults follow PyTorch's layout (out, in, *kernel); JAX's kernels (*kernel, in, out)
  // need in_axis = {-2}, out_axis = {-1}, JAX's own defaults.
  std::vector<std::int64_t> in_axis = {1};
  std::vector<std::int64_t> out_axis = {0};
  std::vector<std::int64_t> batch_axis = {};
};

// jax.nn.initializers.variance_scaling: variance = scale / n with n = fan_in, fan_out or their mean,
// where fan = size(axes) * receptive field and the receptive field is numel / (in * out * batch).
// truncated_normal: a standard normal truncated to [-2, 2], times sqrt(variance) / 0.8796256610342398
// (the std of that truncated normal); normal: N(0, variance); uniform: U(+-sqrt(3 * variance)).
Tensor variance_scaling_(const Tensor& tensor, VarianceScalingOptions options = {},
                         Generator& generator = default_generator());

// The fans variance_scaling_ uses (exposed for diagnostics and tests).
Fans variance_scaling_fans(const Tensor& tensor, const VarianceScalingOptions& options);

struct DeltaOrthogonalOptions {
  double gain = 1.0;
};

// Xiao et al. (2018), "Dynamical Isometry and a Mean Field Theory of CNNs": zero everywhere except the
// kernel centre ((k - 1) / 2 in each spatial dimension, as JAX), which holds an orthogonal
// out_channels x in_channels matrix (orthogonal_ of that shape, times gain). Needs a 3-D to 5-D weight
// with out_channels >= in_channels, so that the centre tap is an isometry.
Tensor delta_orthogonal_(const Tensor& tensor, DeltaOrthogonalOptions options = {},
                         Generator& generator = default_generator());

struct TruncNormalTfOptions {
  double mean = 0.0;
  double std = 1.0;
  double a = -2.0;  // lower cut-off in units of std
  double b = 2.0;   // upper cut-off in units of std
};

// A truncated normal whose cut-offs are in standard deviations, as TensorFlow, JAX and timm's
// trunc_normal_tf_ define it: trunc_normal_(mean=0, std=1, a, b), then mul_(std) and add_(mean).
Tensor trunc_normal_tf_(const Tensor& tensor, TruncNormalTfOptions options = {},
                        Generator& generator = default_generator());

}  // namespace nninit::init
