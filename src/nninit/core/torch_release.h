// Which PyTorch nninit imitates. PyTorch's CPU bits depend on two things besides the seed
// (docs/rng.md §4, §11): the release, because kernels and nn.init changed over time, and the
// CPU dispatch level ATen picked at run time, because GCC fused multiply-adds in the vectorised
// builds and the AVX2 kernels use a different math library. nninit names both and reproduces each
// combination on any CPU.
#pragma once

#include <compare>
#include <string>
#include <string_view>

#include "nninit/core/dtype.h"

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
  bool normal_double_uses_log1p;  // normal_distribution<double>: log1p(-u2) instead of log(1 - u2)
  bool uniform_clamps_to_from;    // uniform_: a result equal to `to` becomes `from`
  bool uniform_16bit_via_float;   // f16/bf16 uniform_: 24-bit float algorithm, then rounding
  bool half_math_rounds_each_op;  // c10's std::log/cos/sin/sqrt overloads cover Half (as BFloat16)
  bool normal_16bit_blockwise;    // f16/bf16 normal_ (n >= 16): float Box-Muller per block of 16
  bool normal_scalar_fma;         // generic-capability fill path and f64: explicit fma(x, std, mean)
  bool trunc_normal_resampling;   // trunc_normal_: normal + resample, or uniform rejection
  bool erfinv_supports_half;      // Tensor.erfinv_ has a Half kernel on CPU
  bool erff_correctly_rounded;    // the build's C library has a correctly rounded erff (glibc >= 2.41)
  bool reduced_float_mul_scalar_in_opmath;  // f16/bf16 tensor mul_ Python float: the scalar stays float (else
                                            // rounded to T)
  bool randperm_inside_out;                 // randperm(n >= 214748364): inside-out shuffle with random64
  bool random_64bit_from_2_28;              // random_(from, to): random64() from a range of 2^28 (was 2^32)
  bool init_generator_argument;             // nn.init functions take generator=
  bool conv_zero_fan_in_draws_bias;         // Conv with fan_in == 0 still draws its bias (bound 0)
  bool bilinear_checks_in1_features;  // Bilinear(in1_features=0) is a ValueError, not a ZeroDivisionError
  bool eye_supports_bfloat16;         // torch.eye has a BFloat16 kernel on CPU
  bool dispatch_error_is_not_implemented;  // "..." not implemented for 'Half' raises NotImplementedError
  bool overflow_names_c10_types;           // "cannot be converted to type c10::Half" (was at::Half)
  bool deprecation_is_future_warning;      // nn.init.uniform etc. warn with FutureWarning and backticks
  // Module constructors (nn layer): arguments that exist, checks that run, warnings and reprs.
  bool layer_norm_bias_argument;          // LayerNorm(bias=False) exists
  bool transformer_bias_argument;         // Transformer and its layers take bias=
  bool multihead_attention_checks_sizes;  // embed_dim, num_heads <= 0 is a ValueError up front
  bool rnn_checks_hidden_size;            // RNN/LSTM/GRU: "hidden_size must be greater than zero"
  bool rnn_checks_num_layers;             // RNN/LSTM/GRU: "num_layers must be greater than zero"
  bool rnn_checks_input_size;             // RNN/LSTM/GRU: "input_size must be greater than zero"
  bool transformer_encoder_warns_nested;  // TransformerEncoder warns when nested tensors cannot be used
  bool group_norm_message_has_values;     // "num_channels (4) must be divisible by num_groups (3)"
  bool norm_bias_argument;                // BatchNorm/InstanceNorm/GroupNorm take bias=; norms show bias=
  bool hardtanh_message;                  // Hardtanh(max_val <= min_val) says why, not a bare assert
  bool embedding_bag_repr_quotes_mode;    // EmbeddingBag's repr: mode='mean' rather than mode=mean
};

TorchBehaviour behaviour_of(TorchVersion version);

// ATen's dispatch failure, `"geqrf_cpu" not implemented for 'Half'`: a RuntimeError up to 2.6 and a
// NotImplementedError later. `function` starts the message, as every nninit error does.
[[noreturn]] void throw_not_implemented_for(const TorchBehaviour& behaviour, std::string_view function,
                                            std::string_view kernel, DType dtype);

struct TorchVariant {
  TorchVersion version = TorchVersion::newest();
  Capability capability = Capability::avx2;
};

}  // namespace nninit
