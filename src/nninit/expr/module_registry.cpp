#include "nninit/expr/module_registry.h"

#include <algorithm>
#include <iterator>

#include <fmt/format.h>

namespace nninit::expr {
namespace {

using Kind = lang::Value::Kind;

// torch.nn's classes in PyTorch 2.14 (dir(torch.nn), Module subclasses) that nninit does not build.
constexpr std::string_view unsupported_classes[] = {
    "AdaptiveLogSoftmaxWithLoss",
    "BCELoss",
    "BCEWithLogitsLoss",
    "CTCLoss",
    "CircularPad1d",
    "CircularPad2d",
    "CircularPad3d",
    "Container",
    "CosineEmbeddingLoss",
    "CosineSimilarity",
    "CrossEntropyLoss",
    "CrossMapLRN2d",
    "DataParallel",
    "Fold",
    "FractionalMaxPool2d",
    "FractionalMaxPool3d",
    "GaussianNLLLoss",
    "HingeEmbeddingLoss",
    "HuberLoss",
    "KLDivLoss",
    "L1Loss",
    "LPPool1d",
    "LPPool2d",
    "LPPool3d",
    "LazyBatchNorm1d",
    "LazyBatchNorm2d",
    "LazyBatchNorm3d",
    "LazyConv1d",
    "LazyConv2d",
    "LazyConv3d",
    "LazyConvTranspose1d",
    "LazyConvTranspose2d",
    "LazyConvTranspose3d",
    "LazyInstanceNorm1d",
    "LazyInstanceNorm2d",
    "LazyInstanceNorm3d",
    "LazyLinear",
    "LinearCrossEntropyLoss",
    "MSELoss",
    "MarginRankingLoss",
    "MaxUnpool1d",
    "MaxUnpool2d",
    "MaxUnpool3d",
    "Module",
    "MultiLabelMarginLoss",
    "MultiLabelSoftMarginLoss",
    "MultiMarginLoss",
    "NLLLoss",
    "NLLLoss2d",
    "PairwiseDistance",
    "ParameterDict",
    "ParameterList",
    "PoissonNLLLoss",
    "RNNBase",
    "RNNCellBase",
    "SmoothL1Loss",
    "SoftMarginLoss",
    "SyncBatchNorm",
    "TripletMarginLoss",
    "TripletMarginWithDistanceLoss",
    "Unfold",
    "ZeroPad1d",
    "ZeroPad3d",
};

}  // namespace

void throw_error(ErrorKind kind, const std::string& message) {
  switch (kind) {
    case ErrorKind::value: throw ValueError(message);
    case ErrorKind::type: throw TypeError(message);
    case ErrorKind::runtime: throw RuntimeError(message);
    case ErrorKind::index: throw IndexError(message);
    case ErrorKind::not_implemented: throw NotImplementedError(message);
    case ErrorKind::zero_division: throw ZeroDivisionError(message);
    case ErrorKind::overflow: throw OverflowError(message);
    case ErrorKind::assertion: throw AssertionError(message);
    case ErrorKind::attribute: throw AttributeError(message);
    case ErrorKind::name: throw NameError(message);
    case ErrorKind::io: throw IoError(message);
  }
  throw Error(kind, message);
}

bool LayerArguments::truthy(std::string_view name) const {
  const lang::Value& value = bound_[name];
  switch (value.kind()) {
    case Kind::none: return false;
    case Kind::boolean: return value.bool_value();
    case Kind::integer: return value.int_value() != 0;
    case Kind::floating: return value.float_value() != 0.0;
    case Kind::string: return !value.string_value().empty();
    case Kind::tuple:
    case Kind::list:
    case Kind::dict: return !value.items().empty();
    case Kind::call: {
      // Sequential and ModuleList define __len__, so an empty one is false.
      const nn::ModulePtr module = module_of(value);
      if (module && (module->type_name() == "Sequential" || module->type_name() == "ModuleList")) {
        return !module->own_children().empty();
      }
      return true;
    }
    case Kind::name: return true;
  }
  return true;
}

Shape LayerArguments::sizes(std::string_view name, std::size_t n) const {
  return bound_.as_int_tuple(name, n);
}

Shape LayerArguments::int_sequence(std::string_view name) const {
  const lang::Value& value = bound_[name];
  if (value.kind() == Kind::integer || value.kind() == Kind::boolean) return {bound_.as_int(name)};
  if (!value.is_sequence()) {
    // tuple(x) of a non-iterable, as LayerNorm and the pooling layers' _ntuple would meet it.
    throw lang::BindError(fmt::format("'{}' object is not iterable", value.type_name()), value.range());
  }
  Shape out;
  for (std::size_t i = 0; i < value.items().size(); ++i) {
    const lang::Value& item = value.items()[i];
    if (item.kind() == Kind::integer) {
      out.push_back(item.int_value());
    } else if (item.kind() == Kind::boolean) {
      out.push_back(item.bool_value() ? 1 : 0);
    } else {
      throw lang::BindError(fmt::format("{}() argument '{}' must be a tuple of ints, but element {} is {}",
                                        bound_.function(), name, i, item.type_name()),
                            item.range().empty() ? value.range() : item.range());
    }
  }
  return out;
}

DType LayerArguments::dtype() const {
  const lang::Value& device = bound_["device"];
  const bool cpu =
      device.is_none() || (device.kind() == Kind::string &&
                           (device.string_value() == "cpu" || device.string_value().starts_with("cpu:")));
  if (!cpu) {
    if (device.kind() == Kind::string) {
      fail("device", ErrorKind::value,
           fmt::format(
               "{}: nninit builds parameters on the CPU, not on device={} (PyTorch draws other devices' "
               "values from other generators)",
               layer_, device.repr()));
    }
    throw lang::BindError(fmt::format("{}() argument 'device' must be str or torch.device, not {}",
                                      bound_.function(), device.type_name()),
                          device.range());
  }
  const lang::Value& dtype = bound_["dtype"];
  if (dtype.is_none()) return DType::float32;
  if (dtype.kind() == Kind::name) {
    if (const std::optional<DType> floating = floating_torch_dtype(dtype.name())) return *floating;
    if (is_other_torch_dtype(dtype.name())) {
      // PyTorch fails when nn.Parameter wraps the tensor (complex dtypes, which it allows, nninit does not
      // have).
      fail("dtype", ErrorKind::runtime,
           fmt::format("{}: Only Tensors of floating point and complex dtype can require gradients "
                       "(nninit builds float32, float64, float16 and bfloat16 parameters)",
                       layer_));
    }
  }
  throw lang::BindError(fmt::format("{}() argument 'dtype' must be torch.dtype, not {}", bound_.function(),
                                    python_typename(dtype, release_)),
                        dtype.range());
}

nn::ModulePtr LayerArguments::module_of(const lang::Value& value) const {
  if (value.kind() != Kind::call) return nullptr;
  const auto found = modules_.find(&value.call());
  return found == modules_.end() ? nullptr : found->second;
}

nn::ModulePtr LayerArguments::module(std::string_view name) const {
  const lang::Value& value = bound_[name];
  if (nn::ModulePtr m = module_of(value)) return m;
  throw lang::BindError(fmt::format("{}() argument '{}' must be a torch.nn module, not {}", bound_.function(),
                                    name, python_typename(value, release_)),
                        value.range());
}

nn::ModulePtr LayerArguments::optional_module(std::string_view name) const {
  if (bound_[name].is_none()) return nullptr;
  return module(name);
}

void LayerArguments::fail(std::string_view name, ErrorKind kind, const std::string& message) const {
  throw ArgumentError(kind, message, bound_[name].range());
}

std::vector<lang::Parameter> registry::with_factory_arguments(std::vector<lang::Parameter> parameters) {
  // Keyword-only parameters (the norms' bias) come after device and dtype.
  const auto keyword_only = std::find_if(parameters.begin(), parameters.end(),
                                         [](const lang::Parameter& p) { return p.keyword_only; });
  parameters.insert(keyword_only, {lang::declare::optional("device", lang::Value()),
                                   lang::declare::optional("dtype", lang::Value())});
  return parameters;
}

lang::Signature registry::init_of(std::string_view owner, std::vector<lang::Parameter> parameters) {
  return {.name = fmt::format("{}.__init__", owner),
          .parameters = std::move(parameters),
          .implicit_positional = 1};
}

std::span<const LayerEntry> layer_registry() {
  static const std::vector<LayerEntry> all = [] {
    std::vector<LayerEntry> entries(parametrized_layers().begin(), parametrized_layers().end());
    entries.insert(entries.end(), parameter_free_layers().begin(), parameter_free_layers().end());
    return entries;
  }();
  return all;
}

const LayerEntry* find_layer(std::string_view name, const TorchRelease& release) {
  for (const LayerEntry& entry : layer_registry()) {
    if (entry.name == name) return entry.exists && !entry.exists(release) ? nullptr : &entry;
  }
  return nullptr;
}

bool is_unsupported_torch_nn_class(std::string_view name) {
  return std::find(std::begin(unsupported_classes), std::end(unsupported_classes), name) !=
         std::end(unsupported_classes);
}

std::string why_not_built(std::string_view name) {
  if (name.ends_with("Loss") || name.ends_with("Loss2d")) return "it is a loss, not a part of a model";
  if (name.starts_with("Lazy")) {
    return fmt::format("a lazy module takes its sizes from its first input; give them to {}(...)",
                       name.substr(4));
  }
  if (name == "ParameterList" || name == "ParameterDict") {
    return "it holds bare parameters, which a model expression cannot create";
  }
  if (name == "Module" || name == "Container" || name == "RNNBase" || name == "RNNCellBase") {
    return "it is a base class; call one of the layers derived from it";
  }
  if (name == "DataParallel") return "it wraps a module for devices; build the module itself";
  if (name == "SyncBatchNorm") return "it is BatchNorm for distributed training; build BatchNorm1d/2d/3d";
  return "it is not yet among the parameter-free modules nninit builds (nninit builds every layer with "
         "parameters, the containers, and the activations, dropouts, pooling, padding, shuffles, upsampling, "
         "Flatten, Unflatten and LocalResponseNorm)";
}

std::optional<DType> floating_torch_dtype(std::string_view dotted) {
  static constexpr std::pair<std::string_view, DType> names[] = {
      {"torch.float32", DType::float32},   {"torch.float", DType::float32},
      {"torch.float64", DType::float64},   {"torch.double", DType::float64},
      {"torch.float16", DType::float16},   {"torch.half", DType::float16},
      {"torch.bfloat16", DType::bfloat16},
  };
  for (const auto& [name, dtype] : names) {
    if (dotted == name) return dtype;
  }
  return std::nullopt;
}

bool is_other_torch_dtype(std::string_view dotted) {
  static constexpr std::string_view names[] = {
      "torch.int8",
      "torch.int16",
      "torch.short",
      "torch.int32",
      "torch.int",
      "torch.int64",
      "torch.long",
      "torch.uint8",
      "torch.uint16",
      "torch.uint32",
      "torch.uint64",
      "torch.bool",
      "torch.complex32",
      "torch.chalf",
      "torch.complex64",
      "torch.cfloat",
      "torch.complex128",
      "torch.cdouble",
      "torch.float8_e4m3fn",
      "torch.float8_e5m2",
      "torch.float8_e4m3fnuz",
      "torch.float8_e5m2fnuz",
  };
  return std::find(std::begin(names), std::end(names), dotted) != std::end(names);
}

std::optional<std::string> functional_name(std::string_view dotted) {
  for (std::string_view prefix : {"torch.nn.functional.", "nn.functional.", "F."}) {
    if (!dotted.starts_with(prefix)) continue;
    const std::string_view rest = dotted.substr(prefix.size());
    if (rest == "relu" || rest == "gelu") return std::string(rest);
  }
  return std::nullopt;
}

std::optional<std::string_view> torch_nn_name(std::string_view dotted) {
  for (std::string_view prefix : {"torch.nn.", "nn."}) {
    if (dotted.starts_with(prefix)) {
      dotted.remove_prefix(prefix.size());
      break;
    }
  }
  if (dotted.empty() || dotted.find('.') != std::string_view::npos) return std::nullopt;
  return dotted;
}

std::string python_typename(const lang::Value& value, const TorchRelease& release) {
  if (value.kind() != Kind::name) return value.type_name();
  const std::string& dotted = value.name();
  if (const std::optional<std::string> function = functional_name(dotted)) {
    return "torch.nn.functional." + *function;
  }
  if (floating_torch_dtype(dotted) || is_other_torch_dtype(dotted)) return "torch.dtype";
  if (const std::optional<std::string_view> name = torch_nn_name(dotted)) {
    if (const LayerEntry* entry = find_layer(*name, release)) {
      return fmt::format("torch.nn.modules.{}.{}", entry->python_module, entry->name);
    }
  }
  return value.type_name();
}

}  // namespace nninit::expr
