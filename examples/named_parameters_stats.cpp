// Print every parameter with its mean and standard deviation (PyTorch:
// for name, p in model.named_parameters(): print(name, p.mean().item(), p.std().item())).
#include <cstdio>
#include <memory>

#include "nninit/nninit.h"

int main() {
  namespace nn = nninit::nn;
  nninit::default_generator().manual_seed(0);
  nn::Sequential model(
      {std::make_shared<nn::Linear>(nn::LinearOptions{.in_features = 784, .out_features = 256}),
       std::make_shared<nn::ReLU>(),
       std::make_shared<nn::Linear>(nn::LinearOptions{.in_features = 256, .out_features = 10})});
  std::printf("%-10s %-12s %12s %12s\n", "name", "shape", "mean", "std");
  for (const auto& [name, tensor] : model.named_parameters()) {
    const auto s = nninit::statistics(tensor);
    std::printf("%-10s %-12s %12.6f %12.6f\n", name.c_str(), nninit::shape_string(tensor.sizes()).c_str(),
                s.mean, s.std);
  }
  return 0;
}
