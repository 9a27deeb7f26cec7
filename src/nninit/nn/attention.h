// MultiheadAttention with PyTorch's parameters, registration order and draw order
// (docs/rng.md §7).
//
// Registration: in_proj_weight (3E, E), or q_proj_weight (E, E), k_proj_weight (E, kdim) and
// v_proj_weight (E, vdim) when kdim or vdim differs from E (the other names registered as None); then
// in_proj_bias (3E) or None; the child out_proj, a Linear(E, E) named NonDynamicallyQuantizableLinear;
// then bias_k and bias_v (1, 1, E) when add_bias_kv. named_parameters() therefore lists out_proj.*
// last, after bias_k and bias_v.
//
// Draws: out_proj is built inside __init__ and draws as any Linear (kaiming_uniform_ weight, uniform_
// bias); then xavier_uniform_ on in_proj_weight (or q, k, v in turn); in_proj_bias and out_proj.bias are
// set to 0 (the bias draws were consumed already); then xavier_normal_ on bias_k, then bias_v.
//
//   nn::MultiheadAttention attention({.embed_dim = 512, .num_heads = 8, .batch_first = true});
//   attention.parameter("in_proj_weight").sizes();                 // {1536, 512}, xavier_uniform_
//   attention.child_as<nn::Linear>("out_proj").bias();             // zeros(512)
//   nn::MultiheadAttention cross({.embed_dim = 64, .num_heads = 4, .kdim = 32, .vdim = 32});  // q, k, v
#pragma once

#include <cstdint>
#include <optional>

#include "nninit/nn/linear.h"
#include "nninit/nn/module.h"
#include "nninit/random/torch_generator.h"

namespace nninit::nn {

// A Linear under the class name PyTorch gives MultiheadAttention's output projection.
class NonDynamicallyQuantizableLinear : public Layer<NonDynamicallyQuantizableLinear, Linear> {
 public:
  explicit NonDynamicallyQuantizableLinear(LinearOptions options, Generator& generator = default_generator())
      : Layer("NonDynamicallyQuantizableLinear", options, generator) {}
};

// MultiheadAttention(embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
// add_zero_attn=False, kdim=None, vdim=None, batch_first=False).
struct MultiheadAttentionOptions {
  std::int64_t embed_dim = 0;
  std::int64_t num_heads = 0;
  double dropout = 0.0;
  bool bias = true;
  bool add_bias_kv = false;
  bool add_zero_attn = false;
  std::optional<std::int64_t> kdim{};
  std::optional<std::int64_t> vdim{};
  bool batch_first = false;
  DType dtype = DType::float32;
};

class MultiheadAttention : public Layer<MultiheadAttention> {
 public:
  // From 2.1 (TorchRelease::modules.multihead_attention_checks_sizes) embed_dim <= 0 or num_heads <= 0 is a
  // ValueError; before, num_heads == 0 is Python's ZeroDivisionError and other values go on as Python's
  // floor division takes them. AssertionError "embed_dim must be divisible by num_heads" otherwise.
  explicit MultiheadAttention(MultiheadAttentionOptions options, Generator& generator = default_generator());
  const MultiheadAttentionOptions& options() const { return options_; }
  std::int64_t kdim() const { return options_.kdim.value_or(options_.embed_dim); }
  std::int64_t vdim() const { return options_.vdim.value_or(options_.embed_dim); }
  std::int64_t head_dim() const { return head_dim_; }
  // Whether q, k and v share one packed in_proj_weight (kdim == vdim == embed_dim).
  bool qkv_same_embed_dim() const { return kdim() == options_.embed_dim && vdim() == options_.embed_dim; }
  // PyTorch's _reset_parameters: everything after out_proj's own draws.
  void reset_parameters(Generator& generator) override;

 private:
  MultiheadAttentionOptions options_;
  std::int64_t head_dim_ = 0;
};

}  // namespace nninit::nn
