#include "nninit/nn/transformer.h"

#include <memory>
#include <utility>

#include <fmt/format.h>

#include "nninit/core/error.h"
#include "nninit/core/warning.h"
#include "nninit/init/init.h"
#include "nninit/nn/activation.h"
#include "nninit/nn/attention.h"
#include "nninit/nn/container.h"
#include "nninit/nn/dropout.h"
#include "nninit/nn/linear.h"
#include "nninit/nn/normalization.h"

namespace nninit::nn {
namespace {

void check_bias_argument(bool bias, std::string_view layer, Generator& generator) {
  if (!bias && !generator.release().signatures.transformer_bias) {
    throw TypeError(fmt::format("{}: {}.__init__() got an unexpected keyword argument 'bias'", layer, layer));
  }
}

ModulePtr attention(const TransformerLayerOptions& o, Generator& generator) {
  return std::make_shared<MultiheadAttention>(MultiheadAttentionOptions{.embed_dim = o.d_model,
                                                                        .num_heads = o.nhead,
                                                                        .dropout = o.dropout,
                                                                        .bias = o.bias,
                                                                        .batch_first = o.batch_first,
                                                                        .dtype = o.dtype},
                                              generator);
}

ModulePtr linear(std::int64_t in, std::int64_t out, const TransformerLayerOptions& o, Generator& generator) {
  return std::make_shared<Linear>(
      LinearOptions{.in_features = in, .out_features = out, .bias = o.bias, .dtype = o.dtype}, generator);
}

ModulePtr layer_norm(std::int64_t d_model, double eps, bool bias, DType dtype, Generator& generator) {
  return std::make_shared<LayerNorm>(
      LayerNormOptions{.normalized_shape = {d_model}, .eps = eps, .bias = bias, .dtype = dtype}, generator);
}

ModulePtr dropout(double p) {
  return std::make_shared<Dropout>(DropoutOptions{.p = p});
}

// _get_clones: a ModuleList of num_layers deep copies (none for num_layers <= 0, as range() gives).
ModulePtr clones(const ModulePtr& layer, std::int64_t num_layers) {
  auto list = std::make_shared<ModuleList>();
  for (std::int64_t i = 0; i < num_layers; ++i) list->push_back(layer->clone());
  return list;
}

}  // namespace

std::string_view transformer_activation_name(TransformerActivation activation) {
  return activation == TransformerActivation::gelu ? "gelu" : "relu";
}

TransformerActivation transformer_activation_from_name(std::string_view name, std::string_view layer) {
  if (name == "relu") return TransformerActivation::relu;
  if (name == "gelu") return TransformerActivation::gelu;
  throw RuntimeError(fmt::format("{}: activation should be relu/gelu, not {}", layer, name));
}

TransformerEncoderLayer::TransformerEncoderLayer(TransformerLayerOptions options, Generator& generator)
    : Layer("TransformerEncoderLayer"), options_(std::move(options)) {
  const TransformerLayerOptions& o = options_;
  check_bias_argument(o.bias, "TransformerEncoderLayer", generator);
  register_module("self_attn", attention(o, generator));
  register_module("linear1", linear(o.d_model, o.dim_feedforward, o, generator));
  register_module("dropout", dropout(o.dropout));
  register_module("linear2", linear(o.dim_feedforward, o.d_model, o, generator));
  register_module("norm1", layer_norm(o.d_model, o.layer_norm_eps, o.bias, o.dtype, generator));
  register_module("norm2", layer_norm(o.d_model, o.layer_norm_eps, o.bias, o.dtype, generator));
  register_module("dropout1", dropout(o.dropout));
  register_module("dropout2", dropout(o.dropout));
  if (o.activation_module) register_module("activation", o.activation_module);
}

int TransformerEncoderLayer::activation_relu_or_gelu() const {
  // The child rather than options().activation_module, which a deep copy leaves pointing at the original.
  for (const auto& [name, child] : own_children()) {
    if (name != "activation" || !child) continue;
    if (child->type_name() == "ReLU") return 1;
    return child->type_name() == "GELU" ? 2 : 0;
  }
  return options_.activation == TransformerActivation::relu ? 1 : 2;
}

TransformerDecoderLayer::TransformerDecoderLayer(TransformerLayerOptions options, Generator& generator)
    : Layer("TransformerDecoderLayer"), options_(std::move(options)) {
  const TransformerLayerOptions& o = options_;
  check_bias_argument(o.bias, "TransformerDecoderLayer", generator);
  register_module("self_attn", attention(o, generator));
  register_module("multihead_attn", attention(o, generator));
  register_module("linear1", linear(o.d_model, o.dim_feedforward, o, generator));
  register_module("dropout", dropout(o.dropout));
  register_module("linear2", linear(o.dim_feedforward, o.d_model, o, generator));
  register_module("norm1", layer_norm(o.d_model, o.layer_norm_eps, o.bias, o.dtype, generator));
  register_module("norm2", layer_norm(o.d_model, o.layer_norm_eps, o.bias, o.dtype, generator));
  register_module("norm3", layer_norm(o.d_model, o.layer_norm_eps, o.bias, o.dtype, generator));
  register_module("dropout1", dropout(o.dropout));
  register_module("dropout2", dropout(o.dropout));
  register_module("dropout3", dropout(o.dropout));
  if (o.activation_module) register_module("activation", o.activation_module);
}

TransformerEncoder::TransformerEncoder(TransformerEncoderOptions options, Generator& generator)
    : Layer("TransformerEncoder"),
      options_(std::move(options)),
      use_nested_tensor_(options_.enable_nested_tensor) {
  if (!options_.encoder_layer) throw ValueError("TransformerEncoder: encoder_layer is required");
  register_module("layers", clones(options_.encoder_layer, options_.num_layers));
  if (options_.norm) register_module("norm", options_.norm);

  // Why the sparsity fast path cannot be used, in the order PyTorch tests it.
  std::string why;
  const auto* layer = dynamic_cast<const TransformerEncoderLayer*>(options_.encoder_layer.get());
  if (layer == nullptr) {
    why = "encoder_layer was not TransformerEncoderLayer";
  } else {
    const auto& attn = layer->child_as<MultiheadAttention>("self_attn");
    const auto& norm1 = layer->child_as<LayerNorm>("norm1");
    const auto& norm2 = layer->child_as<LayerNorm>("norm2");
    if (layer->options().norm_first) {
      why = "encoder_layer.norm_first was True";
    } else if (!attn.options().batch_first) {
      why =
          "encoder_layer.self_attn.batch_first was not True(use batch_first for better inference "
          "performance)";
    } else if (!attn.qkv_same_embed_dim()) {
      why = "encoder_layer.self_attn._qkv_same_embed_dim was not True";
    } else if (!attn.has_parameter("in_proj_bias")) {
      why = "encoder_layer.self_attn was passed bias=False";
    } else if (layer->activation_relu_or_gelu() == 0) {
      why = "encoder_layer.activation_relu_or_gelu was not True";
    } else if (norm1.options().eps != norm2.options().eps) {
      why = "encoder_layer.norm1.eps was not equal to encoder_layer.norm2.eps";
    } else if (attn.options().num_heads % 2 != 0) {
      why = "encoder_layer.self_attn.num_heads is odd";
    }
  }
  if (options_.enable_nested_tensor && !why.empty() &&
      generator.release().modules.transformer_encoder_warns_nested) {
    warn("enable_nested_tensor is True, but self.use_nested_tensor is False because " + why);
    use_nested_tensor_ = false;
  }
}

TransformerDecoder::TransformerDecoder(TransformerDecoderOptions options)
    : Layer("TransformerDecoder"), options_(std::move(options)) {
  if (!options_.decoder_layer) throw ValueError("TransformerDecoder: decoder_layer is required");
  register_module("layers", clones(options_.decoder_layer, options_.num_layers));
  if (options_.norm) register_module("norm", options_.norm);
}

Transformer::Transformer(TransformerOptions options, Generator& generator)
    : Layer("Transformer"), options_(std::move(options)) {
  const TransformerOptions& o = options_;
  check_bias_argument(o.bias, "Transformer", generator);
  const TransformerLayerOptions layer{.d_model = o.d_model,
                                      .nhead = o.nhead,
                                      .dim_feedforward = o.dim_feedforward,
                                      .dropout = o.dropout,
                                      .activation = o.activation,
                                      .activation_module = o.activation_module,
                                      .layer_norm_eps = o.layer_norm_eps,
                                      .batch_first = o.batch_first,
                                      .norm_first = o.norm_first,
                                      .bias = o.bias,
                                      .dtype = o.dtype};
  ModulePtr encoder = o.custom_encoder;
  if (!encoder) {
    auto encoder_layer = std::make_shared<TransformerEncoderLayer>(layer, generator);
    auto encoder_norm = layer_norm(o.d_model, o.layer_norm_eps, o.bias, o.dtype, generator);
    encoder = std::make_shared<TransformerEncoder>(
        TransformerEncoderOptions{
            .encoder_layer = encoder_layer, .num_layers = o.num_encoder_layers, .norm = encoder_norm},
        generator);
  }
  register_module("encoder", encoder);
  ModulePtr decoder = o.custom_decoder;
  if (!decoder) {
    auto decoder_layer = std::make_shared<TransformerDecoderLayer>(layer, generator);
    auto decoder_norm = layer_norm(o.d_model, o.layer_norm_eps, o.bias, o.dtype, generator);
    decoder = std::make_shared<TransformerDecoder>(TransformerDecoderOptions{
        .decoder_layer = decoder_layer, .num_layers = o.num_decoder_layers, .norm = decoder_norm});
  }
  register_module("decoder", decoder);
  reset_parameters(generator);
}

void Transformer::reset_parameters(Generator& generator) {
  for (const NamedTensor& p : named_parameters()) {
    if (p.tensor.dim() > 1) init::xavier_uniform_(p.tensor, {}, generator);
  }
}

}  // namespace nninit::nn
