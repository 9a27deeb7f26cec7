// An init_cnn function that treats convolutions and linear layers differently:
//
//   def init_cnn(m):
//       if isinstance(m, nn.Conv2d):
//           nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')
//           nn.init.zeros_(m.bias)
//       elif isinstance(m, nn.Linear):
//           nn.init.xavier_uniform_(m.weight)
//           nn.init.zeros_(m.bias)
#include <cstdio>
#include <memory>

#include "nninit/nninit.h"

namespace nn = nninit::nn;
namespace init = nninit::init;

void init_cnn(nn::Module& m) {
  if (auto* conv = dynamic_cast<nn::Conv2d*>(&m)) {
    init::kaiming_normal_(conv->parameter("weight"),
                          {.mode = init::FanMode::fan_out, .nonlinearity = init::Nonlinearity::relu});
    init::zeros_(conv->parameter("bias"));
  } else if (auto* linear = dynamic_cast<nn::Linear*>(&m)) {
    init::xavier_uniform_(linear->weight());
    init::zeros_(linear->bias());
  }
}

int main() {
  nninit::default_generator().manual_seed(0);
  nn::Sequential model({
      std::make_shared<nn::Conv2d>(
          nn::ConvOptions{.in_channels = 1, .out_channels = 16, .kernel_size = {3, 3}, .padding = {1, 1}}),
      std::make_shared<nn::ReLU>(),
      std::make_shared<nn::MaxPool2d>(nn::MaxPoolOptions{.kernel_size = {2, 2}}),
      std::make_shared<nn::Conv2d>(
          nn::ConvOptions{.in_channels = 16, .out_channels = 32, .kernel_size = {3, 3}, .padding = {1, 1}}),
      std::make_shared<nn::ReLU>(),
      std::make_shared<nn::MaxPool2d>(nn::MaxPoolOptions{.kernel_size = {2, 2}}),
      std::make_shared<nn::Flatten>(),
      std::make_shared<nn::Linear>(nn::LinearOptions{.in_features = 32 * 7 * 7, .out_features = 10}),
  });
  model.apply(init_cnn);
  for (const auto& [name, tensor] : model.named_parameters()) {
    const auto s = nninit::statistics(tensor);
    const auto r = nninit::init::reference_stds(tensor);
    std::printf("%-9s %-16s std %.5f  (kaiming fan_in %.5f, xavier %.5f)\n", name.c_str(),
                nninit::shape_string(tensor.sizes()).c_str(), s.std, r.kaiming_relu, r.xavier);
  }
  return 0;
}
