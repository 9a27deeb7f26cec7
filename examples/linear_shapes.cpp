// Build a Linear layer and print the shapes of its parameters (PyTorch: nn.Linear(784, 256)).
#include <cstdio>

#include "nninit/nninit.h"

int main() {
  nninit::nn::Linear layer({.in_features = 784, .out_features = 256});
  std::printf("%s\n", layer.repr().c_str());
  for (const auto& [name, tensor] : layer.named_parameters()) {
    std::printf("%-6s %s\n", name.c_str(), nninit::shape_string(tensor.sizes()).c_str());
  }
  // weight [256, 784]: out_features x in_features, as PyTorch stores it.
  return layer.weight().sizes() == nninit::Shape{256, 784} && layer.bias().sizes() == nninit::Shape{256} ? 0
                                                                                                         : 1;
}
