#include "nninit/nn/activation.h"

#include <fmt/format.h>

#include "nninit/core/error.h"
#include "nninit/init/init.h"
#include "nninit/nn/python_repr.h"

namespace nninit::nn {
namespace {

// PyTorch's two spellings: "inplace=True" alone, or ", inplace=True" after other arguments.
std::string inplace_alone(bool inplace) {
  return inplace ? "inplace=True" : "";
}
std::string inplace_after(bool inplace) {
  return inplace ? ", inplace=True" : "";
}

std::string dim_repr(const std::optional<std::int64_t>& dim) {
  return "dim=" + python_optional(dim);
}

}  // namespace

std::string ReLU::extra_repr() const {
  return inplace_alone(options().inplace);
}
std::string ReLU6::extra_repr() const {
  return inplace_alone(options().inplace);
}
std::string SELU::extra_repr() const {
  return inplace_alone(options().inplace);
}
std::string SiLU::extra_repr() const {
  return inplace_alone(options().inplace);
}
std::string Mish::extra_repr() const {
  return inplace_alone(options().inplace);
}

std::string LeakyReLU::extra_repr() const {
  return "negative_slope=" + python_float(options().negative_slope) + inplace_after(options().inplace);
}
std::string ELU::extra_repr() const {
  return "alpha=" + python_float(options().alpha) + inplace_after(options().inplace);
}
std::string CELU::extra_repr() const {
  return "alpha=" + python_float(options().alpha) + inplace_after(options().inplace);
}

std::string_view gelu_approximate_name(GELUApproximate approximate) {
  return approximate == GELUApproximate::tanh ? "tanh" : "none";
}

GELUApproximate gelu_approximate_from_name(std::string_view name) {
  if (name == "none") return GELUApproximate::none;
  if (name == "tanh") return GELUApproximate::tanh;
  throw RuntimeError("GELU: approximate argument must be either none or tanh.");
}

std::string GELU::extra_repr() const {
  return "approximate=" + python_string(gelu_approximate_name(options().approximate));
}

Hardtanh::Hardtanh(HardtanhOptions options, Generator& generator) : Activation("Hardtanh", options) {
  if (!(options.max_val > options.min_val)) {  // NaN fails too, as Python's comparison does
    throw AssertionError(generator.release().messages.hardtanh_message
                             ? fmt::format("Hardtanh: max_val ({}) must be greater than min_val ({})",
                                           python_float(options.max_val), python_float(options.min_val))
                             : std::string("Hardtanh: "));
  }
}

std::string Hardtanh::extra_repr() const {
  return "min_val=" + python_float(options().min_val) + ", max_val=" + python_float(options().max_val) +
         inplace_after(options().inplace);
}

std::string Softplus::extra_repr() const {
  return "beta=" + python_float(options().beta) + ", threshold=" + python_float(options().threshold);
}

std::string Softmax::extra_repr() const {
  return dim_repr(options().dim);
}
std::string LogSoftmax::extra_repr() const {
  return dim_repr(options().dim);
}
std::string Softmin::extra_repr() const {
  return dim_repr(options().dim);
}

std::string GLU::extra_repr() const {
  return fmt::format("dim={}", options().dim);
}

std::string Threshold::extra_repr() const {
  return "threshold=" + python_float(options().threshold) + ", value=" + python_float(options().value) +
         inplace_after(options().inplace);
}

std::string Hardshrink::extra_repr() const {
  return python_float(options().lambd);
}
std::string Softshrink::extra_repr() const {
  return python_float(options().lambd);
}

std::string RReLU::extra_repr() const {
  return "lower=" + python_float(options().lower) + ", upper=" + python_float(options().upper) +
         inplace_after(options().inplace);
}

PReLU::PReLU(PReLUOptions options, Generator& generator) : Layer("PReLU"), options_(options) {
  register_parameter("weight", Tensor::empty({options.num_parameters}, options.dtype));
  reset_parameters(generator);
}

void PReLU::reset_parameters(Generator& generator) {
  (void)generator;
  // 1.13 fills in __init__ (empty(...).fill_(init)), 2.x in reset_parameters (constant_): the same values,
  // and both refuse an init the dtype cannot hold.
  init::constant_(weight(), options_.init);
}

std::string PReLU::extra_repr() const {
  return fmt::format("num_parameters={}", options_.num_parameters);
}

}  // namespace nninit::nn
