// Linear, Bilinear and Identity with PyTorch's default initialisation (docs/rng.md §7).
//
// A layer draws in its constructor, from the generator given (the default generator otherwise), and keeps
// no reference to it; the generator's release decides the checks and draws (random/generator.h).
//
//   default_generator().manual_seed(0);                            // torch.manual_seed(0)
//   nn::Linear fc({.in_features = 784, .out_features = 256});      // nn.Linear(784, 256)
//   TorchGenerator g(0, {.version = {1, 13}});
//   nn::Linear head({.in_features = 256, .out_features = 10, .bias = false}, g);  // 1.13's draws
//   const Tensor& w = fc.weight();                                 // (256, 784); a handle into fc's registry
#pragma once

#include <cstdint>

#include "nninit/nn/module.h"
#include "nninit/random/torch_generator.h"

namespace nninit::nn {

struct LinearOptions {
  std::int64_t in_features = 0;
  std::int64_t out_features = 0;
  bool bias = true;
  DType dtype = DType::float32;
};

// y = x W^T + b. weight (out, in): kaiming_uniform_(a=sqrt(5)), i.e. U(+-1/sqrt(in)); bias U(+-1/sqrt(in))
// (bound 0 when in == 0).
class Linear : public Layer<Linear> {
 public:
  explicit Linear(LinearOptions options, Generator& generator = default_generator());
  const LinearOptions& options() const { return options_; }
  const Tensor& weight() const { return parameter("weight"); }
  const Tensor& bias() const { return parameter("bias"); }
  void reset_parameters(Generator& generator) override;
  std::string extra_repr() const override;

 protected:
  // For subclasses that are a Linear under another PyTorch class name
  // (MultiheadAttention's NonDynamicallyQuantizableLinear).
  Linear(std::string type_name, LinearOptions options, Generator& generator);

 private:
  LinearOptions options_;
};

struct BilinearOptions {
  std::int64_t in1_features = 0;
  std::int64_t in2_features = 0;
  std::int64_t out_features = 0;
  bool bias = true;
  DType dtype = DType::float32;
};

// y = x1^T A x2 + b. weight (out, in1, in2) and bias both U(+-1/sqrt(in1)).
class Bilinear : public Layer<Bilinear> {
 public:
  explicit Bilinear(BilinearOptions options, Generator& generator = default_generator());
  const BilinearOptions& options() const { return options_; }
  void reset_parameters(Generator& generator) override;
  std::string extra_repr() const override;

 private:
  BilinearOptions options_;
};

// Passes its input through; has no parameters (its arguments are ignored, as in PyTorch).
class Identity : public Layer<Identity> {
 public:
  Identity() : Layer("Identity") {}
};

}  // namespace nninit::nn
