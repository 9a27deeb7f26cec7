// Which PyTorch nninit imitates. PyTorch's CPU bits depend on two things besides the seed
// (torch-semantics §4, §11): the release, because kernels and nn.init changed over time, and the
// CPU dispatch level ATen picked at run time, because GCC fused multiply-adds in the vectorised
// builds and the AVX2 kernels use a different math library. nninit names both and reproduces each
// combination on any CPU.
#pragma once

#include <compare>
#include <string>

namespace nninit {

// A PyTorch release, major.minor (patch releases do not change the random streams).
struct TorchVersion {
  int major = 2;
  int minor = 14;

  auto operator<=>(const TorchVersion&) const = default;
  std::string str() const;

  // The oldest release nninit imitates, and the newest it knows.
  static constexpr TorchVersion oldest() { return {1, 13}; }
  static constexpr TorchVersion newest() { return {2, 14}; }
  // True when this is a real PyTorch release in [oldest, newest].
  bool is_known() const;
};

// ATen's CPU dispatch level (the ATEN_CPU_CAPABILITY environment variable).
enum class Capability {
  generic,  // ATEN_CPU_CAPABILITY=default: the kernels built without AVX
  avx2,     // what a normal x86-64 PyTorch picks; the default here
  avx512,   // uniform_ is fused as on avx2; normal_ falls back to the AVX2 kernel
};

std::string capability_name(Capability capability);  // "default", "avx2", "avx512"

// The behaviours that differ between releases, each with the release that introduced it
// (docs/rng.md gives the evidence for every row).
struct TorchBehaviour {
  bool normal_double_uses_log1p;       // normal_distribution<double>: log1p(-u2) instead of log(1 - u2)
  bool uniform_clamps_to_from;         // uniform_: a result equal to `to` becomes `from`
  bool uniform_16bit_via_float;        // f16/bf16 uniform_: 24-bit float algorithm, then rounding
  bool normal_16bit_blockwise;         // f16/bf16 normal_ (n >= 16): float Box-Muller per block of 16
  bool normal_scalar_fma;              // generic-capability fill path and f64: explicit fma(x, std, mean)
  bool trunc_normal_resampling;        // trunc_normal_: normal + resample, or uniform rejection
  bool erfinv_supports_half;           // Tensor.erfinv_ has a Half kernel on CPU
  bool randperm_inside_out;            // randperm(n >= 214748364): inside-out shuffle with random64
  bool init_generator_argument;        // nn.init functions take generator=
  bool conv_zero_fan_in_draws_bias;    // Conv with fan_in == 0 still draws its bias (bound 0)
  bool bilinear_checks_in1_features;   // Bilinear(in1_features=0) is a ValueError, not a ZeroDivisionError
  bool deprecation_is_future_warning;  // nn.init.uniform etc. warn with FutureWarning and backticks
};

TorchBehaviour behaviour_of(TorchVersion version);

struct TorchVariant {
  TorchVersion version = TorchVersion::newest();
  Capability capability = Capability::avx2;
};

}  // namespace nninit
