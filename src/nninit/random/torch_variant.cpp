#include "nninit/random/torch_variant.h"

#include <fmt/format.h>

namespace nninit {

std::string TorchVersion::str() const {
  return fmt::format("{}.{}", major, minor);
}

bool TorchVersion::is_known() const {
  if (major == 1) return minor == 13;
  return major == 2 && minor >= 0 && *this <= newest();
}

std::string capability_name(Capability capability) {
  switch (capability) {
    case Capability::generic: return "default";
    case Capability::avx2: return "avx2";
    case Capability::avx512: return "avx512";
  }
  return "?";
}

TorchBehaviour behaviour_of(TorchVersion v) {
  // First releases, each with its pull request; docs/rng.md says which were checked against a real
  // PyTorch (1.13, 2.6, 2.14) and which are dated from the pull request against the release branch cuts.
  TorchBehaviour b{};
  b.normal_double_uses_log1p = v >= TorchVersion{2, 0};       // #92114
  b.uniform_clamps_to_from = v >= TorchVersion{2, 12};        // #175988
  b.uniform_16bit_via_float = v >= TorchVersion{2, 12};       // #175988
  b.normal_16bit_blockwise = v >= TorchVersion{2, 13};        // #179834
  b.normal_scalar_fma = v >= TorchVersion{2, 13};             // #179834
  b.trunc_normal_resampling = v >= TorchVersion{2, 12};       // #174997
  b.erfinv_supports_half = v >= TorchVersion{2, 1};           // present in 2.6, absent in 1.13
  b.randperm_inside_out = v >= TorchVersion{2, 6};            // #143682
  b.init_generator_argument = v >= TorchVersion{2, 1};        // #99796
  b.conv_zero_fan_in_draws_bias = v >= TorchVersion{2, 12};   // #175990
  b.bilinear_checks_in1_features = v >= TorchVersion{2, 8};   // #149018
  b.deprecation_is_future_warning = v >= TorchVersion{2, 4};  // #127689
  return b;
}

}  // namespace nninit
