#include "nninit/core/torch_release.h"

#include <fmt/format.h>

#include "nninit/core/error.h"

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
  b.normal_double_uses_log1p = v >= TorchVersion{2, 0};            // #92114
  b.uniform_clamps_to_from = v >= TorchVersion{2, 12};             // #175988
  b.uniform_16bit_via_float = v >= TorchVersion{2, 12};            // #175988
  b.half_math_rounds_each_op = v >= TorchVersion{2, 1};            // absent in 1.13, present in 2.6
  b.normal_16bit_blockwise = v >= TorchVersion{2, 13};             // #179834
  b.normal_scalar_fma = v >= TorchVersion{2, 13};                  // #179834
  b.trunc_normal_resampling = v >= TorchVersion{2, 12};            // #174997
  b.erfinv_supports_half = v >= TorchVersion{2, 1};                // present in 2.6, absent in 1.13
  b.erff_correctly_rounded = v >= TorchVersion{2, 0};              // Debian's 2.x builds run on glibc >= 2.41
  b.reduced_float_mul_scalar_in_opmath = v >= TorchVersion{2, 1};  // rounded to T in 1.13, float in 2.6
  b.randperm_inside_out = v >= TorchVersion{2, 6};                 // #143682
  b.random_64bit_from_2_28 = v >= TorchVersion{2, 7};              // #143787, #144819
  b.init_generator_argument = v >= TorchVersion{2, 1};             // #99796
  b.conv_zero_fan_in_draws_bias = v >= TorchVersion{2, 12};        // #175990
  b.bilinear_checks_in1_features = v >= TorchVersion{2, 8};        // #149018
  b.eye_supports_bfloat16 = v >= TorchVersion{2, 1};               // present in 2.6, absent in 1.13
  b.dispatch_error_is_not_implemented =
      v >= TorchVersion{2, 7};                           // RuntimeError in 2.6, NotImplementedError in 2.14
  b.overflow_names_c10_types = v >= TorchVersion{2, 7};  // at::Half in 2.6, c10::Half in 2.14
  b.deprecation_is_future_warning = v >= TorchVersion{2, 4};  // #127689
  // Module constructors. Checked against 1.13, 2.6 and 2.14 (nn's tests name the case for each); where
  // no pull request is named, the release is the first of those three that has the behaviour.
  b.layer_norm_bias_argument = v >= TorchVersion{2, 1};          // #101683
  b.transformer_bias_argument = v >= TorchVersion{2, 1};         // #101687
  b.multihead_attention_checks_sizes = v >= TorchVersion{2, 1};  // #106363
  b.rnn_checks_hidden_size = v >= TorchVersion{2, 1};            // #105659
  b.rnn_checks_num_layers = v >= TorchVersion{2, 2};             // #108853
  b.rnn_checks_input_size = v >= TorchVersion{2, 11};            // #166302 (merged Dec 2025)
  b.transformer_encoder_warns_nested = v >= TorchVersion{2, 1};  // reported on 2.1+; absent in 1.13
  b.group_norm_message_has_values = v >= TorchVersion{2, 11};    // #167925 (Nov 2025)
  b.norm_bias_argument = v >= TorchVersion{2, 12};               // #176573 (Mar 2026)
  b.hardtanh_message = v >= TorchVersion{2, 14};                 // absent in 2.6, present in 2.14
  b.embedding_bag_repr_quotes_mode = v >= TorchVersion{2, 6};    // absent in 1.13, present in 2.6
  return b;
}

void throw_not_implemented_for(const TorchBehaviour& behaviour, std::string_view function,
                               std::string_view kernel, DType dtype) {
  const std::string message =
      fmt::format("{}: \"{}\" not implemented for '{}'", function, kernel, scalar_type_name(dtype));
  if (behaviour.dispatch_error_is_not_implemented) throw NotImplementedError(message);
  throw RuntimeError(message);
}

}  // namespace nninit
