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
  // First releases; see docs/rng.md for the pull request and evidence behind each line.
  TorchBehaviour b{};
  b.normal_double_uses_log1p = v >= TorchVersion{2, 1};
  b.uniform_clamps_to_from = v >= TorchVersion{2, 10};
  b.uniform_16bit_via_float = v >= TorchVersion{2, 10};
  b.normal_16bit_blockwise = v >= TorchVersion{2, 12};
  b.normal_scalar_fma = v >= TorchVersion{2, 12};
  b.trunc_normal_resampling = v >= TorchVersion{2, 11};
  b.erfinv_supports_half = v >= TorchVersion{2, 1};
  b.randperm_inside_out = v >= TorchVersion{2, 0};
  b.init_generator_argument = v >= TorchVersion{2, 1};
  b.conv_zero_fan_in_draws_bias = v >= TorchVersion{2, 0};
  return b;
}

}  // namespace nninit
