// Helpers for the diag tests (test code only): random inputs and a finite-difference check of
// run_backward's gradients.
#pragma once

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "nninit/engine/trace.h"
#include "nninit/nn/module.h"
#include "nninit/random/torch_generator.h"

namespace nninit::engine::testing {

// A deterministic input the torch-values tests reproduce in PyTorch: element i (row-major) is
// cos(0.11 i + phase).
inline Tensor inp(Shape shape, double phase) {
  Tensor t = Tensor::empty(shape);
  const Tensor flat = t.view({-1});
  for (std::int64_t i = 0; i < flat.numel(); ++i)
    flat.set({i}, std::cos(0.11 * static_cast<double>(i) + phase));
  return t;
}

inline Tensor randn(Shape sizes, TorchGenerator& generator, double std = 1.0) {
  Tensor t = Tensor::empty(std::move(sizes));
  generator.normal_(t, 0.0, std);
  return t;
}

inline Tensor indices(std::vector<double> values, Shape sizes) {
  return Tensor::from_values(values, std::move(sizes), DType::int64);
}

// Fills every float32 parameter with N(0, std^2): modules whose default init is constant (norms) get
// non-trivial values, so that a wrong gradient formula cannot hide behind weight == 1.
inline void randomize_parameters(nn::Module& model, TorchGenerator& generator, double std = 0.5) {
  for (const NamedTensor& p : model.named_parameters()) generator.normal_(p.tensor, 0.0, std);
}

struct GradientCheckOptions {
  double step = 1e-2;       // central difference step
  double tolerance = 2e-2;  // |analytic - numeric| <= tolerance * (max |gradient| of the tensor + 1e-2)
  int samples = 12;         // elements checked per tensor
};

// The loss is sum_k <output_k, weights_k> over the floating-point outputs, computed in double.
inline double weighted_sum(nn::Module& model, const std::vector<Tensor>& inputs,
                           const std::vector<Tensor>& weights) {
  const std::vector<Tensor> outputs = forward(model, inputs);
  double loss = 0.0;
  for (std::size_t k = 0; k < weights.size(); ++k) {
    if (!weights[k].defined()) continue;
    const std::vector<double> y = outputs[k].contiguous().to_doubles();
    const std::vector<double> w = weights[k].to_doubles();
    for (std::size_t i = 0; i < y.size(); ++i) loss += y[i] * w[i];
  }
  return loss;
}

// Compares run_backward's gradient of every float input and every parameter with central differences
// on a sample of elements. Elements where the function has a kink within one step (the one-sided
// differences disagree) are skipped; at most a third of the elements may be skipped.
inline void expect_gradients_match(nn::Module& model, const std::vector<Tensor>& inputs,
                                   TorchGenerator& generator, GradientCheckOptions options = {}) {
  Trace trace = run_forward(model, inputs);
  std::vector<Tensor> weights;
  for (const Tensor& out : trace.outputs()) {
    weights.push_back(is_floating_point(out.dtype()) ? randn(out.sizes(), generator) : Tensor());
  }
  const Gradients grads = run_backward(trace, weights);
  auto check = [&](const std::string& what, const Tensor& target, const Tensor& analytic) {
    ASSERT_EQ(analytic.sizes(), target.sizes()) << what;
    const Tensor flat = target.view({-1});
    const std::vector<double> g = analytic.contiguous().to_doubles();
    double scale = 0.0;
    for (double v : g) scale = std::max(scale, std::fabs(v));
    const std::int64_t n = flat.numel();
    const std::int64_t stride = std::max<std::int64_t>(1, n / options.samples);
    int checked = 0, skipped = 0;
    for (std::int64_t i = (n / 7) % stride; i < n; i += stride) {
      const double original = flat.at({i});
      const double h = options.step;
      flat.set({i}, original + h);
      const double plus = weighted_sum(model, inputs, weights);
      flat.set({i}, original - h);
      const double minus = weighted_sum(model, inputs, weights);
      flat.set({i}, original);
      const double center = weighted_sum(model, inputs, weights);
      const double forward_diff = (plus - center) / h, backward_diff = (center - minus) / h;
      if (std::fabs(forward_diff - backward_diff) >
          0.2 * (std::fabs(forward_diff) + std::fabs(backward_diff)) + 0.05 * (scale + 1e-2)) {
        ++skipped;
        continue;
      }
      ++checked;
      const double numeric = (plus - minus) / (2 * h);
      EXPECT_NEAR(g[static_cast<std::size_t>(i)], numeric, options.tolerance * (scale + 1e-2))
          << what << " element " << i;
    }
    EXPECT_LE(skipped, (checked + skipped) / 3 + 1) << what << ": too many kinks to check";
  };
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    if (is_floating_point(inputs[k].dtype())) check(fmt::format("input {}", k), inputs[k], grads.inputs[k]);
  }
  const std::vector<NamedTensor> params = model.named_parameters();
  for (std::size_t k = 0; k < params.size(); ++k) {
    check(params[k].name, params[k].tensor, grads.parameters[k].tensor);
  }
}

}  // namespace nninit::engine::testing
