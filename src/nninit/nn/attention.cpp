#include "nninit/nn/attention.h"

#include <memory>

#include <fmt/format.h>

#include "nninit/core/error.h"
#include "nninit/init/init.h"
#include "nninit/nn/python_repr.h"

namespace nninit::nn {

MultiheadAttention::MultiheadAttention(MultiheadAttentionOptions options, Generator& generator)
    : Layer("MultiheadAttention"), options_(options) {
  const std::int64_t e = options.embed_dim;
  const std::int64_t heads = options.num_heads;
  if (generator.release().modules.multihead_attention_checks_sizes && (e <= 0 || heads <= 0)) {
    throw ValueError(
        fmt::format("MultiheadAttention: embed_dim and num_heads must be greater than 0, got embed_dim={} "
                    "and num_heads={} instead",
                    e, heads));
  }
  if (heads == 0) throw ZeroDivisionError("MultiheadAttention: integer division or modulo by zero");
  head_dim_ = python_floor_divide(e, heads);
  if (head_dim_ * heads != e)
    throw AssertionError("MultiheadAttention: embed_dim must be divisible by num_heads");

  const DType dtype = options.dtype;
  if (!qkv_same_embed_dim()) {
    register_parameter("q_proj_weight", Tensor::empty({e, e}, dtype));
    register_parameter("k_proj_weight", Tensor::empty({e, kdim()}, dtype));
    register_parameter("v_proj_weight", Tensor::empty({e, vdim()}, dtype));
    register_parameter("in_proj_weight", Tensor());
  } else {
    register_parameter("in_proj_weight", Tensor::empty({size_product(3, e, 1), e}, dtype));
    register_parameter("q_proj_weight", Tensor());
    register_parameter("k_proj_weight", Tensor());
    register_parameter("v_proj_weight", Tensor());
  }
  register_parameter("in_proj_bias", options.bias ? Tensor::empty({size_product(3, e, 1)}, dtype) : Tensor());
  register_module(
      "out_proj",
      std::make_shared<NonDynamicallyQuantizableLinear>(
          LinearOptions{.in_features = e, .out_features = e, .bias = options.bias, .dtype = dtype},
          generator));
  // Without add_bias_kv PyTorch sets plain None attributes: nothing is registered.
  if (options.add_bias_kv) {
    register_parameter("bias_k", Tensor::empty({1, 1, e}, dtype));
    register_parameter("bias_v", Tensor::empty({1, 1, e}, dtype));
  }
  reset_parameters(generator);
}

void MultiheadAttention::reset_parameters(Generator& generator) {
  if (qkv_same_embed_dim()) {
    init::xavier_uniform_(parameter("in_proj_weight"), {}, generator);
  } else {
    init::xavier_uniform_(parameter("q_proj_weight"), {}, generator);
    init::xavier_uniform_(parameter("k_proj_weight"), {}, generator);
    init::xavier_uniform_(parameter("v_proj_weight"), {}, generator);
  }
  if (has_parameter("in_proj_bias")) {
    init::constant_(parameter("in_proj_bias"), 0.0);
    init::constant_(child("out_proj").parameter("bias"), 0.0);
  }
  if (has_parameter("bias_k")) init::xavier_normal_(parameter("bias_k"), {}, generator);
  if (has_parameter("bias_v")) init::xavier_normal_(parameter("bias_v"), {}, generator);
}

}  // namespace nninit::nn
