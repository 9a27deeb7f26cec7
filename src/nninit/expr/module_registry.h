// The torch.nn classes a model expression can construct (model_expression.h): for each, the signature of the
// __init__ PyTorch runs in a given release and the conversion of the bound arguments to the nn layer's
// options.
//
// Signatures are CPython's view of PyTorch's code: named after the function that binds the arguments
// ("Linear.__init__", "_BatchNorm.__init__" for BatchNorm2d, "RNNBase.__init__" for LSTM), with `self` (and
// RNNBase's `mode`) counted in the messages. Parameters appear and disappear by release, as
// the release table says (core/torch_release.h: LayerNorm's bias from 2.1, the norms' keyword-only bias
// from 2.12, nn.RMSNorm from 2.4, ...).
//
// Conversions follow what PyTorch does with each argument: flags are tested for Python truthiness (`if
// bias:`), sizes reach torch.empty as ints (a bool is an int there), floats are stored, strings are checked
// by the layer. Where PyTorch keeps a value it cannot use until forward (EmbeddingBag(mode='foo'),
// ConvTranspose2d(padding='same')), nninit refuses it up front: it has nowhere to keep it.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "nninit/core/error.h"
#include "nninit/core/torch_release.h"
#include "nninit/lang/signature.h"
#include "nninit/lang/value.h"
#include "nninit/nn/module.h"
#include "nninit/random/generator.h"

namespace nninit::expr {

// The modules built so far for the calls of an expression, by the Call they came from: each call of the
// expression is one module object, as in Python.
using ModuleTable = std::map<const lang::Call*, nn::ModulePtr>;

// A failure that belongs to one argument (of any kind): located at that argument.
class ArgumentError : public Error {
 public:
  ArgumentError(ErrorKind kind, const std::string& message, lang::SourceRange range)
      : Error(kind, message), range_(range) {}
  lang::SourceRange range() const { return range_; }

 private:
  lang::SourceRange range_;
};

// A bound call's arguments with PyTorch's conversions. Type errors are BindErrors located at the argument,
// in CPython's words for builtins ("Linear.__init__() argument 'in_features' must be int, not float").
class LayerArguments {
 public:
  LayerArguments(const lang::BoundArguments& bound, const ModuleTable& modules, std::string_view layer,
                 const TorchRelease& release)
      : bound_(bound), modules_(modules), layer_(layer), release_(release) {}

  const lang::BoundArguments& bound() const { return bound_; }
  const lang::Value& operator[](std::string_view name) const { return bound_[name]; }
  // The class name the user wrote ("Conv2d"), which starts the layers' own messages.
  std::string_view layer() const { return layer_; }
  const TorchRelease& release() const { return release_; }

  std::int64_t integer(std::string_view name) const { return bound_.as_int(name); }
  std::optional<std::int64_t> optional_integer(std::string_view name) const {
    return bound_.as_optional_int(name);
  }
  double real(std::string_view name) const { return bound_.as_double(name); }
  std::optional<double> optional_real(std::string_view name) const { return bound_.as_optional_double(name); }
  const std::string& string(std::string_view name) const { return bound_.as_string(name); }
  // Python's bool(x), as `if bias:` tests it.
  bool truthy(std::string_view name) const;
  // _single/_pair/_triple: an int for every dimension or exactly `n` ints.
  Shape sizes(std::string_view name, std::size_t n) const;
  // An int as a one-element shape or a tuple or list of ints of any length (normalized_shape, pooling sizes).
  Shape int_sequence(std::string_view name) const;
  // dtype= (None is float32) after checking device= (None or the CPU).
  DType dtype() const;

  // A module argument (or None, for optional_module). TypeError for other values.
  nn::ModulePtr module(std::string_view name) const;
  nn::ModulePtr optional_module(std::string_view name) const;
  // The module a value evaluated to, or nullptr when it is not a module.
  nn::ModulePtr module_of(const lang::Value& value) const;

  [[noreturn]] void fail(std::string_view name, ErrorKind kind, const std::string& message) const;

 private:
  const lang::BoundArguments& bound_;
  const ModuleTable& modules_;
  std::string_view layer_;
  const TorchRelease& release_;
};

// One torch.nn class.
struct LayerEntry {
  std::string_view name;           // "Linear"
  std::string_view python_module;  // "linear": the class is torch.nn.modules.linear.Linear
  // Whether the release has the class (the release table says when it appeared); nullptr: every release.
  bool (*exists)(const TorchRelease&) = nullptr;
  lang::Signature (*signature)(const TorchRelease&, std::string_view layer) = nullptr;
  nn::ModulePtr (*build)(const LayerArguments&, Generator&) = nullptr;
  // Work the class's __init__ does before binding (RNN's nonlinearity, proj_size refused for RNN and GRU):
  // returns the call to bind, or throws an ArgumentError.
  lang::Call (*prepare)(const lang::Call&, const TorchRelease&, std::string_view layer) = nullptr;
};

// Throws `message` as the error class of `kind` (ValueError for ErrorKind::value, ...), so that a message
// rewritten with its location keeps the kind PyTorch would raise.
[[noreturn]] void throw_error(ErrorKind kind, const std::string& message);

// Pieces for the registry's tables.
namespace registry {
// The parameters followed by `device=None, dtype=None`, as every layer with parameters takes them.
std::vector<lang::Parameter> with_factory_arguments(std::vector<lang::Parameter> parameters);
// The signature of `owner.__init__`, with `self` counted in CPython's messages.
lang::Signature init_of(std::string_view owner, std::vector<lang::Parameter> parameters);
}  // namespace registry

std::span<const LayerEntry> layer_registry();
// The entry named `name` (without prefix) that exists in the release, or nullptr.
const LayerEntry* find_layer(std::string_view name, const TorchRelease& release);
// torch.nn classes PyTorch 2.14 has that nninit does not build (losses, lazy modules, folding, circular
// padding...).
bool is_unsupported_torch_nn_class(std::string_view name);
// Why nninit does not build that class, for the refusal: "it is a loss, not a part of a model".
std::string why_not_built(std::string_view name);

// The parts of the registry, one per group of torch.nn's source files.
std::span<const LayerEntry> parametrized_layers();  // layers with parameters, containers, transformers
std::span<const LayerEntry> parameter_free_layers();

// Python's type name of a value as torch.typename() prints it in "X is not a Module subclass": "int",
// "torch.nn.modules.activation.ReLU" for the class nn.ReLU, "torch.nn.functional.gelu", "torch.dtype".
std::string python_typename(const lang::Value& value, const TorchRelease& release);

// torch.float32, torch.float, torch.float64, torch.double, torch.float16, torch.half, torch.bfloat16.
std::optional<DType> floating_torch_dtype(std::string_view dotted);
// torch's other dtypes (torch.int64, torch.bool, torch.complex64, ...), which no parameter can have.
bool is_other_torch_dtype(std::string_view dotted);
// "relu" for F.relu, torch.nn.functional.relu or nn.functional.relu; "gelu" likewise; nullopt otherwise.
std::optional<std::string> functional_name(std::string_view dotted);
// A torch.nn class name without its prefix: "Linear" for "Linear", "nn.Linear" and "torch.nn.Linear";
// nullopt for other dotted names.
std::optional<std::string_view> torch_nn_name(std::string_view dotted);

}  // namespace nninit::expr
