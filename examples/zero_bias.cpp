// Zero a layer's bias (PyTorch: nn.init.zeros_(layer.bias)).
#include <cstdio>

#include "nninit/nninit.h"

int main() {
  nninit::nn::Linear layer({.in_features = 128, .out_features = 10});
  nninit::init::zeros_(layer.bias());
  const nninit::TensorStatistics s = nninit::statistics(layer.bias());
  std::printf("bias after zeros_: min %g, max %g, %.0f%% zeros\n", s.min, s.max, 100 * s.zero_fraction);
  return s.min == 0.0 && s.max == 0.0 ? 0 : 1;
}
