// The registry's parameter-free modules (module_registry.h): activations, dropout, flattening, pooling,
// padding, pixel and channel shuffles, upsampling, local response normalisation and Identity. They draw
// nothing, but they are children of the model: they decide names, apply() order and repr. Signatures as
// inspect.signature shows them in PyTorch 1.13, 2.6 and 2.14.
#include <memory>
#include <tuple>
#include <utility>

#include <fmt/format.h>

#include "nninit/core/warning.h"
#include "nninit/expr/module_registry.h"
#include "nninit/nn/activation.h"
#include "nninit/nn/dropout.h"
#include "nninit/nn/flatten.h"
#include "nninit/nn/linear.h"
#include "nninit/nn/pooling.h"
#include "nninit/nn/rearrange.h"

namespace nninit::expr {
namespace {

using lang::declare::b;
using lang::declare::f;
using lang::declare::i;
using lang::declare::optional;
using lang::declare::required;
using registry::init_of;
using Kind = lang::Value::Kind;

// ----- Identity and the modules without arguments

lang::Signature identity_signature(const TorchRelease&, std::string_view) {
  lang::Signature signature = init_of("Identity", {});
  signature.var_positional = "args";
  signature.var_keyword = "kwargs";
  return signature;
}

nn::ModulePtr build_identity(const LayerArguments&, Generator&) {
  return std::make_shared<nn::Identity>();  // its arguments are ignored
}

// Sigmoid, Tanh, ... have no __init__ of their own: Module.__init__ binds the call. From 2.0 it takes
// *args, **kwargs and refuses them itself, naming the class.
lang::Signature no_arguments_signature(const TorchRelease& release, std::string_view layer) {
  return init_of(release.messages.module_init_names_class ? layer : std::string_view("Module"), {});
}

template <class Layer>
nn::ModulePtr build_plain(const LayerArguments&, Generator&) {
  return std::make_shared<Layer>();
}

// ----- Activations with options

lang::Signature inplace_signature(const TorchRelease&, std::string_view layer) {
  return init_of(layer, {optional("inplace", b(false))});
}

template <class Layer>
nn::ModulePtr build_inplace(const LayerArguments& a, Generator&) {
  return std::make_shared<Layer>(nn::InplaceOptions{.inplace = a.truthy("inplace")});
}

lang::Signature leaky_relu_signature(const TorchRelease&, std::string_view layer) {
  return init_of(layer, {optional("negative_slope", f(0.01)), optional("inplace", b(false))});
}

nn::ModulePtr build_leaky_relu(const LayerArguments& a, Generator&) {
  return std::make_shared<nn::LeakyReLU>(
      nn::LeakyReLUOptions{.negative_slope = a.real("negative_slope"), .inplace = a.truthy("inplace")});
}

lang::Signature elu_signature(const TorchRelease&, std::string_view layer) {
  return init_of(layer, {optional("alpha", f(1.0)), optional("inplace", b(false))});
}

template <class Layer>
nn::ModulePtr build_elu(const LayerArguments& a, Generator&) {
  return std::make_shared<Layer>(nn::ELUOptions{.alpha = a.real("alpha"), .inplace = a.truthy("inplace")});
}

lang::Signature gelu_signature(const TorchRelease&, std::string_view layer) {
  return init_of(layer, {optional("approximate", lang::Value::make_string("none"))});
}

nn::ModulePtr build_gelu(const LayerArguments& a, Generator&) {
  return std::make_shared<nn::GELU>(
      nn::GELUOptions{.approximate = nn::gelu_approximate_from_name(a.string("approximate"))});
}

lang::Signature hardtanh_signature(const TorchRelease&, std::string_view layer) {
  return init_of(layer,
                 {optional("min_val", f(-1.0)), optional("max_val", f(1.0)), optional("inplace", b(false)),
                  optional("min_value", lang::Value()), optional("max_value", lang::Value())});
}

nn::ModulePtr build_hardtanh(const LayerArguments& a, Generator& g) {
  nn::HardtanhOptions o{
      .min_val = a.real("min_val"), .max_val = a.real("max_val"), .inplace = a.truthy("inplace")};
  // The deprecated spellings, with each release's warning: a UserWarning in 1.13, a FutureWarning with
  // backticks from 2.4 (as nn.init's), "renamed" for "rename" in 2.14 (2.6 still says "rename").
  const bool future = a.release().messages.deprecation_is_future_warning;
  for (const auto& [old_name, name, target] :
       {std::tuple<const char*, const char*, double*>{"min_value", "min_val", &o.min_val},
        {"max_value", "max_val", &o.max_val}}) {
    if (a[old_name].is_none()) continue;
    if (future) {
      warn(fmt::format("keyword argument `{}` is deprecated and {} to `{}`", old_name,
                       a.release().messages.deprecation_says_renamed ? "renamed" : "rename", name),
           WarningCategory::future);
    } else {
      warn(fmt::format("keyword argument {} is deprecated and rename to {}", old_name, name));
    }
    *target = a.real(old_name);
  }
  return std::make_shared<nn::Hardtanh>(o, g);
}

lang::Signature softplus_signature(const TorchRelease&, std::string_view layer) {
  return init_of(layer, {optional("beta", f(1.0)), optional("threshold", f(20.0))});
}

nn::ModulePtr build_softplus(const LayerArguments& a, Generator&) {
  return std::make_shared<nn::Softplus>(
      nn::SoftplusOptions{.beta = a.real("beta"), .threshold = a.real("threshold")});
}

lang::Signature dim_signature(const TorchRelease&, std::string_view layer) {
  return init_of(layer, {optional("dim", lang::Value())});
}

template <class Layer>
nn::ModulePtr build_softmax(const LayerArguments& a, Generator&) {
  return std::make_shared<Layer>(nn::SoftmaxOptions{.dim = a.optional_integer("dim")});
}

lang::Signature glu_signature(const TorchRelease&, std::string_view layer) {
  return init_of(layer, {optional("dim", i(-1))});
}

nn::ModulePtr build_glu(const LayerArguments& a, Generator&) {
  return std::make_shared<nn::GLU>(nn::GLUOptions{.dim = a.integer("dim")});
}

lang::Signature threshold_signature(const TorchRelease&, std::string_view layer) {
  return init_of(layer, {required("threshold"), required("value"), optional("inplace", b(false))});
}

nn::ModulePtr build_threshold(const LayerArguments& a, Generator&) {
  return std::make_shared<nn::Threshold>(nn::ThresholdOptions{
      .threshold = a.real("threshold"), .value = a.real("value"), .inplace = a.truthy("inplace")});
}

lang::Signature shrink_signature(const TorchRelease&, std::string_view layer) {
  return init_of(layer, {optional("lambd", f(0.5))});
}

template <class Layer>
nn::ModulePtr build_shrink(const LayerArguments& a, Generator&) {
  return std::make_shared<Layer>(nn::HardshrinkOptions{.lambd = a.real("lambd")});
}

lang::Signature rrelu_signature(const TorchRelease&, std::string_view layer) {
  return init_of(
      layer, {optional("lower", f(1.0 / 8)), optional("upper", f(1.0 / 3)), optional("inplace", b(false))});
}

nn::ModulePtr build_rrelu(const LayerArguments& a, Generator&) {
  return std::make_shared<nn::RReLU>(
      nn::RReLUOptions{.lower = a.real("lower"), .upper = a.real("upper"), .inplace = a.truthy("inplace")});
}

// ----- Dropout

lang::Signature dropout_signature(const TorchRelease&, std::string_view) {
  return init_of("_DropoutNd", {optional("p", f(0.5)), optional("inplace", b(false))});
}

template <class Layer>
nn::ModulePtr build_dropout(const LayerArguments& a, Generator&) {
  return std::make_shared<Layer>(nn::DropoutOptions{.p = a.real("p"), .inplace = a.truthy("inplace")});
}

// ----- Flatten, Unflatten

lang::Signature flatten_signature(const TorchRelease&, std::string_view layer) {
  return init_of(layer, {optional("start_dim", i(1)), optional("end_dim", i(-1))});
}

nn::ModulePtr build_flatten(const LayerArguments& a, Generator&) {
  return std::make_shared<nn::Flatten>(
      nn::FlattenOptions{.start_dim = a.integer("start_dim"), .end_dim = a.integer("end_dim")});
}

lang::Signature unflatten_signature(const TorchRelease&, std::string_view layer) {
  return init_of(layer, {required("dim"), required("unflattened_size")});
}

nn::ModulePtr build_unflatten(const LayerArguments& a, Generator&) {
  // Unflatten._require_tuple_int, in its words.
  const lang::Value& sizes = a["unflattened_size"];
  if (!sizes.is_sequence()) {
    a.fail("unflattened_size", ErrorKind::type,
           fmt::format("Unflatten: unflattened_size must be a tuple of ints, but found type {}",
                       sizes.type_name()));
  }
  Shape unflattened;
  for (std::size_t index = 0; index < sizes.items().size(); ++index) {
    const lang::Value& item = sizes.items()[index];
    if (item.kind() != Kind::integer && item.kind() != Kind::boolean) {
      a.fail("unflattened_size", ErrorKind::type,
             fmt::format(
                 "Unflatten: unflattened_size must be tuple of ints, but found element of type {} at pos {}",
                 item.type_name(), index));
    }
    unflattened.push_back(item.kind() == Kind::integer ? item.int_value() : (item.bool_value() ? 1 : 0));
  }
  return std::make_shared<nn::Unflatten>(
      nn::UnflattenOptions{.dim = a.integer("dim"), .unflattened_size = unflattened});
}

// ----- Pooling

std::optional<Shape> optional_sizes(const LayerArguments& a, std::string_view name) {
  if (a[name].is_none()) return std::nullopt;
  return a.int_sequence(name);
}

lang::Signature max_pool_signature(const TorchRelease&, std::string_view) {
  return init_of("_MaxPoolNd", {required("kernel_size"), optional("stride", lang::Value()),
                                optional("padding", i(0)), optional("dilation", i(1)),
                                optional("return_indices", b(false)), optional("ceil_mode", b(false))});
}

template <class Layer>
nn::ModulePtr build_max_pool(const LayerArguments& a, Generator&) {
  nn::MaxPoolOptions o;
  o.kernel_size = a.int_sequence("kernel_size");
  o.stride = optional_sizes(a, "stride");
  o.padding = a.int_sequence("padding");
  o.dilation = a.int_sequence("dilation");
  o.return_indices = a.truthy("return_indices");
  o.ceil_mode = a.truthy("ceil_mode");
  return std::make_shared<Layer>(std::move(o));
}

template <bool Divisor>
lang::Signature avg_pool_signature(const TorchRelease&, std::string_view layer) {
  std::vector<lang::Parameter> p = {required("kernel_size"), optional("stride", lang::Value()),
                                    optional("padding", i(0)), optional("ceil_mode", b(false)),
                                    optional("count_include_pad", b(true))};
  if (Divisor) p.push_back(optional("divisor_override", lang::Value()));
  return init_of(layer, std::move(p));
}

template <class Layer, bool Divisor>
nn::ModulePtr build_avg_pool(const LayerArguments& a, Generator&) {
  nn::AvgPoolOptions o;
  o.kernel_size = a.int_sequence("kernel_size");
  o.stride = optional_sizes(a, "stride");
  o.padding = a.int_sequence("padding");
  o.ceil_mode = a.truthy("ceil_mode");
  o.count_include_pad = a.truthy("count_include_pad");
  if (Divisor) o.divisor_override = a.optional_integer("divisor_override");
  return std::make_shared<Layer>(std::move(o));
}

// An adaptive output size: an int, None, or a tuple of ints and Nones.
nn::OutputSize output_size(const LayerArguments& a) {
  const lang::Value& value = a["output_size"];
  const auto element = [&](const lang::Value& item) -> std::optional<std::int64_t> {
    if (item.is_none()) return std::nullopt;
    if (item.kind() == Kind::integer) return item.int_value();
    if (item.kind() == Kind::boolean) return item.bool_value() ? 1 : 0;
    throw lang::BindError(
        fmt::format("{}() argument 'output_size' must be int, None or a tuple of them, not {}",
                    a.bound().function(), item.type_name()),
        item.range().empty() ? value.range() : item.range());
  };
  if (!value.is_sequence()) return {element(value)};
  nn::OutputSize out;
  for (const lang::Value& item : value.items()) out.push_back(element(item));
  return out;
}

lang::Signature adaptive_avg_pool_signature(const TorchRelease&, std::string_view) {
  return init_of("_AdaptiveAvgPoolNd", {required("output_size")});
}

template <class Layer>
nn::ModulePtr build_adaptive_avg_pool(const LayerArguments& a, Generator&) {
  return std::make_shared<Layer>(nn::AdaptiveAvgPoolOptions{.output_size = output_size(a)});
}

lang::Signature adaptive_max_pool_signature(const TorchRelease&, std::string_view) {
  return init_of("_AdaptiveMaxPoolNd", {required("output_size"), optional("return_indices", b(false))});
}

template <class Layer>
nn::ModulePtr build_adaptive_max_pool(const LayerArguments& a, Generator&) {
  return std::make_shared<Layer>(nn::AdaptiveMaxPoolOptions{.output_size = output_size(a),
                                                            .return_indices = a.truthy("return_indices")});
}

// ----- Padding, shuffles, upsampling, local response normalisation

// ConstantPadNd(padding, value), ZeroPad2d(padding), ReflectionPadNd(padding), ReplicationPadNd(padding).
lang::Signature pad_signature(const TorchRelease&, std::string_view layer) {
  if (layer.starts_with("ConstantPad")) return init_of(layer, {required("padding"), required("value")});
  return init_of(layer, {required("padding")});
}

// _ntuple(2 * N)(padding): an int for every side, a tuple as given.
template <nn::PadMode Mode, int Dims, bool Zero = false>
nn::ModulePtr build_pad(const LayerArguments& a, Generator&) {
  nn::PadOptions o{.mode = Mode, .dims = Dims, .zero = Zero};
  o.padding = a.int_sequence("padding");
  if (a["padding"].kind() == Kind::integer || a["padding"].kind() == Kind::boolean) {
    o.padding.assign(2 * Dims, o.padding.front());
  }
  if (Mode == nn::PadMode::constant && !Zero) {
    o.value = a.real("value");
    o.value_prints_as_int = a["value"].kind() == Kind::integer;
  }
  return std::make_shared<nn::Pad>(std::move(o));
}

template <nn::ShuffleKind K>
lang::Signature shuffle_signature(const TorchRelease&, std::string_view layer) {
  const char* parameter = K == nn::ShuffleKind::pixel_shuffle     ? "upscale_factor"
                          : K == nn::ShuffleKind::pixel_unshuffle ? "downscale_factor"
                                                                  : "groups";
  return init_of(layer, {required(parameter)});
}

template <nn::ShuffleKind K>
nn::ModulePtr build_shuffle(const LayerArguments& a, Generator&) {
  const char* parameter = K == nn::ShuffleKind::pixel_shuffle     ? "upscale_factor"
                          : K == nn::ShuffleKind::pixel_unshuffle ? "downscale_factor"
                                                                  : "groups";
  return std::make_shared<nn::Shuffle>(nn::ShuffleOptions{.kind = K, .factor = a.integer(parameter)});
}

lang::Signature upsample_signature(const TorchRelease&, std::string_view layer) {
  return init_of(
      layer, {optional("size", lang::Value()), optional("scale_factor", lang::Value()),
              optional("mode", lang::Value::make_string("nearest")), optional("align_corners", lang::Value()),
              optional("recompute_scale_factor", lang::Value())});
}

// Upsample keeps size as given and scale_factor as float(s).
nn::UpsampleOptions upsample_sizes(const LayerArguments& a) {
  nn::UpsampleOptions o;
  if (!a["size"].is_none()) {
    o.size = a.int_sequence("size");
    o.size_is_tuple = a["size"].is_sequence();
  }
  const lang::Value& scale = a["scale_factor"];
  if (scale.is_sequence()) {
    std::vector<double> scales;
    for (const lang::Value& item : scale.items()) {
      if (!item.is_number()) {
        a.fail("scale_factor", ErrorKind::type,
               fmt::format("float() argument must be a string or a number, not '{}'", item.type_name()));
      }
      scales.push_back(item.kind() == Kind::floating  ? item.float_value()
                       : item.kind() == Kind::integer ? static_cast<double>(item.int_value())
                                                      : (item.bool_value() ? 1.0 : 0.0));
    }
    o.scale_factor = std::move(scales);
    o.scale_factor_is_tuple = true;
  } else if (!scale.is_none()) {
    o.scale_factor = std::vector<double>{a.real("scale_factor")};
  }
  return o;
}

// The mode is checked when the module runs, as in PyTorch.
nn::ModulePtr build_upsample(const LayerArguments& a, Generator&) {
  nn::UpsampleOptions o = upsample_sizes(a);
  o.mode = a.string("mode");
  if (!a["align_corners"].is_none()) o.align_corners = a.truthy("align_corners");
  if (!a["recompute_scale_factor"].is_none()) o.recompute_scale_factor = a.truthy("recompute_scale_factor");
  return std::make_shared<nn::Upsample>(std::move(o));
}

// UpsamplingNearest2d(size=None, scale_factor=None) and UpsamplingBilinear2d: Upsample with a fixed mode.
lang::Signature fixed_mode_upsample_signature(const TorchRelease&, std::string_view layer) {
  return init_of(layer, {optional("size", lang::Value()), optional("scale_factor", lang::Value())});
}

template <bool Bilinear>
nn::ModulePtr build_fixed_mode_upsample(const LayerArguments& a, Generator&) {
  nn::UpsampleOptions o = upsample_sizes(a);
  o.class_name = Bilinear ? "UpsamplingBilinear2d" : "UpsamplingNearest2d";
  o.mode = Bilinear ? "bilinear" : "nearest";
  if (Bilinear) o.align_corners = true;
  return std::make_shared<nn::Upsample>(std::move(o));
}

lang::Signature local_response_norm_signature(const TorchRelease&, std::string_view layer) {
  return init_of(layer, {required("size"), optional("alpha", f(1e-4)), optional("beta", f(0.75)),
                         optional("k", f(1.0))});
}

nn::ModulePtr build_local_response_norm(const LayerArguments& a, Generator&) {
  return std::make_shared<nn::LocalResponseNorm>(nn::LocalResponseNormOptions{
      .size = a.integer("size"), .alpha = a.real("alpha"), .beta = a.real("beta"), .k = a.real("k")});
}

const LayerEntry entries[] = {
    {"Identity", "linear", {}, identity_signature, build_identity},
    {"ReLU", "activation", {}, inplace_signature, build_inplace<nn::ReLU>},
    {"ReLU6", "activation", {}, inplace_signature, build_inplace<nn::ReLU6>},
    {"SELU", "activation", {}, inplace_signature, build_inplace<nn::SELU>},
    {"SiLU", "activation", {}, inplace_signature, build_inplace<nn::SiLU>},
    {"Mish", "activation", {}, inplace_signature, build_inplace<nn::Mish>},
    {"Hardswish", "activation", {}, inplace_signature, build_inplace<nn::Hardswish>},
    {"Hardsigmoid", "activation", {}, inplace_signature, build_inplace<nn::Hardsigmoid>},
    {"LeakyReLU", "activation", {}, leaky_relu_signature, build_leaky_relu},
    {"ELU", "activation", {}, elu_signature, build_elu<nn::ELU>},
    {"CELU", "activation", {}, elu_signature, build_elu<nn::CELU>},
    {"GELU", "activation", {}, gelu_signature, build_gelu},
    {"Hardtanh", "activation", {}, hardtanh_signature, build_hardtanh},
    {"Softplus", "activation", {}, softplus_signature, build_softplus},
    {"Softmax", "activation", {}, dim_signature, build_softmax<nn::Softmax>},
    {"LogSoftmax", "activation", {}, dim_signature, build_softmax<nn::LogSoftmax>},
    {"Softmin", "activation", {}, dim_signature, build_softmax<nn::Softmin>},
    {"GLU", "activation", {}, glu_signature, build_glu},
    {"Threshold", "activation", {}, threshold_signature, build_threshold},
    {"Hardshrink", "activation", {}, shrink_signature, build_shrink<nn::Hardshrink>},
    {"Softshrink", "activation", {}, shrink_signature, build_shrink<nn::Softshrink>},
    {"RReLU", "activation", {}, rrelu_signature, build_rrelu},
    {"Sigmoid", "activation", {}, no_arguments_signature, build_plain<nn::Sigmoid>},
    {"Tanh", "activation", {}, no_arguments_signature, build_plain<nn::Tanh>},
    {"Softsign", "activation", {}, no_arguments_signature, build_plain<nn::Softsign>},
    {"Tanhshrink", "activation", {}, no_arguments_signature, build_plain<nn::Tanhshrink>},
    {"LogSigmoid", "activation", {}, no_arguments_signature, build_plain<nn::LogSigmoid>},
    {"Softmax2d", "activation", {}, no_arguments_signature, build_plain<nn::Softmax2d>},
    {"Dropout", "dropout", {}, dropout_signature, build_dropout<nn::Dropout>},
    {"Dropout1d", "dropout", {}, dropout_signature, build_dropout<nn::Dropout1d>},
    {"Dropout2d", "dropout", {}, dropout_signature, build_dropout<nn::Dropout2d>},
    {"Dropout3d", "dropout", {}, dropout_signature, build_dropout<nn::Dropout3d>},
    {"AlphaDropout", "dropout", {}, dropout_signature, build_dropout<nn::AlphaDropout>},
    {"FeatureAlphaDropout", "dropout", {}, dropout_signature, build_dropout<nn::FeatureAlphaDropout>},
    {"Flatten", "flatten", {}, flatten_signature, build_flatten},
    {"ConstantPad1d", "padding", {}, pad_signature, build_pad<nn::PadMode::constant, 1>},
    {"ConstantPad2d", "padding", {}, pad_signature, build_pad<nn::PadMode::constant, 2>},
    {"ConstantPad3d", "padding", {}, pad_signature, build_pad<nn::PadMode::constant, 3>},
    {"ZeroPad2d", "padding", {}, pad_signature, build_pad<nn::PadMode::constant, 2, true>},
    {"ReflectionPad1d", "padding", {}, pad_signature, build_pad<nn::PadMode::reflect, 1>},
    {"ReflectionPad2d", "padding", {}, pad_signature, build_pad<nn::PadMode::reflect, 2>},
    {"ReflectionPad3d", "padding", {}, pad_signature, build_pad<nn::PadMode::reflect, 3>},
    {"ReplicationPad1d", "padding", {}, pad_signature, build_pad<nn::PadMode::replicate, 1>},
    {"ReplicationPad2d", "padding", {}, pad_signature, build_pad<nn::PadMode::replicate, 2>},
    {"ReplicationPad3d", "padding", {}, pad_signature, build_pad<nn::PadMode::replicate, 3>},
    {"PixelShuffle",
     "pixelshuffle",
     {},
     shuffle_signature<nn::ShuffleKind::pixel_shuffle>,
     build_shuffle<nn::ShuffleKind::pixel_shuffle>},
    {"PixelUnshuffle",
     "pixelshuffle",
     {},
     shuffle_signature<nn::ShuffleKind::pixel_unshuffle>,
     build_shuffle<nn::ShuffleKind::pixel_unshuffle>},
    {"ChannelShuffle",
     "channelshuffle",
     {},
     shuffle_signature<nn::ShuffleKind::channel_shuffle>,
     build_shuffle<nn::ShuffleKind::channel_shuffle>},
    {"Upsample", "upsampling", {}, upsample_signature, build_upsample},
    {"UpsamplingNearest2d",
     "upsampling",
     {},
     fixed_mode_upsample_signature,
     build_fixed_mode_upsample<false>},
    {"UpsamplingBilinear2d",
     "upsampling",
     {},
     fixed_mode_upsample_signature,
     build_fixed_mode_upsample<true>},
    {"LocalResponseNorm", "normalization", {}, local_response_norm_signature, build_local_response_norm},
    {"Unflatten", "flatten", {}, unflatten_signature, build_unflatten},
    {"MaxPool1d", "pooling", {}, max_pool_signature, build_max_pool<nn::MaxPool1d>},
    {"MaxPool2d", "pooling", {}, max_pool_signature, build_max_pool<nn::MaxPool2d>},
    {"MaxPool3d", "pooling", {}, max_pool_signature, build_max_pool<nn::MaxPool3d>},
    {"AvgPool1d", "pooling", {}, avg_pool_signature<false>, build_avg_pool<nn::AvgPool1d, false>},
    {"AvgPool2d", "pooling", {}, avg_pool_signature<true>, build_avg_pool<nn::AvgPool2d, true>},
    {"AvgPool3d", "pooling", {}, avg_pool_signature<true>, build_avg_pool<nn::AvgPool3d, true>},
    {"AdaptiveAvgPool1d",
     "pooling",
     {},
     adaptive_avg_pool_signature,
     build_adaptive_avg_pool<nn::AdaptiveAvgPool1d>},
    {"AdaptiveAvgPool2d",
     "pooling",
     {},
     adaptive_avg_pool_signature,
     build_adaptive_avg_pool<nn::AdaptiveAvgPool2d>},
    {"AdaptiveAvgPool3d",
     "pooling",
     {},
     adaptive_avg_pool_signature,
     build_adaptive_avg_pool<nn::AdaptiveAvgPool3d>},
    {"AdaptiveMaxPool1d",
     "pooling",
     {},
     adaptive_max_pool_signature,
     build_adaptive_max_pool<nn::AdaptiveMaxPool1d>},
    {"AdaptiveMaxPool2d",
     "pooling",
     {},
     adaptive_max_pool_signature,
     build_adaptive_max_pool<nn::AdaptiveMaxPool2d>},
    {"AdaptiveMaxPool3d",
     "pooling",
     {},
     adaptive_max_pool_signature,
     build_adaptive_max_pool<nn::AdaptiveMaxPool3d>},
};

}  // namespace

std::span<const LayerEntry> parameter_free_layers() {
  return entries;
}

}  // namespace nninit::expr
