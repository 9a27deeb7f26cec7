// Losses for training probes and LSUV-style experiments: the value and its gradient with respect to the
// model's output, ready for run_backward. Computed in double from float32 inputs.
#pragma once

#include "nninit/core/tensor.h"

namespace nninit::engine {

struct Loss {
  double value = 0.0;
  Tensor grad;  // d(value)/d(output), float32, the output's shape
};

// nn.CrossEntropyLoss() with the default mean reduction: logits (N, C), targets int64 (N) in [0, C).
// IndexError "Target t is out of bounds." for a target outside [0, C).
Loss cross_entropy(const Tensor& logits, const Tensor& targets);

// nn.MSELoss() with the default mean reduction over all elements; shapes must be equal.
Loss mse_loss(const Tensor& output, const Tensor& target);

}  // namespace nninit::engine
