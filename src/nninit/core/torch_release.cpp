#include "nninit/core/torch_release.h"

#include <array>

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

std::string torch_capability_name(TorchCapability capability) {
  switch (capability) {
    case TorchCapability::generic: return "default";
    case TorchCapability::avx2: return "avx2";
    case TorchCapability::avx512: return "avx512";
  }
  return "?";
}

namespace {

// The table. Each row says from which release on PyTorch behaves so, with the pull request that made the
// change; docs/rng.md §9 says which were checked against a running PyTorch (1.13, 2.6, 2.14) and which are
// dated from the pull request against the release branch cuts. Where no pull request is named, the release
// is the first of 1.13, 2.6 and 2.14 that has the behaviour.
TorchRelease row(TorchVersion v) {
  const auto from = [&](int major, int minor) { return v >= TorchVersion{major, minor}; };
  TorchRelease r;
  r.version = v;

  r.random.normal_double_uses_log1p = from(2, 0);     // #92114
  r.random.uniform_clamps_to_from = from(2, 12);      // #175988
  r.random.uniform_16bit_via_float = from(2, 12);     // #175988
  r.random.half_math_rounds_each_op = from(2, 1);     // absent in 1.13, present in 2.6
  r.random.normal_16bit_blockwise = from(2, 13);      // #179834
  r.random.normal_scalar_fma = from(2, 13);           // #179834
  r.random.trunc_normal_resampling = from(2, 12);     // #174997
  r.random.erff_correctly_rounded = from(2, 0);       // Debian's 2.x builds run on glibc >= 2.41
  r.random.reduced_float_mul_in_opmath = from(2, 1);  // rounded to T in 1.13, float in 2.6
  r.random.randperm_inside_out = from(2, 6);          // #143682
  r.random.random_64bit_from_2_28 = from(2, 7);       // #143787, #144819

  r.init.erfinv_supports_half = from(2, 1);   // present in 2.6, absent in 1.13
  r.init.eye_supports_bfloat16 = from(2, 1);  // present in 2.6, absent in 1.13

  r.modules.conv_zero_fan_in_draws_bias = from(2, 12);      // #175990
  r.modules.bilinear_checks_in1_features = from(2, 8);      // #149018
  r.modules.multihead_attention_checks_sizes = from(2, 1);  // #106363
  r.modules.rnn_checks_hidden_size = from(2, 1);            // #105659
  r.modules.rnn_checks_num_layers = from(2, 2);             // #108853
  r.modules.rnn_checks_input_size = from(2, 11);            // #166302 (merged Dec 2025)
  r.modules.transformer_encoder_warns_nested = from(2, 1);  // reported on 2.1+; absent in 1.13
  r.modules.has_rms_norm = from(2, 4);                      // #121364

  r.messages.dispatch_error_is_not_implemented =
      from(2, 7);                                          // RuntimeError in 2.6, NotImplementedError in 2.14
  r.messages.overflow_names_c10_types = from(2, 7);        // at::Half in 2.6, c10::Half in 2.14
  r.messages.deprecation_is_future_warning = from(2, 4);   // #127689
  r.messages.deprecation_says_renamed = from(2, 14);       // "rename" in 2.6, "renamed" in 2.14
  r.messages.module_init_names_class = from(2, 0);         // Module.__init__ takes *args, **kwargs
  r.messages.group_norm_message_has_values = from(2, 11);  // #167925 (Nov 2025)
  r.messages.hardtanh_message = from(2, 14);               // absent in 2.6, present in 2.14
  r.messages.embedding_bag_repr_quotes_mode = from(2, 6);  // absent in 1.13, present in 2.6
  r.messages.rnn_nonlinearity_select_hint = from(2, 3);    // #120234

  r.signatures.init_generator = from(2, 1);               // #99796
  r.signatures.layer_norm_bias = from(2, 1);              // #101683
  r.signatures.transformer_bias = from(2, 1);             // #101687
  r.signatures.norm_bias = from(2, 12);                   // #176573 (Mar 2026)
  r.signatures.embedding_freeze = from(2, 0);             // present in 2.0
  r.signatures.rnn_nonlinearity_positional = from(2, 3);  // #120234
  return r;
}

constexpr int newest_minor = TorchVersion::newest().minor;

}  // namespace

const TorchRelease& TorchRelease::of(TorchVersion version) {
  // One row per known release: 1.13, then 2.0 to the newest. A version outside that range reads the
  // nearest row (the CLI refuses such versions before they get here).
  static const std::array<TorchRelease, newest_minor + 2> table = [] {
    std::array<TorchRelease, newest_minor + 2> rows;
    rows[0] = row(TorchVersion::oldest());
    for (int minor = 0; minor <= newest_minor; ++minor)
      rows[static_cast<std::size_t>(minor) + 1] = row({2, minor});
    return rows;
  }();
  if (version <= TorchVersion::oldest() || version.major < 2) return table.front();
  if (version >= TorchVersion::newest()) return table.back();
  return table[static_cast<std::size_t>(version.minor) + 1];
}

void throw_not_implemented_for(const TorchRelease& release, std::string_view function,
                               std::string_view kernel, DType dtype) {
  const std::string message =
      fmt::format("{}: \"{}\" not implemented for '{}'", function, kernel, scalar_type_name(dtype));
  if (release.messages.dispatch_error_is_not_implemented) throw NotImplementedError(message);
  throw RuntimeError(message);
}

}  // namespace nninit
