// Transformer layers with PyTorch's submodules, names and draw order (docs/rng.md §7).
//
//   TransformerEncoderLayer  self_attn, linear1, dropout, linear2, norm1, norm2, dropout1, dropout2
//   TransformerDecoderLayer  self_attn, multihead_attn, linear1, dropout, linear2, norm1, norm2, norm3,
//                            dropout1, dropout2, dropout3
// Children are built, and draw, in that order. An activation given as a module (GELU(), ...) is one
// more child, "activation", registered last; given by name it is a function and no child.
//
// TransformerEncoder/Decoder deep-copy the given layer num_layers times into "layers" (a ModuleList;
// no new draws, all copies equal), then take `norm` as the child "norm" when one is given.
// Transformer builds encoder layer, encoder norm, encoder, decoder layer, decoder norm, decoder (each
// drawing as it is built), then applies xavier_uniform_ to every parameter with more than one dimension,
// in named_parameters() order.
//
// The encoder and decoder deep-copy the layer they are given: the copies share nothing with it, so a
// change to `layer` after construction does not reach the encoder.
//
//   auto layer = std::make_shared<nn::TransformerEncoderLayer>(
//       nn::TransformerLayerOptions{.d_model = 512, .nhead = 8, .batch_first = true});
//   auto norm = std::make_shared<nn::LayerNorm>(nn::LayerNormOptions{.normalized_shape = {512}});
//   nn::TransformerEncoder encoder({.encoder_layer = layer, .num_layers = 6, .norm = norm});
//   encoder.named_parameters();                  // layers.0.self_attn.in_proj_weight, ..., norm.bias
//   nn::Transformer small({.d_model = 256, .nhead = 4, .num_encoder_layers = 2, .num_decoder_layers = 2});
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "nninit/nn/module.h"
#include "nninit/random/torch_generator.h"

namespace nninit::nn {

enum class TransformerActivation { relu, gelu };

std::string_view transformer_activation_name(TransformerActivation activation);  // "relu", "gelu"
// PyTorch's _get_activation_fn: RuntimeError "activation should be relu/gelu, not tanh". PyTorch raises it
// after the layer's submodules are built (and have drawn); nninit raises it before.
TransformerActivation transformer_activation_from_name(std::string_view name, std::string_view layer);

// TransformerEncoderLayer / TransformerDecoderLayer(d_model, nhead, dim_feedforward=2048, dropout=0.1,
// activation='relu', layer_norm_eps=1e-05, batch_first=False, norm_first=False, bias=True).
// `activation_module`, when set, is the activation passed as a module and replaces `activation`.
struct TransformerLayerOptions {
  std::int64_t d_model = 0;
  std::int64_t nhead = 0;
  std::int64_t dim_feedforward = 2048;
  double dropout = 0.1;
  TransformerActivation activation = TransformerActivation::relu;
  ModulePtr activation_module{};
  double layer_norm_eps = 1e-5;
  bool batch_first = false;
  bool norm_first = false;
  bool bias = true;
  DType dtype = DType::float32;
};
using TransformerEncoderLayerOptions = TransformerLayerOptions;
using TransformerDecoderLayerOptions = TransformerLayerOptions;

class TransformerEncoderLayer : public Layer<TransformerEncoderLayer> {
 public:
  // bias=False before 2.1 is Python's TypeError for an unknown keyword.
  explicit TransformerEncoderLayer(TransformerLayerOptions options,
                                   Generator& generator = default_generator());
  const TransformerLayerOptions& options() const { return options_; }
  // PyTorch's activation_relu_or_gelu: 1 for relu (or a ReLU module), 2 for gelu (or a GELU module), else 0.
  int activation_relu_or_gelu() const;

 private:
  TransformerLayerOptions options_;
};

class TransformerDecoderLayer : public Layer<TransformerDecoderLayer> {
 public:
  explicit TransformerDecoderLayer(TransformerLayerOptions options,
                                   Generator& generator = default_generator());
  const TransformerLayerOptions& options() const { return options_; }

 private:
  TransformerLayerOptions options_;
};

// TransformerEncoder(encoder_layer, num_layers, norm=None, enable_nested_tensor=True, mask_check=True).
struct TransformerEncoderOptions {
  ModulePtr encoder_layer{};
  std::int64_t num_layers = 0;
  ModulePtr norm{};
  bool enable_nested_tensor = true;
  bool mask_check = true;
};

class TransformerEncoder : public Layer<TransformerEncoder> {
 public:
  // From 2.1 (TorchRelease::modules.transformer_encoder_warns_nested) warns, as PyTorch does, when
  // enable_nested_tensor is set but the layer rules the fast path out ("... because
  // encoder_layer.self_attn.batch_first was not True..."). Draws nothing.
  explicit TransformerEncoder(TransformerEncoderOptions options, Generator& generator = default_generator());
  const TransformerEncoderOptions& options() const { return options_; }
  // enable_nested_tensor, unless the warning turned it off.
  bool use_nested_tensor() const { return use_nested_tensor_; }

 private:
  TransformerEncoderOptions options_;
  bool use_nested_tensor_ = true;
};

// TransformerDecoder(decoder_layer, num_layers, norm=None).
struct TransformerDecoderOptions {
  ModulePtr decoder_layer{};
  std::int64_t num_layers = 0;
  ModulePtr norm{};
};

class TransformerDecoder : public Layer<TransformerDecoder> {
 public:
  explicit TransformerDecoder(TransformerDecoderOptions options);
  const TransformerDecoderOptions& options() const { return options_; }

 private:
  TransformerDecoderOptions options_;
};

// Transformer(d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6, dim_feedforward=2048,
// dropout=0.1, activation='relu', custom_encoder=None, custom_decoder=None, layer_norm_eps=1e-05,
// batch_first=False, norm_first=False, bias=True).
struct TransformerOptions {
  std::int64_t d_model = 512;
  std::int64_t nhead = 8;
  std::int64_t num_encoder_layers = 6;
  std::int64_t num_decoder_layers = 6;
  std::int64_t dim_feedforward = 2048;
  double dropout = 0.1;
  TransformerActivation activation = TransformerActivation::relu;
  ModulePtr activation_module{};
  ModulePtr custom_encoder{};
  ModulePtr custom_decoder{};
  double layer_norm_eps = 1e-5;
  bool batch_first = false;
  bool norm_first = false;
  bool bias = true;
  DType dtype = DType::float32;
};

class Transformer : public Layer<Transformer> {
 public:
  explicit Transformer(TransformerOptions options, Generator& generator = default_generator());
  const TransformerOptions& options() const { return options_; }
  // PyTorch's _reset_parameters: xavier_uniform_ on every parameter of the whole tree with dim > 1
  // (custom encoders and decoders included).
  void reset_parameters(Generator& generator) override;

 private:
  TransformerOptions options_;
};

}  // namespace nninit::nn
