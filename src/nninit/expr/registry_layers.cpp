// The registry's layers with parameters, the containers and the transformers (module_registry.h). Each
// signature is the one PyTorch's __init__ has in the release (checked with inspect.signature against 1.13,
// 2.6 and 2.14); each builder converts the bound arguments as PyTorch's __init__ uses them.
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "nninit/expr/init_expression.h"
#include "nninit/expr/module_registry.h"
#include "nninit/nn/activation.h"
#include "nninit/nn/attention.h"
#include "nninit/nn/container.h"
#include "nninit/nn/conv.h"
#include "nninit/nn/linear.h"
#include "nninit/nn/module_dict.h"
#include "nninit/nn/normalization.h"
#include "nninit/nn/rnn.h"
#include "nninit/nn/sparse.h"
#include "nninit/nn/transformer.h"

namespace nninit::expr {
namespace {

using lang::declare::b;
using lang::declare::f;
using lang::declare::i;
using lang::declare::keyword_only;
using lang::declare::optional;
using lang::declare::required;
using lang::declare::s;
using registry::init_of;
using registry::with_factory_arguments;
using Kind = lang::Value::Kind;

// ----- Linear, Bilinear

lang::Signature linear_signature(const TorchRelease&, std::string_view) {
  return init_of("Linear", with_factory_arguments({required("in_features"), required("out_features"),
                                                   optional("bias", b(true))}));
}

nn::ModulePtr build_linear(const LayerArguments& a, Generator& g) {
  return std::make_shared<nn::Linear>(nn::LinearOptions{.in_features = a.integer("in_features"),
                                                        .out_features = a.integer("out_features"),
                                                        .bias = a.truthy("bias"),
                                                        .dtype = a.dtype()},
                                      g);
}

lang::Signature bilinear_signature(const TorchRelease&, std::string_view) {
  return init_of("Bilinear", with_factory_arguments({required("in1_features"), required("in2_features"),
                                                     required("out_features"), optional("bias", b(true))}));
}

nn::ModulePtr build_bilinear(const LayerArguments& a, Generator& g) {
  return std::make_shared<nn::Bilinear>(nn::BilinearOptions{.in1_features = a.integer("in1_features"),
                                                            .in2_features = a.integer("in2_features"),
                                                            .out_features = a.integer("out_features"),
                                                            .bias = a.truthy("bias"),
                                                            .dtype = a.dtype()},
                                        g);
}

// ----- Convolutions

lang::Signature conv_signature(const TorchRelease&, std::string_view layer) {
  return init_of(layer, with_factory_arguments({required("in_channels"), required("out_channels"),
                                                required("kernel_size"), optional("stride", i(1)),
                                                optional("padding", i(0)), optional("dilation", i(1)),
                                                optional("groups", i(1)), optional("bias", b(true)),
                                                optional("padding_mode", s("zeros"))}));
}

template <class Layer, std::size_t N>
nn::ModulePtr build_conv(const LayerArguments& a, Generator& g) {
  nn::ConvOptions o;
  o.in_channels = a.integer("in_channels");
  o.out_channels = a.integer("out_channels");
  o.kernel_size = a.sizes("kernel_size", N);
  o.stride = a.sizes("stride", N);
  // `padding if isinstance(padding, str) else _pair(padding)`
  const lang::Value& padding = a["padding"];
  o.padding = padding.kind() == Kind::string ? nn::ConvPadding::from_name(padding.string_value(), a.layer())
                                             : nn::ConvPadding(a.sizes("padding", N));
  o.dilation = a.sizes("dilation", N);
  o.groups = a.integer("groups");
  o.bias = a.truthy("bias");
  o.padding_mode = nn::padding_mode_from_name(a.string("padding_mode"), a.layer());
  o.dtype = a.dtype();
  return std::make_shared<Layer>(o, g);
}

lang::Signature conv_transpose_signature(const TorchRelease&, std::string_view layer) {
  return init_of(layer,
                 with_factory_arguments({required("in_channels"), required("out_channels"),
                                         required("kernel_size"), optional("stride", i(1)),
                                         optional("padding", i(0)), optional("output_padding", i(0)),
                                         optional("groups", i(1)), optional("bias", b(true)),
                                         optional("dilation", i(1)), optional("padding_mode", s("zeros"))}));
}

template <class Layer, std::size_t N>
nn::ModulePtr build_conv_transpose(const LayerArguments& a, Generator& g) {
  // _ConvTransposeNd's first check: `if padding_mode != 'zeros'`, whatever the value.
  const lang::Value& mode = a["padding_mode"];
  if (mode.kind() != Kind::string || mode.string_value() != "zeros") {
    throw ValueError(
        fmt::format("{}: Only \"zeros\" padding mode is supported for {}", a.layer(), a.layer()));
  }
  nn::ConvTransposeOptions o;
  o.in_channels = a.integer("in_channels");
  o.out_channels = a.integer("out_channels");
  o.kernel_size = a.sizes("kernel_size", N);
  o.stride = a.sizes("stride", N);
  o.padding = a.sizes("padding", N);
  o.output_padding = a.sizes("output_padding", N);
  o.groups = a.integer("groups");
  o.bias = a.truthy("bias");
  o.dilation = a.sizes("dilation", N);
  o.dtype = a.dtype();
  return std::make_shared<Layer>(o, g);
}

// ----- Embedding, EmbeddingBag

lang::Signature embedding_signature(const TorchRelease& release, std::string_view) {
  std::vector<lang::Parameter> p = {required("num_embeddings"),
                                    required("embedding_dim"),
                                    optional("padding_idx", lang::Value()),
                                    optional("max_norm", lang::Value()),
                                    optional("norm_type", f(2.0)),
                                    optional("scale_grad_by_freq", b(false)),
                                    optional("sparse", b(false)),
                                    optional("_weight", lang::Value())};
  if (release.signatures.embedding_freeze) p.push_back(optional("_freeze", b(false)));
  return init_of("Embedding", with_factory_arguments(std::move(p)));
}

void refuse_weight(const LayerArguments& a) {
  if (!a["_weight"].is_none()) {
    a.fail("_weight", ErrorKind::value,
           fmt::format("{}: nninit draws the weight; it cannot take a _weight tensor", a.layer()));
  }
}

nn::ModulePtr build_embedding(const LayerArguments& a, Generator& g) {
  refuse_weight(a);
  return std::make_shared<nn::Embedding>(
      nn::EmbeddingOptions{.num_embeddings = a.integer("num_embeddings"),
                           .embedding_dim = a.integer("embedding_dim"),
                           .padding_idx = a.optional_integer("padding_idx"),
                           .max_norm = a.optional_real("max_norm"),
                           .norm_type = a.real("norm_type"),
                           .scale_grad_by_freq = a.truthy("scale_grad_by_freq"),
                           .sparse = a.truthy("sparse"),
                           .dtype = a.dtype()},
      g);
}

lang::Signature embedding_bag_signature(const TorchRelease&, std::string_view) {
  return init_of(
      "EmbeddingBag",
      with_factory_arguments(
          {required("num_embeddings"), required("embedding_dim"), optional("max_norm", lang::Value()),
           optional("norm_type", f(2.0)), optional("scale_grad_by_freq", b(false)),
           optional("mode", s("mean")), optional("sparse", b(false)), optional("_weight", lang::Value()),
           optional("include_last_offset", b(false)), optional("padding_idx", lang::Value())}));
}

nn::ModulePtr build_embedding_bag(const LayerArguments& a, Generator& g) {
  refuse_weight(a);
  const lang::Value& mode = a["mode"];
  nn::EmbeddingBagMode bag_mode = nn::EmbeddingBagMode::mean;
  if (mode.kind() == Kind::string && mode.string_value() == "sum") {
    bag_mode = nn::EmbeddingBagMode::sum;
  } else if (mode.kind() == Kind::string && mode.string_value() == "max") {
    bag_mode = nn::EmbeddingBagMode::max;
  } else if (mode.kind() != Kind::string || mode.string_value() != "mean") {
    // PyTorch keeps any mode and fails in forward, in F.embedding_bag's words.
    a.fail("mode", ErrorKind::value, fmt::format("{}: mode has to be one of sum, mean or max", a.layer()));
  }
  return std::make_shared<nn::EmbeddingBag>(
      nn::EmbeddingBagOptions{.num_embeddings = a.integer("num_embeddings"),
                              .embedding_dim = a.integer("embedding_dim"),
                              .max_norm = a.optional_real("max_norm"),
                              .norm_type = a.real("norm_type"),
                              .scale_grad_by_freq = a.truthy("scale_grad_by_freq"),
                              .mode = bag_mode,
                              .sparse = a.truthy("sparse"),
                              .include_last_offset = a.truthy("include_last_offset"),
                              .padding_idx = a.optional_integer("padding_idx"),
                              .dtype = a.dtype()},
      g);
}

// ----- Normalisation

lang::Signature layer_norm_signature(const TorchRelease& release, std::string_view) {
  std::vector<lang::Parameter> p = {required("normalized_shape"), optional("eps", f(1e-5)),
                                    optional("elementwise_affine", b(true))};
  if (release.signatures.layer_norm_bias) p.push_back(optional("bias", b(true)));
  return init_of("LayerNorm", with_factory_arguments(std::move(p)));
}

// The norms' bias= where the release has it, else True.
bool bias_or_true(const LayerArguments& a, bool release_has_it) {
  return !release_has_it || a.truthy("bias");
}

nn::ModulePtr build_layer_norm(const LayerArguments& a, Generator& g) {
  nn::LayerNormOptions o;
  o.normalized_shape = a.int_sequence("normalized_shape");
  o.eps = a.real("eps");
  o.elementwise_affine = a.truthy("elementwise_affine");
  o.bias = bias_or_true(a, a.release().signatures.layer_norm_bias);
  o.dtype = a.dtype();
  return std::make_shared<nn::LayerNorm>(o, g);
}

// GroupNorm, _BatchNorm and _InstanceNorm have `*, bias=True` after dtype from 2.12.
std::vector<lang::Parameter> with_norm_bias(std::vector<lang::Parameter> p, const TorchRelease& release) {
  if (release.signatures.norm_bias) p.push_back(lang::declare::keyword_only("bias", b(true)));
  return with_factory_arguments(std::move(p));
}

lang::Signature group_norm_signature(const TorchRelease& release, std::string_view) {
  return init_of("GroupNorm", with_norm_bias({required("num_groups"), required("num_channels"),
                                              optional("eps", f(1e-5)), optional("affine", b(true))},
                                             release));
}

nn::ModulePtr build_group_norm(const LayerArguments& a, Generator& g) {
  nn::GroupNormOptions o;
  o.num_groups = a.integer("num_groups");
  o.num_channels = a.integer("num_channels");
  o.eps = a.real("eps");
  o.affine = a.truthy("affine");
  o.bias = bias_or_true(a, a.release().signatures.norm_bias);
  o.dtype = a.dtype();
  return std::make_shared<nn::GroupNorm>(o, g);
}

lang::Signature rms_norm_signature(const TorchRelease&, std::string_view) {
  return init_of("RMSNorm",
                 with_factory_arguments({required("normalized_shape"), optional("eps", lang::Value()),
                                         optional("elementwise_affine", b(true))}));
}

nn::ModulePtr build_rms_norm(const LayerArguments& a, Generator& g) {
  nn::RMSNormOptions o;
  o.normalized_shape = a.int_sequence("normalized_shape");
  o.eps = a.optional_real("eps");
  o.elementwise_affine = a.truthy("elementwise_affine");
  o.dtype = a.dtype();
  return std::make_shared<nn::RMSNorm>(o, g);
}

template <bool Instance>
lang::Signature norm_base_signature(const TorchRelease& release, std::string_view) {
  return init_of(
      Instance ? "_InstanceNorm" : "_BatchNorm",
      with_norm_bias({required("num_features"), optional("eps", f(1e-5)), optional("momentum", f(0.1)),
                      optional("affine", b(!Instance)), optional("track_running_stats", b(!Instance))},
                     release));
}

template <class Layer, class Options>
nn::ModulePtr build_norm_base(const LayerArguments& a, Generator& g) {
  Options o;
  o.num_features = a.integer("num_features");
  o.eps = a.real("eps");
  o.momentum = a.optional_real("momentum");
  o.affine = a.truthy("affine");
  o.track_running_stats = a.truthy("track_running_stats");
  o.bias = bias_or_true(a, a.release().signatures.norm_bias);
  o.dtype = a.dtype();
  return std::make_shared<Layer>(o, g);
}

// ----- PReLU, MultiheadAttention

lang::Signature prelu_signature(const TorchRelease&, std::string_view) {
  return init_of("PReLU",
                 with_factory_arguments({optional("num_parameters", i(1)), optional("init", f(0.25))}));
}

nn::ModulePtr build_prelu(const LayerArguments& a, Generator& g) {
  return std::make_shared<nn::PReLU>(
      nn::PReLUOptions{
          .num_parameters = a.integer("num_parameters"), .init = a.real("init"), .dtype = a.dtype()},
      g);
}

lang::Signature multihead_attention_signature(const TorchRelease&, std::string_view) {
  return init_of(
      "MultiheadAttention",
      with_factory_arguments({required("embed_dim"), required("num_heads"), optional("dropout", f(0.0)),
                              optional("bias", b(true)), optional("add_bias_kv", b(false)),
                              optional("add_zero_attn", b(false)), optional("kdim", lang::Value()),
                              optional("vdim", lang::Value()), optional("batch_first", b(false))}));
}

nn::ModulePtr build_multihead_attention(const LayerArguments& a, Generator& g) {
  nn::MultiheadAttentionOptions o;
  o.embed_dim = a.integer("embed_dim");
  o.num_heads = a.integer("num_heads");
  o.dropout = a.real("dropout");
  o.bias = a.truthy("bias");
  o.add_bias_kv = a.truthy("add_bias_kv");
  o.add_zero_attn = a.truthy("add_zero_attn");
  o.kdim = a.optional_integer("kdim");
  o.vdim = a.optional_integer("vdim");
  o.batch_first = a.truthy("batch_first");
  o.dtype = a.dtype();
  return std::make_shared<nn::MultiheadAttention>(o, g);
}

// ----- Recurrent layers

// RNN, LSTM and GRU take *args, **kwargs and call RNNBase.__init__(mode, *args, **kwargs); RNN first takes
// its nonlinearity out, and RNN and GRU refuse proj_size.
lang::Call prepare_rnn(const lang::Call& call, const TorchRelease& release, std::string_view layer) {
  lang::Call prepared = call;
  auto keyword = [&](std::string_view name) {
    return std::find_if(prepared.keywords.begin(), prepared.keywords.end(),
                        [&](const lang::KeywordArgument& k) { return k.name == name; });
  };
  if (layer != "LSTM") {
    if (const auto proj = keyword("proj_size"); proj != prepared.keywords.end()) {
      throw ArgumentError(
          ErrorKind::value,
          fmt::format("{}: proj_size argument is only supported for LSTM, not RNN or GRU", layer),
          proj->name_range);
    }
  }
  std::string mode = layer == "LSTM" ? "LSTM" : "GRU";
  if (layer == "RNN") {
    lang::Value nonlinearity = s("tanh");
    if (release.signatures.rnn_nonlinearity_positional && prepared.args.size() > 3) {
      nonlinearity = prepared.args[3];
      prepared.args.erase(prepared.args.begin() + 3);
    } else if (const auto given = keyword("nonlinearity"); given != prepared.keywords.end()) {
      nonlinearity = given->value;
      prepared.keywords.erase(given);
    }
    const bool is_string = nonlinearity.kind() == Kind::string;
    if (is_string && nonlinearity.string_value() == "tanh") {
      mode = "RNN_TANH";
    } else if (is_string && nonlinearity.string_value() == "relu") {
      mode = "RNN_RELU";
    } else {
      const std::string select =
          release.messages.rnn_nonlinearity_select_hint ? ". Select from 'tanh' or 'relu'." : "";
      throw ArgumentError(ErrorKind::value,
                          fmt::format("RNN: Unknown nonlinearity '{}'{}", python_str(nonlinearity), select),
                          nonlinearity.range().empty() ? call.callee_range : nonlinearity.range());
    }
  }
  prepared.args.insert(prepared.args.begin(), s(mode));
  return prepared;
}

lang::Signature rnn_base_signature(const TorchRelease&, std::string_view) {
  return init_of("RNNBase",
                 with_factory_arguments({required("mode"), required("input_size"), required("hidden_size"),
                                         optional("num_layers", i(1)), optional("bias", b(true)),
                                         optional("batch_first", b(false)), optional("dropout", f(0.0)),
                                         optional("bidirectional", b(false)), optional("proj_size", i(0))}));
}

// RNNBase's own type checks, in its order (the range checks are the nn layer's).
void check_rnn_types(const LayerArguments& a) {
  const lang::Value& dropout = a["dropout"];
  if (dropout.kind() != Kind::integer && dropout.kind() != Kind::floating) {
    a.fail("dropout", ErrorKind::value,
           fmt::format("{}: dropout should be a number in range [0, 1] representing the probability of an "
                       "element being zeroed",
                       a.layer()));
  }
  const TorchRelease& release = a.release();
  const auto require = [&](std::string_view name, Kind kind, std::string_view type) {
    const lang::Value& value = a[name];
    const bool ok = value.kind() == kind || (kind == Kind::integer && value.kind() == Kind::boolean);
    if (!ok) {
      a.fail(name, ErrorKind::type,
             fmt::format("{}: {} should be of type {}, got: {}", a.layer(), name, type, value.type_name()));
    }
  };
  // The bias, batch_first and input_size checks came with the input_size check (#166302).
  if (release.modules.rnn_checks_input_size) {
    require("bias", Kind::boolean, "bool");
    require("batch_first", Kind::boolean, "bool");
    require("input_size", Kind::integer, "int");
  }
  if (release.modules.rnn_checks_hidden_size) require("hidden_size", Kind::integer, "int");
}

nn::ModulePtr build_rnn(const LayerArguments& a, Generator& g) {
  check_rnn_types(a);
  const std::string& mode = a.string("mode");
  const std::int64_t input_size = a.integer("input_size");
  const std::int64_t hidden_size = a.integer("hidden_size");
  const std::int64_t num_layers = a.integer("num_layers");
  const bool bias = a.truthy("bias");
  const bool batch_first = a.truthy("batch_first");
  const double dropout = a.real("dropout");
  const bool bidirectional = a.truthy("bidirectional");
  const std::int64_t proj_size = a.integer("proj_size");
  const DType dtype = a.dtype();
  if (mode == "LSTM") {
    return std::make_shared<nn::LSTM>(nn::LSTMOptions{.input_size = input_size,
                                                      .hidden_size = hidden_size,
                                                      .num_layers = num_layers,
                                                      .bias = bias,
                                                      .batch_first = batch_first,
                                                      .dropout = dropout,
                                                      .bidirectional = bidirectional,
                                                      .proj_size = proj_size,
                                                      .dtype = dtype},
                                      g);
  }
  if (proj_size != 0) {
    // Only a positional proj_size gets here; PyTorch would build a GRU or RNN with projections.
    a.fail("proj_size", ErrorKind::value,
           fmt::format("{}: proj_size argument is only supported for LSTM, not RNN or GRU", a.layer()));
  }
  if (mode == "GRU") {
    return std::make_shared<nn::GRU>(nn::GRUOptions{.input_size = input_size,
                                                    .hidden_size = hidden_size,
                                                    .num_layers = num_layers,
                                                    .bias = bias,
                                                    .batch_first = batch_first,
                                                    .dropout = dropout,
                                                    .bidirectional = bidirectional,
                                                    .dtype = dtype},
                                     g);
  }
  return std::make_shared<nn::RNN>(
      nn::RNNOptions{
          .input_size = input_size,
          .hidden_size = hidden_size,
          .num_layers = num_layers,
          .nonlinearity = mode == "RNN_RELU" ? nn::RNNNonlinearity::relu : nn::RNNNonlinearity::tanh,
          .bias = bias,
          .batch_first = batch_first,
          .dropout = dropout,
          .bidirectional = bidirectional,
          .dtype = dtype},
      g);
}

template <bool WithNonlinearity>
lang::Signature rnn_cell_signature(const TorchRelease&, std::string_view layer) {
  std::vector<lang::Parameter> p = {required("input_size"), required("hidden_size"),
                                    optional("bias", b(true))};
  if (WithNonlinearity) p.push_back(optional("nonlinearity", s("tanh")));
  return init_of(layer, with_factory_arguments(std::move(p)));
}

template <class Layer, bool WithNonlinearity>
nn::ModulePtr build_rnn_cell(const LayerArguments& a, Generator& g) {
  const std::int64_t input_size = a.integer("input_size");
  const std::int64_t hidden_size = a.integer("hidden_size");
  const bool bias = a.truthy("bias");
  if constexpr (WithNonlinearity) {
    // PyTorch keeps any nonlinearity and fails only in forward, after the cell has drawn: so does nninit.
    const std::string name = a.string("nonlinearity");
    const nn::RNNNonlinearity nonlinearity = name == "tanh"   ? nn::RNNNonlinearity::tanh
                                             : name == "relu" ? nn::RNNNonlinearity::relu
                                                              : nn::RNNNonlinearity::other;
    return std::make_shared<Layer>(nn::RNNCellOptions{.input_size = input_size,
                                                      .hidden_size = hidden_size,
                                                      .bias = bias,
                                                      .nonlinearity = nonlinearity,
                                                      .nonlinearity_name = name,
                                                      .dtype = a.dtype()},
                                   g);
  } else {
    return std::make_shared<Layer>(
        nn::LSTMCellOptions{
            .input_size = input_size, .hidden_size = hidden_size, .bias = bias, .dtype = a.dtype()},
        g);
  }
}

// ----- Transformers

lang::Value default_activation() {
  return lang::Value::make_name("torch.nn.functional.relu");
}

std::vector<lang::Parameter> transformer_layer_parameters(const TorchRelease& release) {
  std::vector<lang::Parameter> p = {required("d_model"),
                                    required("nhead"),
                                    optional("dim_feedforward", i(2048)),
                                    optional("dropout", f(0.1)),
                                    optional("activation", default_activation()),
                                    optional("layer_norm_eps", f(1e-5)),
                                    optional("batch_first", b(false)),
                                    optional("norm_first", b(false))};
  if (release.signatures.transformer_bias) p.push_back(optional("bias", b(true)));
  return with_factory_arguments(std::move(p));
}

lang::Signature transformer_layer_signature(const TorchRelease& release, std::string_view layer) {
  return init_of(layer, transformer_layer_parameters(release));
}

// activation: 'relu' or 'gelu', F.relu or F.gelu, or a module, which becomes the child "activation".
// Returns another string, for which PyTorch's _get_activation_fn raises at the end of the layer's __init__,
// after its submodules have drawn; the caller builds the layer with relu and then raises, so that the
// generator ends where PyTorch's does.
std::optional<std::string> set_activation(const LayerArguments& a, nn::TransformerActivation& activation,
                                          nn::ModulePtr& module) {
  const lang::Value& value = a["activation"];
  if (value.kind() == Kind::string) {
    const std::string& name = value.string_value();
    if (name != "relu" && name != "gelu") return name;
    activation = nn::transformer_activation_from_name(name, a.layer());
    return std::nullopt;
  }
  if (value.kind() == Kind::name) {
    if (const std::optional<std::string> function = functional_name(value.name())) {
      activation = nn::transformer_activation_from_name(*function, a.layer());
      return std::nullopt;
    }
  }
  if (nn::ModulePtr given = a.module_of(value)) {
    module = std::move(given);
    return std::nullopt;
  }
  a.fail("activation", ErrorKind::type,
         fmt::format("{}: nninit takes activation='relu' or 'gelu', F.relu, F.gelu or a module such as "
                     "nn.SiLU(), not {}",
                     a.layer(), python_typename(value, a.release())));
}

nn::TransformerLayerOptions transformer_layer_options(const LayerArguments& a,
                                                      std::optional<std::string>& bad_activation) {
  nn::TransformerLayerOptions o;
  o.d_model = a.integer("d_model");
  o.nhead = a.integer("nhead");
  o.dim_feedforward = a.integer("dim_feedforward");
  o.dropout = a.real("dropout");
  bad_activation = set_activation(a, o.activation, o.activation_module);
  o.layer_norm_eps = a.real("layer_norm_eps");
  o.batch_first = a.truthy("batch_first");
  o.norm_first = a.truthy("norm_first");
  o.bias = bias_or_true(a, a.release().signatures.transformer_bias);
  o.dtype = a.dtype();
  return o;
}

template <class Layer>
nn::ModulePtr build_transformer_layer(const LayerArguments& a, Generator& g) {
  std::optional<std::string> bad_activation;
  auto layer = std::make_shared<Layer>(transformer_layer_options(a, bad_activation), g);
  if (bad_activation) nn::transformer_activation_from_name(*bad_activation, a.layer());  // throws
  return layer;
}

lang::Signature transformer_encoder_signature(const TorchRelease&, std::string_view) {
  return init_of("TransformerEncoder",
                 {required("encoder_layer"), required("num_layers"), optional("norm", lang::Value()),
                  optional("enable_nested_tensor", b(true)), optional("mask_check", b(true))});
}

nn::ModulePtr build_transformer_encoder(const LayerArguments& a, Generator& g) {
  nn::TransformerEncoderOptions o;
  o.encoder_layer = a.module("encoder_layer");
  o.num_layers = a.integer("num_layers");
  o.norm = a.optional_module("norm");
  o.enable_nested_tensor = a.truthy("enable_nested_tensor");
  o.mask_check = a.truthy("mask_check");
  return std::make_shared<nn::TransformerEncoder>(o, g);
}

lang::Signature transformer_decoder_signature(const TorchRelease&, std::string_view) {
  return init_of("TransformerDecoder",
                 {required("decoder_layer"), required("num_layers"), optional("norm", lang::Value())});
}

nn::ModulePtr build_transformer_decoder(const LayerArguments& a, Generator&) {
  nn::TransformerDecoderOptions o;
  o.decoder_layer = a.module("decoder_layer");
  o.num_layers = a.integer("num_layers");
  o.norm = a.optional_module("norm");
  return std::make_shared<nn::TransformerDecoder>(o);
}

lang::Signature transformer_signature(const TorchRelease& release, std::string_view) {
  std::vector<lang::Parameter> p = {optional("d_model", i(512)),
                                    optional("nhead", i(8)),
                                    optional("num_encoder_layers", i(6)),
                                    optional("num_decoder_layers", i(6)),
                                    optional("dim_feedforward", i(2048)),
                                    optional("dropout", f(0.1)),
                                    optional("activation", default_activation()),
                                    optional("custom_encoder", lang::Value()),
                                    optional("custom_decoder", lang::Value()),
                                    optional("layer_norm_eps", f(1e-5)),
                                    optional("batch_first", b(false)),
                                    optional("norm_first", b(false))};
  if (release.signatures.transformer_bias) p.push_back(optional("bias", b(true)));
  return init_of("Transformer", with_factory_arguments(std::move(p)));
}

nn::ModulePtr build_transformer(const LayerArguments& a, Generator& g) {
  nn::TransformerOptions o;
  o.d_model = a.integer("d_model");
  o.nhead = a.integer("nhead");
  o.num_encoder_layers = a.integer("num_encoder_layers");
  o.num_decoder_layers = a.integer("num_decoder_layers");
  o.dim_feedforward = a.integer("dim_feedforward");
  o.dropout = a.real("dropout");
  const std::optional<std::string> bad_activation = set_activation(a, o.activation, o.activation_module);
  o.custom_encoder = a.optional_module("custom_encoder");
  o.custom_decoder = a.optional_module("custom_decoder");
  o.layer_norm_eps = a.real("layer_norm_eps");
  o.batch_first = a.truthy("batch_first");
  o.norm_first = a.truthy("norm_first");
  o.bias = bias_or_true(a, a.release().signatures.transformer_bias);
  o.dtype = a.dtype();
  if (bad_activation && !(o.custom_encoder && o.custom_decoder)) {
    // PyTorch raises inside the first layer it builds with the activation, after that layer's draws.
    const nn::TransformerLayerOptions layer{.d_model = o.d_model,
                                            .nhead = o.nhead,
                                            .dim_feedforward = o.dim_feedforward,
                                            .dropout = o.dropout,
                                            .layer_norm_eps = o.layer_norm_eps,
                                            .batch_first = o.batch_first,
                                            .norm_first = o.norm_first,
                                            .bias = o.bias,
                                            .dtype = o.dtype};
    if (!o.custom_encoder) {
      nn::TransformerEncoderLayer built(layer, g);
      nn::transformer_activation_from_name(*bad_activation, "TransformerEncoderLayer");
    }
    nn::TransformerDecoderLayer built(layer, g);
    nn::transformer_activation_from_name(*bad_activation, "TransformerDecoderLayer");
  }
  return std::make_shared<nn::Transformer>(o, g);  // with both layers custom, PyTorch never uses activation
}

// ----- Containers

// Module.add_module's check, in torch.typename()'s words.
nn::ModulePtr child_module(const LayerArguments& a, const lang::Value& value) {
  if (value.is_none()) return nullptr;
  if (nn::ModulePtr module = a.module_of(value)) return module;
  throw ArgumentError(ErrorKind::type,
                      fmt::format("{} is not a Module subclass", python_typename(value, a.release())),
                      value.range());
}

lang::Signature sequential_signature(const TorchRelease&, std::string_view) {
  lang::Signature signature = init_of("Sequential", {});
  signature.var_positional = "args";
  return signature;
}

// Module.add_module's checks of a name given by the user (ModuleDict, Sequential(OrderedDict(...))), in
// PyTorch's words; PyTorch raises KeyError for the last two, which nninit reports as a ValueError.
std::string module_name(const LayerArguments& a, const lang::Value& key) {
  if (key.kind() != Kind::string) {
    throw ArgumentError(
        ErrorKind::type,
        fmt::format("module name should be a string. Got {}", python_typename(key, a.release())),
        key.range());
  }
  const std::string& name = key.string_value();
  if (name.find('.') != std::string::npos) {
    throw ArgumentError(ErrorKind::value, fmt::format("module name can't contain \".\", got: {}", name),
                        key.range());
  }
  if (name.empty())
    throw ArgumentError(ErrorKind::value, "module name can't be empty string \"\"", key.range());
  return name;
}

// The (key, value) pairs of an OrderedDict(...) as the model expression evaluates it (a call holding one
// dict), or nullptr for other values.
const std::vector<lang::Value>* ordered_dict_entries(const lang::Value& value) {
  if (value.kind() != Kind::call || value.call().base_name() != "OrderedDict") return nullptr;
  return &value.call().args.at(0).items();
}

// Sequential(*modules) names its children "0", "1", ...; Sequential(OrderedDict(...)) by the keys.
nn::ModulePtr build_sequential(const LayerArguments& a, Generator&) {
  const std::vector<lang::Value>& args = a.bound().var_positional();
  if (args.size() == 1) {
    if (const std::vector<lang::Value>* entries = ordered_dict_entries(args[0])) {
      auto sequential = std::make_shared<nn::Sequential>();
      for (const lang::Value& entry : *entries) {
        sequential->register_module(module_name(a, entry.items()[0]), child_module(a, entry.items()[1]));
      }
      return sequential;
    }
  }
  std::vector<nn::ModulePtr> children;
  for (const lang::Value& value : args) children.push_back(child_module(a, value));
  return std::make_shared<nn::Sequential>(std::move(children));
}

lang::Signature module_dict_signature(const TorchRelease&, std::string_view) {
  return init_of("ModuleDict", {optional("modules", lang::Value())});
}

// ModuleDict.update: a dict or OrderedDict by its items, any other iterable as (name, module) pairs.
nn::ModulePtr build_module_dict(const LayerArguments& a, Generator&) {
  const lang::Value& modules = a["modules"];
  auto dict = std::make_shared<nn::ModuleDict>();
  const auto add = [&](const lang::Value& key, const lang::Value& module) {
    dict->insert(module_name(a, key), child_module(a, module));
  };
  if (modules.kind() == Kind::dict) {
    for (const lang::Value& entry : modules.items()) add(entry.items()[0], entry.items()[1]);
  } else if (const std::vector<lang::Value>* entries = ordered_dict_entries(modules)) {
    for (const lang::Value& entry : *entries) add(entry.items()[0], entry.items()[1]);
  } else if (modules.is_sequence()) {
    for (std::size_t j = 0; j < modules.items().size(); ++j) {
      const lang::Value& pair = modules.items()[j];
      if (!pair.is_sequence()) {
        a.fail("modules", ErrorKind::type,
               fmt::format("ModuleDict update sequence element #{} should be Iterable; is{}", j,
                           python_typename(pair, a.release())));
      }
      if (pair.items().size() != 2) {
        a.fail("modules", ErrorKind::value,
               fmt::format("ModuleDict update sequence element #{} has length {}; 2 is required", j,
                           pair.items().size()));
      }
      add(pair.items()[0], pair.items()[1]);
    }
  } else if (modules.kind() == Kind::string) {  // an iterable of one-character strings
    if (!modules.string_value().empty()) {
      a.fail("modules", ErrorKind::value,
             "ModuleDict update sequence element #0 has length 1; 2 is required");
    }
  } else if (!modules.is_none()) {
    a.fail("modules", ErrorKind::type,
           fmt::format("ModuleDict.update should be called with an iterable of key/value pairs, but got {}",
                       python_typename(modules, a.release())));
  }
  return dict;
}

lang::Signature module_list_signature(const TorchRelease&, std::string_view) {
  return init_of("ModuleList", {optional("modules", lang::Value())});
}

nn::ModulePtr build_module_list(const LayerArguments& a, Generator&) {
  const lang::Value& modules = a["modules"];
  std::vector<nn::ModulePtr> children;
  if (modules.is_sequence()) {
    for (const lang::Value& value : modules.items()) children.push_back(child_module(a, value));
  } else if (modules.kind() == Kind::string && !modules.string_value().empty()) {
    child_module(a, lang::Value::make_string(modules.string_value().substr(0, 1), modules.range()));
  } else if (const nn::ModulePtr container = a.module_of(modules);
             container &&
             (container->type_name() == "Sequential" || container->type_name() == "ModuleList")) {
    for (const auto& [name, child] : container->own_children()) children.push_back(child);  // iterates it
  } else if (!modules.is_none() && modules.kind() != Kind::string) {
    a.fail("modules", ErrorKind::type,
           fmt::format("ModuleList.extend should be called with an iterable, but got {}",
                       python_typename(modules, a.release())));
  }
  return std::make_shared<nn::ModuleList>(std::move(children));
}

const LayerEntry entries[] = {
    {"Linear", "linear", {}, linear_signature, build_linear},
    {"Bilinear", "linear", {}, bilinear_signature, build_bilinear},
    {"Conv1d", "conv", {}, conv_signature, build_conv<nn::Conv1d, 1>},
    {"Conv2d", "conv", {}, conv_signature, build_conv<nn::Conv2d, 2>},
    {"Conv3d", "conv", {}, conv_signature, build_conv<nn::Conv3d, 3>},
    {"ConvTranspose1d", "conv", {}, conv_transpose_signature, build_conv_transpose<nn::ConvTranspose1d, 1>},
    {"ConvTranspose2d", "conv", {}, conv_transpose_signature, build_conv_transpose<nn::ConvTranspose2d, 2>},
    {"ConvTranspose3d", "conv", {}, conv_transpose_signature, build_conv_transpose<nn::ConvTranspose3d, 3>},
    {"Embedding", "sparse", {}, embedding_signature, build_embedding},
    {"EmbeddingBag", "sparse", {}, embedding_bag_signature, build_embedding_bag},
    {"LayerNorm", "normalization", {}, layer_norm_signature, build_layer_norm},
    {"GroupNorm", "normalization", {}, group_norm_signature, build_group_norm},
    {"RMSNorm", "normalization", [](const TorchRelease& r) { return r.modules.has_rms_norm; },
     rms_norm_signature, build_rms_norm},
    {"BatchNorm1d",
     "batchnorm",
     {},
     norm_base_signature<false>,
     build_norm_base<nn::BatchNorm1d, nn::BatchNormOptions>},
    {"BatchNorm2d",
     "batchnorm",
     {},
     norm_base_signature<false>,
     build_norm_base<nn::BatchNorm2d, nn::BatchNormOptions>},
    {"BatchNorm3d",
     "batchnorm",
     {},
     norm_base_signature<false>,
     build_norm_base<nn::BatchNorm3d, nn::BatchNormOptions>},
    {"InstanceNorm1d",
     "instancenorm",
     {},
     norm_base_signature<true>,
     build_norm_base<nn::InstanceNorm1d, nn::InstanceNormOptions>},
    {"InstanceNorm2d",
     "instancenorm",
     {},
     norm_base_signature<true>,
     build_norm_base<nn::InstanceNorm2d, nn::InstanceNormOptions>},
    {"InstanceNorm3d",
     "instancenorm",
     {},
     norm_base_signature<true>,
     build_norm_base<nn::InstanceNorm3d, nn::InstanceNormOptions>},
    {"PReLU", "activation", {}, prelu_signature, build_prelu},
    {"RNN", "rnn", {}, rnn_base_signature, build_rnn, prepare_rnn},
    {"LSTM", "rnn", {}, rnn_base_signature, build_rnn, prepare_rnn},
    {"GRU", "rnn", {}, rnn_base_signature, build_rnn, prepare_rnn},
    {"RNNCell", "rnn", {}, rnn_cell_signature<true>, build_rnn_cell<nn::RNNCell, true>},
    {"LSTMCell", "rnn", {}, rnn_cell_signature<false>, build_rnn_cell<nn::LSTMCell, false>},
    {"GRUCell", "rnn", {}, rnn_cell_signature<false>, build_rnn_cell<nn::GRUCell, false>},
    {"MultiheadAttention", "activation", {}, multihead_attention_signature, build_multihead_attention},
    {"TransformerEncoderLayer",
     "transformer",
     {},
     transformer_layer_signature,
     build_transformer_layer<nn::TransformerEncoderLayer>},
    {"TransformerDecoderLayer",
     "transformer",
     {},
     transformer_layer_signature,
     build_transformer_layer<nn::TransformerDecoderLayer>},
    {"TransformerEncoder", "transformer", {}, transformer_encoder_signature, build_transformer_encoder},
    {"TransformerDecoder", "transformer", {}, transformer_decoder_signature, build_transformer_decoder},
    {"Transformer", "transformer", {}, transformer_signature, build_transformer},
    {"Sequential", "container", {}, sequential_signature, build_sequential},
    {"ModuleList", "container", {}, module_list_signature, build_module_list},
    {"ModuleDict", "container", {}, module_dict_signature, build_module_dict},
};

}  // namespace

std::span<const LayerEntry> parametrized_layers() {
  return entries;
}

}  // namespace nninit::expr
