// Init expressions: a torch.nn.init call without its tensor, as users write it in PyTorch code and on
// nninit's command line: `kaiming_normal_(mode='fan_out', nonlinearity='relu')`, `nn.init.zeros_`,
// `torch.nn.init.trunc_normal_(std=.02)`, `xavier_uniform_(gain=calculate_gain('tanh'))`.
//
// Parsing binds the arguments the way CPython binds them to PyTorch's function of the chosen release
// (its signature has generator= from 2.1 on), with the same TypeErrors. Applying runs the function's
// checks in PyTorch's order, so that the same input gives the same error or warning at the same point
// (e.g. kaiming_uniform_ on a zero-size tensor only warns, even with an invalid mode).
//
// Besides torch.nn.init, the expressions accept nninit's own schemes (lecun_uniform_, lecun_normal_,
// variance_scaling_, delta_orthogonal_, trunc_normal_tf_) and forget_gate_bias_ for LSTM biases.
//
// An InitExpression is immutable and cheap to copy (copies share the bound call); it keeps no tensor and
// no generator between calls of apply().
//
//   const InitExpression e = InitExpression::parse("kaiming_normal_(mode='fan_out', nonlinearity='relu')");
//   e.apply(layer.weight(), generator);          // nn.init.kaiming_normal_(layer.weight, mode=..., ...)
//   e.function();                                // "kaiming_normal_"
//   e.is_random();                               // true
//   InitExpression::parse("trunc_normal_(std=.02)", {.version = {1, 13}}).apply(w, generator);
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "nninit/core/tensor.h"
#include "nninit/core/torch_release.h"
#include "nninit/lang/value.h"
#include "nninit/random/generator.h"

namespace nninit::expr {

// Where an expression is applied. Rules pass the parameter's name and its module's type; forget_gate_bias_
// needs the name (bias_ih or bias_hh).
struct InitTarget {
  std::string parameter_name{};
  std::string module_type{};
};

struct InitParseOptions {
  TorchVersion version = TorchVersion::newest();
  // Adds `generator=<generator>` to the call, as PyTorch code that passes its own generator does (2.1+).
  bool pass_generator = false;
};

class InitExpression {
 public:
  // Throws ParseError (bad syntax, unknown function, with suggestions) or TypeError (binding, CPython's
  // words). A deprecated alias (`uniform`, `kaiming_normal`, ...) warns here, before binding, as PyTorch.
  static InitExpression parse(std::string_view text, InitParseOptions options = {});

  // Fills `tensor` in place from `generator`. Errors and warnings as PyTorch's function raises them.
  void apply(const Tensor& tensor, Generator& generator, const InitTarget& target = {}) const;

  // The canonical function name ("kaiming_normal_" for `nn.init.kaiming_normal(...)`).
  const std::string& function() const;
  const std::string& text() const;
  // Whether the scheme draws random numbers (false for zeros_, eye_, dirac_, ...).
  bool is_random() const;

  // Every function name accepted, canonical names first.
  static std::vector<std::string> known_functions();

  struct Bound;

 private:
  std::shared_ptr<const Bound> bound_;
};

// Python's str() of a value: strings without quotes, everything else as repr().
std::string python_str(const lang::Value& value);

}  // namespace nninit::expr
