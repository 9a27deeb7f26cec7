// What a PyTorch release does: the one table of every behaviour nninit imitates that changed between
// PyTorch 1.13 and the newest release it knows, grouped by the code that reads it.
//
// PyTorch's CPU bits depend on two things besides the seed (docs/rng.md §4, §9): the release, because
// kernels, nn.init and torch.nn changed over time, and the CPU capability ATen dispatched to, because GCC
// fused multiply-adds in the vectorised builds and the AVX2 kernels use another math library. nninit names
// both (TorchVariant) and reproduces every combination on any CPU. The capability is the one PyTorch
// *emulated*; the instruction set nninit's own kernels use on this machine is another notion
// (random/host_isa.h), which never changes a bit.
//
//   const TorchRelease& r = TorchRelease::of({1, 13});
//   if (r.random.normal_double_uses_log1p) ...        // a random stream (random/)
//   if (r.modules.conv_zero_fan_in_draws_bias) ...    // a module constructor (nn/)
//   if (r.signatures.layer_norm_bias) ...             // an argument that exists (expr/)
//
// Each flag is the first release with the behaviour and its evidence (docs/rng.md §9): a pull request, or
// the three releases run here (1.13, 2.6, 2.14) where the behaviour was first seen.
#pragma once

#include <compare>
#include <optional>
#include <string>
#include <string_view>

#include "nninit/core/dtype.h"

namespace nninit {

// A PyTorch release, major.minor (patch releases do not change what nninit imitates).
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

// ATen's CPU dispatch level that nninit emulates (the ATEN_CPU_CAPABILITY environment variable of the
// PyTorch being imitated). Not the host's instruction set: that is random/host_isa.h's HostIsa.
enum class TorchCapability {
  generic,  // ATEN_CPU_CAPABILITY=default: the kernels built without AVX
  avx2,     // what a normal x86-64 PyTorch picks; the default here
  avx512,   // uniform_ is fused as on avx2; normal_ falls back to the AVX2 kernel
};

std::string torch_capability_name(TorchCapability capability);  // "default", "avx2", "avx512"

struct TorchRelease {
  TorchVersion version{};

  // The CPU generator's distributions (random/): how their bits are computed.
  struct RandomStreams {
    bool normal_double_uses_log1p = false;  // normal_distribution<double>: log1p(-u2), not log(1 - u2)
    bool uniform_clamps_to_from = false;    // uniform_: a result equal to `to` becomes `from`
    bool uniform_16bit_via_float = false;   // f16/bf16 uniform_: 24-bit float algorithm, then rounding
    bool half_math_rounds_each_op = false;  // c10's std::log/cos/sin/sqrt overloads cover Half (as BFloat16)
    bool normal_16bit_blockwise = false;    // f16/bf16 normal_ (n >= 16): float Box-Muller per block of 16
    bool normal_scalar_fma = false;        // generic-capability fill path and f64: explicit fma(x, std, mean)
    bool trunc_normal_resampling = false;  // trunc_normal_: normal + resample, or uniform rejection
    bool erff_correctly_rounded =
        false;  // the build's C library has a correctly rounded erff (glibc >= 2.41)
    bool reduced_float_mul_in_opmath = false;  // f16/bf16 tensor mul_ by a Python float keeps it in float
                                               // (else it is rounded to the tensor's type first)
    bool randperm_inside_out = false;          // randperm(n >= 214748364): inside-out shuffle with random64
    bool random_64bit_from_2_28 = false;  // random_(from, to): random64() from a range of 2^28 (was 2^32)
  } random;

  // nn.init's functions (init/): the kernels they reach.
  struct Init {
    bool erfinv_supports_half = false;   // Tensor.erfinv_ has a Half kernel on CPU (trunc_normal_ up to 2.11)
    bool eye_supports_bfloat16 = false;  // torch.eye has a BFloat16 kernel on CPU (eye_)
  } init;

  // torch.nn's constructors (nn/): the checks they run and the draws they make.
  struct Modules {
    bool conv_zero_fan_in_draws_bias = false;   // Conv with fan_in == 0 still draws its bias (bound 0)
    bool bilinear_checks_in1_features = false;  // Bilinear(in1_features=0): ValueError, not ZeroDivisionError
    bool multihead_attention_checks_sizes = false;  // embed_dim, num_heads <= 0 is a ValueError up front
    bool rnn_checks_hidden_size = false;            // RNN/LSTM/GRU: "hidden_size must be greater than zero"
    bool rnn_checks_num_layers = false;             // RNN/LSTM/GRU: "num_layers must be greater than zero"
    bool rnn_checks_input_size = false;             // RNN/LSTM/GRU: "input_size must be greater than zero"
    bool transformer_encoder_warns_nested = false;  // TransformerEncoder warns when nested tensors are off
    bool has_rms_norm = false;                      // torch.nn.RMSNorm exists
  } modules;

  // The words of errors, warnings and reprs.
  struct Messages {
    bool dispatch_error_is_not_implemented = false;  // "..." not implemented for 'Half': NotImplementedError
    bool overflow_names_c10_types = false;           // "cannot be converted to type c10::Half" (was at::Half)
    bool deprecation_is_future_warning = false;   // nn.init.uniform etc. warn with FutureWarning, backticks
    bool deprecation_says_renamed = false;        // Hardtanh(min_value=): "is deprecated and renamed to"
    bool module_init_names_class = false;         // "Tanh.__init__() takes ..." (was "Module.__init__()")
    bool group_norm_message_has_values = false;   // "num_channels (4) must be divisible by num_groups (3)"
    bool hardtanh_message = false;                // Hardtanh(max_val <= min_val) says why, not a bare assert
    bool embedding_bag_repr_quotes_mode = false;  // EmbeddingBag's repr: mode='mean' rather than mode=mean
    bool rnn_nonlinearity_select_hint = false;    // "Unknown nonlinearity ... Select from 'tanh' or 'relu'."
  } messages;

  // The arguments constructors and init functions accept (expr/ binds them; nn/ shows them in reprs).
  struct Signatures {
    bool init_generator = false;               // nn.init functions take generator=
    bool layer_norm_bias = false;              // LayerNorm(bias=False)
    bool transformer_bias = false;             // Transformer and its layers take bias=
    bool norm_bias = false;                    // BatchNorm/InstanceNorm/GroupNorm take bias=; reprs show it
    bool embedding_freeze = false;             // Embedding(_freeze=)
    bool rnn_nonlinearity_positional = false;  // RNN(10, 20, 2, 'relu') passes the nonlinearity positionally
  } signatures;

  // The table's row for a release (any major.minor; releases past the newest behave as the newest).
  static const TorchRelease& of(TorchVersion version);
  static const TorchRelease& newest() { return of(TorchVersion::newest()); }
};

// What nninit imitates: a release and the capability ATen dispatched to.
struct TorchVariant {
  TorchVersion version = TorchVersion::newest();
  TorchCapability capability = TorchCapability::avx2;

  const TorchRelease& release() const { return TorchRelease::of(version); }
};

// ATen's dispatch failure, `"geqrf_cpu" not implemented for 'Half'`: a RuntimeError up to 2.6 and a
// NotImplementedError later. `function` starts the message, as every nninit error does.
[[noreturn]] void throw_not_implemented_for(const TorchRelease& release, std::string_view function,
                                            std::string_view kernel, DType dtype);

}  // namespace nninit
