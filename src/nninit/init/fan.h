// Fans and gains, as torch.nn.init computes them.
//
// fan_in = size(1) * receptive field, fan_out = size(0) * receptive field, where the receptive field is
// the product of the sizes after the first two: PyTorch's layout for Linear (out, in) and
// Conv (out, in/groups, *kernel). Transposed convolutions store (in, out/groups, *kernel), so these fans
// come out swapped for them, exactly as in PyTorch (pytorch/pytorch#7865).
//
//   const Tensor w = Tensor::empty({64, 3, 3, 3});                          // Conv2d(3, 64, 3).weight
//   const init::Fans f = init::calculate_fan_in_and_fan_out(w);            // fan_in 27, fan_out 576
//   const double gain = init::calculate_gain(init::Nonlinearity::leaky_relu, 0.2);  // sqrt(2 / 1.04)
//   const double std = init::reference_stds(w).kaiming_relu;               // sqrt(2 / 27)
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

#include "nninit/core/tensor.h"

namespace nninit::init {

// The nonlinearities calculate_gain knows, with PyTorch's names.
enum class Nonlinearity {
  linear,
  conv1d,
  conv2d,
  conv3d,
  conv_transpose1d,
  conv_transpose2d,
  conv_transpose3d,
  sigmoid,
  tanh,
  relu,
  leaky_relu,
  selu,
};

std::string_view nonlinearity_name(Nonlinearity nonlinearity);

enum class FanMode { fan_in, fan_out };

std::string_view fan_mode_name(FanMode mode);

// The recommended gain for a nonlinearity: 1 for linear, conv and sigmoid; 5/3 for tanh; sqrt(2) for
// relu; sqrt(2 / (1 + slope^2)) for leaky_relu, with slope = `param` or 0.01 when absent; 3/4 for selu
// ("found empirically", pytorch/pytorch#50664; for self-normalising networks use linear instead).
double calculate_gain(Nonlinearity nonlinearity, std::optional<double> param = std::nullopt);

struct Fans {
  std::int64_t fan_in = 0;
  std::int64_t fan_out = 0;
};

// Throws ValueError for tensors with fewer than 2 dimensions; `caller` starts the message.
Fans calculate_fan_in_and_fan_out(const Tensor& tensor,
                                  std::string_view caller = "calculate_fan_in_and_fan_out");
std::int64_t calculate_correct_fan(const Tensor& tensor, FanMode mode,
                                   std::string_view caller = "calculate_correct_fan");

// The standard deviation each common scheme gives a weight of this shape, for judging an initialisation
// against theory: PyTorch's default (kaiming_uniform_(a=sqrt(5)), i.e. U(+-1/sqrt(fan_in))), Xavier,
// Kaiming for ReLU (fan_in), LeCun. All NaN for tensors with fewer than 2 dimensions or a zero fan.
struct ReferenceStds {
  double pytorch_default = std::numeric_limits<double>::quiet_NaN();
  double xavier = std::numeric_limits<double>::quiet_NaN();
  double kaiming_relu = std::numeric_limits<double>::quiet_NaN();
  double lecun = std::numeric_limits<double>::quiet_NaN();
};

ReferenceStds reference_stds(const Tensor& tensor);

}  // namespace nninit::init
