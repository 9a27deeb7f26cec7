#include "nninit/nn/linear.h"

#include <cmath>

#include <fmt/format.h>

#include "nninit/core/error.h"
#include "nninit/init/init.h"

namespace nninit::nn {

Linear::Linear(LinearOptions options, Generator& generator) : Linear("Linear", options, generator) {}

Linear::Linear(std::string type_name, LinearOptions options, Generator& generator)
    : Layer(std::move(type_name)), options_(options) {
  register_parameter("weight", Tensor::empty({options.out_features, options.in_features}, options.dtype));
  register_parameter("bias", options.bias ? Tensor::empty({options.out_features}, options.dtype) : Tensor());
  reset_parameters(generator);
}

void Linear::reset_parameters(Generator& generator) {
  init::kaiming_uniform_(weight(), {.a = std::sqrt(5.0)}, generator);
  if (has_parameter("bias")) {
    const std::int64_t fan_in = init::calculate_fan_in_and_fan_out(weight()).fan_in;
    const double bound = fan_in > 0 ? 1 / std::sqrt(static_cast<double>(fan_in)) : 0.0;
    // PyTorch's bound is the int 0 when fan_in == 0, and -0 is +0: never pass -0.0 as `from`, which the
    // 2.12 clamp (a draw equal to `to` becomes `from`) would write into the bias.
    init::uniform_(bias(), {.a = fan_in > 0 ? -bound : 0.0, .b = bound}, generator);
  }
}

std::string Linear::extra_repr() const {
  return fmt::format("in_features={}, out_features={}, bias={}", options_.in_features, options_.out_features,
                     options_.bias ? "True" : "False");
}

Bilinear::Bilinear(BilinearOptions options, Generator& generator) : Layer("Bilinear"), options_(options) {
  register_parameter(
      "weight",
      Tensor::empty({options.out_features, options.in1_features, options.in2_features}, options.dtype));
  register_parameter("bias", options.bias ? Tensor::empty({options.out_features}, options.dtype) : Tensor());
  reset_parameters(generator);
}

void Bilinear::reset_parameters(Generator& generator) {
  if (options_.in1_features <= 0) {
    if (generator.release().modules.bilinear_checks_in1_features) {
      throw ValueError(fmt::format("Bilinear: in1_features must be > 0, but got (in1_features={})",
                                   options_.in1_features));
    }
    throw ZeroDivisionError("Bilinear: float division by zero");
  }
  const double bound = 1 / std::sqrt(static_cast<double>(parameter("weight").size(1)));
  init::uniform_(parameter("weight"), {.a = -bound, .b = bound}, generator);
  if (has_parameter("bias")) init::uniform_(parameter("bias"), {.a = -bound, .b = bound}, generator);
}

std::string Bilinear::extra_repr() const {
  return fmt::format("in1_features={}, in2_features={}, out_features={}, bias={}", options_.in1_features,
                     options_.in2_features, options_.out_features, options_.bias ? "True" : "False");
}

}  // namespace nninit::nn
