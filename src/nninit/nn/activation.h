// Activation modules. Only PReLU has a parameter (weight, filled with `init`, no draws); the others
// exist so that every model expression builds the same module tree as PyTorch (names, apply() order,
// repr), and they keep every option a forward pass needs. Each option struct mirrors the PyTorch
// constructor's arguments and defaults.
//
//   nn::LeakyReLU leaky({.negative_slope = 0.2});
//   leaky.repr();                                                  // "LeakyReLU(negative_slope=0.2)"
//   nn::GELU gelu({.approximate = nn::GELUApproximate::tanh});
//   nn::PReLU prelu({.num_parameters = 64});                       // weight: 64 slopes of 0.25
//   auto relu = std::make_shared<nn::ReLU>();                      // as a child of a Sequential
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "nninit/nn/module.h"
#include "nninit/random/torch_generator.h"

namespace nninit::nn {

// A parameter-free module that keeps its options.
template <class Derived, class Options>
class Activation : public Layer<Derived> {
 public:
  Activation(std::string type_name, Options options)
      : Layer<Derived>(std::move(type_name)), options_(options) {}
  const Options& options() const { return options_; }

 private:
  Options options_;
};

struct InplaceOptions {
  bool inplace = false;
};
using ReLUOptions = InplaceOptions;
using ReLU6Options = InplaceOptions;
using SELUOptions = InplaceOptions;
using SiLUOptions = InplaceOptions;
using MishOptions = InplaceOptions;
using HardswishOptions = InplaceOptions;
using HardsigmoidOptions = InplaceOptions;

class ReLU : public Activation<ReLU, ReLUOptions> {
 public:
  explicit ReLU(ReLUOptions options = {}) : Activation("ReLU", options) {}
  std::string extra_repr() const override;
};
// min(max(x, 0), 6); in PyTorch a Hardtanh(0.0, 6.0).
class ReLU6 : public Activation<ReLU6, ReLU6Options> {
 public:
  explicit ReLU6(ReLU6Options options = {}) : Activation("ReLU6", options) {}
  std::string extra_repr() const override;
};
class SELU : public Activation<SELU, SELUOptions> {
 public:
  explicit SELU(SELUOptions options = {}) : Activation("SELU", options) {}
  std::string extra_repr() const override;
};
class SiLU : public Activation<SiLU, SiLUOptions> {
 public:
  explicit SiLU(SiLUOptions options = {}) : Activation("SiLU", options) {}
  std::string extra_repr() const override;
};
class Mish : public Activation<Mish, MishOptions> {
 public:
  explicit Mish(MishOptions options = {}) : Activation("Mish", options) {}
  std::string extra_repr() const override;
};
// Hardswish and Hardsigmoid keep `inplace` but, as in PyTorch, do not show it in their repr.
class Hardswish : public Activation<Hardswish, HardswishOptions> {
 public:
  explicit Hardswish(HardswishOptions options = {}) : Activation("Hardswish", options) {}
};
class Hardsigmoid : public Activation<Hardsigmoid, HardsigmoidOptions> {
 public:
  explicit Hardsigmoid(HardsigmoidOptions options = {}) : Activation("Hardsigmoid", options) {}
};

struct LeakyReLUOptions {
  double negative_slope = 0.01;
  bool inplace = false;
};
class LeakyReLU : public Activation<LeakyReLU, LeakyReLUOptions> {
 public:
  explicit LeakyReLU(LeakyReLUOptions options = {}) : Activation("LeakyReLU", options) {}
  std::string extra_repr() const override;
};

struct ELUOptions {
  double alpha = 1.0;
  bool inplace = false;
};
using CELUOptions = ELUOptions;
class ELU : public Activation<ELU, ELUOptions> {
 public:
  explicit ELU(ELUOptions options = {}) : Activation("ELU", options) {}
  std::string extra_repr() const override;
};
class CELU : public Activation<CELU, CELUOptions> {
 public:
  explicit CELU(CELUOptions options = {}) : Activation("CELU", options) {}
  std::string extra_repr() const override;
};

enum class GELUApproximate { none, tanh };
std::string_view gelu_approximate_name(GELUApproximate approximate);  // "none", "tanh"
// PyTorch accepts any string here and fails in forward with this RuntimeError; nninit fails up front.
GELUApproximate gelu_approximate_from_name(std::string_view name);

struct GELUOptions {
  GELUApproximate approximate = GELUApproximate::none;
};
class GELU : public Activation<GELU, GELUOptions> {
 public:
  explicit GELU(GELUOptions options = {}) : Activation("GELU", options) {}
  std::string extra_repr() const override;
};

struct HardtanhOptions {
  double min_val = -1.0;
  double max_val = 1.0;
  bool inplace = false;
};
class Hardtanh : public Activation<Hardtanh, HardtanhOptions> {
 public:
  // AssertionError unless max_val > min_val: a bare assert before 2.14, a message from 2.14 on
  // (TorchRelease::messages.hardtanh_message).
  explicit Hardtanh(HardtanhOptions options = {}, Generator& generator = default_generator());
  std::string extra_repr() const override;
};

struct SoftplusOptions {
  double beta = 1.0;
  double threshold = 20.0;
};
// The repr prints beta and threshold as floats ("beta=1.0"), as PyTorch 2.x does with its float
// defaults; 1.13's int defaults printed "beta=1, threshold=20".
class Softplus : public Activation<Softplus, SoftplusOptions> {
 public:
  explicit Softplus(SoftplusOptions options = {}) : Activation("Softplus", options) {}
  std::string extra_repr() const override;
};

struct SoftmaxOptions {
  std::optional<std::int64_t> dim{};
};
using LogSoftmaxOptions = SoftmaxOptions;
using SoftminOptions = SoftmaxOptions;
class Softmax : public Activation<Softmax, SoftmaxOptions> {
 public:
  explicit Softmax(SoftmaxOptions options = {}) : Activation("Softmax", options) {}
  std::string extra_repr() const override;
};
class LogSoftmax : public Activation<LogSoftmax, LogSoftmaxOptions> {
 public:
  explicit LogSoftmax(LogSoftmaxOptions options = {}) : Activation("LogSoftmax", options) {}
  std::string extra_repr() const override;
};
class Softmin : public Activation<Softmin, SoftminOptions> {
 public:
  explicit Softmin(SoftminOptions options = {}) : Activation("Softmin", options) {}
  std::string extra_repr() const override;
};

struct GLUOptions {
  std::int64_t dim = -1;
};
class GLU : public Activation<GLU, GLUOptions> {
 public:
  explicit GLU(GLUOptions options = {}) : Activation("GLU", options) {}
  std::string extra_repr() const override;
};

// Threshold(threshold, value, inplace=False): y = x if x > threshold else value.
struct ThresholdOptions {
  double threshold = 0.0;
  double value = 0.0;
  bool inplace = false;
};
class Threshold : public Activation<Threshold, ThresholdOptions> {
 public:
  explicit Threshold(ThresholdOptions options) : Activation("Threshold", options) {}
  std::string extra_repr() const override;
};

struct HardshrinkOptions {
  double lambd = 0.5;
};
using SoftshrinkOptions = HardshrinkOptions;
class Hardshrink : public Activation<Hardshrink, HardshrinkOptions> {
 public:
  explicit Hardshrink(HardshrinkOptions options = {}) : Activation("Hardshrink", options) {}
  std::string extra_repr() const override;
};
class Softshrink : public Activation<Softshrink, SoftshrinkOptions> {
 public:
  explicit Softshrink(SoftshrinkOptions options = {}) : Activation("Softshrink", options) {}
  std::string extra_repr() const override;
};

// RReLU draws its slopes during training forward passes, never at construction.
struct RReLUOptions {
  double lower = 1.0 / 8;
  double upper = 1.0 / 3;
  bool inplace = false;
};
class RReLU : public Activation<RReLU, RReLUOptions> {
 public:
  explicit RReLU(RReLUOptions options = {}) : Activation("RReLU", options) {}
  std::string extra_repr() const override;
};

// Modules without arguments.
class Sigmoid : public Layer<Sigmoid> {
 public:
  Sigmoid() : Layer("Sigmoid") {}
};
class Tanh : public Layer<Tanh> {
 public:
  Tanh() : Layer("Tanh") {}
};
class Softsign : public Layer<Softsign> {
 public:
  Softsign() : Layer("Softsign") {}
};
class Tanhshrink : public Layer<Tanhshrink> {
 public:
  Tanhshrink() : Layer("Tanhshrink") {}
};
class LogSigmoid : public Layer<LogSigmoid> {
 public:
  LogSigmoid() : Layer("LogSigmoid") {}
};
class Softmax2d : public Layer<Softmax2d> {
 public:
  Softmax2d() : Layer("Softmax2d") {}
};

// PReLU(num_parameters=1, init=0.25): weight (num_parameters) filled with init; no draws.
struct PReLUOptions {
  std::int64_t num_parameters = 1;
  double init = 0.25;
  DType dtype = DType::float32;
};
class PReLU : public Layer<PReLU> {
 public:
  explicit PReLU(PReLUOptions options = {}, Generator& generator = default_generator());
  const PReLUOptions& options() const { return options_; }
  const Tensor& weight() const { return parameter("weight"); }
  void reset_parameters(Generator& generator) override;
  std::string extra_repr() const override;

 private:
  PReLUOptions options_;
};

}  // namespace nninit::nn
