// LayerNorm starts as the identity transform: weight (the scale) ones, bias (the shift) zeros. PyTorch does
// this by default; nn.init.ones_/zeros_ restore it after other rules touched them.
#include <cstdio>

#include "nninit/nninit.h"

int main() {
  nninit::nn::LayerNorm norm({.normalized_shape = {512}});
  nninit::init::normal_(norm.parameter("weight"));  // disturb it, as a careless rule might
  nninit::init::ones_(norm.parameter("weight"));
  nninit::init::zeros_(norm.parameter("bias"));
  const auto w = nninit::statistics(norm.parameter("weight"));
  const auto b = nninit::statistics(norm.parameter("bias"));
  std::printf("%s: weight in [%g, %g], bias in [%g, %g]\n", norm.repr().c_str(), w.min, w.max, b.min, b.max);
  return w.min == 1.0 && w.max == 1.0 && b.min == 0.0 && b.max == 0.0 ? 0 : 1;
}
