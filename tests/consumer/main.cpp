// Builds against an installed nninit and checks one known answer: nn.Linear(4, 3) after
// torch.manual_seed(0) has bias bits bef491b8 bea98b52 be530ee8 (PyTorch 1.13.1 and 2.14.1).
#include <bit>
#include <cstdint>
#include <cstdio>

#include "nninit/nninit.h"

int main() {
  nninit::default_generator().manual_seed(0);
  nninit::nn::Linear linear({.in_features = 4, .out_features = 3});
  const std::uint32_t expected[] = {0xbef491b8u, 0xbea98b52u, 0xbe530ee8u};
  for (std::int64_t i = 0; i < 3; ++i) {
    const auto bits = std::bit_cast<std::uint32_t>(static_cast<float>(linear.bias().at({i})));
    if (bits != expected[i]) {
      std::fprintf(stderr, "bias[%ld] = %08x, expected %08x\n", static_cast<long>(i), bits, expected[i]);
      return 1;
    }
  }
  std::puts("consumer: nninit found, Linear(4, 3) matches PyTorch");
  return 0;
}
