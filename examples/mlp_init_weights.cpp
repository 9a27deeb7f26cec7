// An init_weights function applied with apply() to the 784-256-128-10 MLP, as in PyTorch:
//
//   def init_weights(m):
//       if isinstance(m, nn.Linear):
//           nn.init.kaiming_normal_(m.weight, nonlinearity='relu')
//           nn.init.zeros_(m.bias)
//   torch.manual_seed(0)
//   model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
//   model.apply(init_weights)
//
// The weights equal PyTorch's bit for bit (seed 0, PyTorch 2.14 on AVX2 by default).
#include <cstdio>
#include <memory>

#include "nninit/nninit.h"

namespace nn = nninit::nn;
namespace init = nninit::init;

void init_weights(nn::Module& m) {
  if (auto* linear = dynamic_cast<nn::Linear*>(&m)) {
    init::kaiming_normal_(linear->weight(), {.nonlinearity = init::Nonlinearity::relu});
    init::zeros_(linear->bias());
  }
}

int main() {
  nninit::default_generator().manual_seed(0);
  nn::Sequential model(
      {std::make_shared<nn::Linear>(nn::LinearOptions{.in_features = 784, .out_features = 256}),
       std::make_shared<nn::ReLU>(),
       std::make_shared<nn::Linear>(nn::LinearOptions{.in_features = 256, .out_features = 128}),
       std::make_shared<nn::ReLU>(),
       std::make_shared<nn::Linear>(nn::LinearOptions{.in_features = 128, .out_features = 10})});
  model.apply(init_weights);
  std::printf("%s\n", model.repr().c_str());
  for (const auto& [name, tensor] : model.named_parameters()) {
    const auto s = nninit::statistics(tensor);
    std::printf("%-10s %-12s mean %+.5f std %.5f\n", name.c_str(),
                nninit::shape_string(tensor.sizes()).c_str(), s.mean, s.std);
  }
  return 0;
}
