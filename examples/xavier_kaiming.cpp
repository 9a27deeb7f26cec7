// Xavier and Kaiming on a layer, and the standard deviation each gives compared with the theory:
// Xavier: sqrt(2 / (fan_in + fan_out)); Kaiming (ReLU, fan_in): sqrt(2 / fan_in).
#include <cmath>
#include <cstdio>

#include "nninit/nninit.h"

int main() {
  namespace init = nninit::init;
  nninit::default_generator().manual_seed(0);
  nninit::nn::Linear layer({.in_features = 784, .out_features = 256});

  init::xavier_uniform_(layer.weight());
  const double xavier = nninit::statistics(layer.weight()).std;
  init::kaiming_normal_(layer.weight(), {.nonlinearity = init::Nonlinearity::relu});
  const double kaiming = nninit::statistics(layer.weight()).std;

  const double xavier_theory = std::sqrt(2.0 / (784 + 256));
  const double kaiming_theory = std::sqrt(2.0 / 784);
  std::printf("xavier_uniform_: std %.5f (theory %.5f)\n", xavier, xavier_theory);
  std::printf("kaiming_normal_: std %.5f (theory %.5f)\n", kaiming, kaiming_theory);
  const bool ok =
      std::fabs(xavier / xavier_theory - 1) < 0.02 && std::fabs(kaiming / kaiming_theory - 1) < 0.02;
  return ok ? 0 : 1;
}
