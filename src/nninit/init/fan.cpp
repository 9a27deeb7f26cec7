#include "nninit/init/fan.h"

#include <cmath>

#include <fmt/format.h>

#include "nninit/core/error.h"

namespace nninit::init {

std::string_view nonlinearity_name(Nonlinearity nonlinearity) {
  switch (nonlinearity) {
    case Nonlinearity::linear: return "linear";
    case Nonlinearity::conv1d: return "conv1d";
    case Nonlinearity::conv2d: return "conv2d";
    case Nonlinearity::conv3d: return "conv3d";
    case Nonlinearity::conv_transpose1d: return "conv_transpose1d";
    case Nonlinearity::conv_transpose2d: return "conv_transpose2d";
    case Nonlinearity::conv_transpose3d: return "conv_transpose3d";
    case Nonlinearity::sigmoid: return "sigmoid";
    case Nonlinearity::tanh: return "tanh";
    case Nonlinearity::relu: return "relu";
    case Nonlinearity::leaky_relu: return "leaky_relu";
    case Nonlinearity::selu: return "selu";
  }
  return "?";
}

std::string_view fan_mode_name(FanMode mode) {
  return mode == FanMode::fan_in ? "fan_in" : "fan_out";
}

double calculate_gain(Nonlinearity nonlinearity, std::optional<double> param) {
  switch (nonlinearity) {
    case Nonlinearity::tanh: return 5.0 / 3;
    case Nonlinearity::relu: return std::sqrt(2.0);
    case Nonlinearity::leaky_relu: {
      const double slope = param.value_or(0.01);
      return std::sqrt(2.0 / (1 + slope * slope));
    }
    case Nonlinearity::selu: return 3.0 / 4;
    default: return 1.0;
  }
}

Fans calculate_fan_in_and_fan_out(const Tensor& tensor, std::string_view caller) {
  if (tensor.dim() < 2) {
    throw ValueError(fmt::format(
        "{}: Fan in and fan out can not be computed for tensor with fewer than 2 dimensions", caller));
  }
  std::int64_t receptive_field = 1;
  for (std::int64_t d = 2; d < tensor.dim(); ++d) receptive_field *= tensor.size(d);
  return {tensor.size(1) * receptive_field, tensor.size(0) * receptive_field};
}

std::int64_t calculate_correct_fan(const Tensor& tensor, FanMode mode, std::string_view caller) {
  const Fans fans = calculate_fan_in_and_fan_out(tensor, caller);
  return mode == FanMode::fan_in ? fans.fan_in : fans.fan_out;
}

ReferenceStds reference_stds(const Tensor& tensor) {
  ReferenceStds r;
  if (tensor.dim() < 2) return r;
  const Fans fans = calculate_fan_in_and_fan_out(tensor);
  if (fans.fan_in <= 0 || fans.fan_out <= 0) return r;
  const auto fan_in = static_cast<double>(fans.fan_in);
  const auto fan_out = static_cast<double>(fans.fan_out);
  r.pytorch_default = 1.0 / std::sqrt(3.0 * fan_in);  // U(+-1/sqrt(fan_in)) has std bound/sqrt(3)
  r.xavier = std::sqrt(2.0 / (fan_in + fan_out));
  r.kaiming_relu = std::sqrt(2.0 / fan_in);
  r.lecun = std::sqrt(1.0 / fan_in);
  return r;
}

}  // namespace nninit::init
