#include "nninit/expr/init_expression.h"

#include <algorithm>
#include <cmath>
#include <functional>

#include <fmt/format.h>

#include "nninit/core/error.h"
#include "nninit/core/warning.h"
#include "nninit/init/beyond_torch.h"
#include "nninit/init/init.h"
#include "nninit/lang/parser.h"
#include "nninit/lang/signature.h"
#include "nninit/lang/suggest.h"
#include "nninit/nn/rnn.h"

namespace nninit::expr {
namespace {

using Body = std::function<void(const Tensor&, Generator&, const InitTarget&, const lang::BoundArguments&)>;

struct FunctionSpec {
  std::string name;
  bool random = false;
  bool takes_generator = false;  // PyTorch's function has generator= (from 2.1 on)
  std::vector<lang::Parameter> parameters{};
  Body body{};
};

using lang::declare::f;
using lang::declare::i;
using lang::declare::optional;
using lang::declare::required;
using lang::declare::s;

double number(const lang::BoundArguments& args, std::string_view name) {
  return args.as_double(name);
}

bool has_zero_size_dimension(const Tensor& tensor) {
  return std::any_of(tensor.sizes().begin(), tensor.sizes().end(), [](std::int64_t s) { return s == 0; });
}

// `mode.lower()` then the membership test of _calculate_correct_fan, with Python's errors.
std::string lowered_mode(const lang::Value& mode, std::string_view function) {
  if (mode.kind() != lang::Value::Kind::string) {
    throw AttributeError(fmt::format("{}: '{}' object has no attribute 'lower'", function, mode.type_name()));
  }
  std::string lowered = mode.string_value();
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return lowered;
}

init::FanMode fan_mode(const lang::Value& mode, std::string_view function) {
  const std::string lowered = lowered_mode(mode, function);
  if (lowered == "fan_in") return init::FanMode::fan_in;
  if (lowered == "fan_out") return init::FanMode::fan_out;
  throw ValueError(
      fmt::format("{}: Mode {} not supported, please use one of ['fan_in', 'fan_out']", function, lowered));
}

// torch.nn.init.calculate_gain with Python values, including its type check of `param`.
double gain_of(const lang::Value& nonlinearity, const lang::Value& param) {
  static const std::pair<std::string_view, init::Nonlinearity> names[] = {
      {"linear", init::Nonlinearity::linear},
      {"conv1d", init::Nonlinearity::conv1d},
      {"conv2d", init::Nonlinearity::conv2d},
      {"conv3d", init::Nonlinearity::conv3d},
      {"conv_transpose1d", init::Nonlinearity::conv_transpose1d},
      {"conv_transpose2d", init::Nonlinearity::conv_transpose2d},
      {"conv_transpose3d", init::Nonlinearity::conv_transpose3d},
      {"sigmoid", init::Nonlinearity::sigmoid},
      {"tanh", init::Nonlinearity::tanh},
      {"relu", init::Nonlinearity::relu},
      {"leaky_relu", init::Nonlinearity::leaky_relu},
      {"selu", init::Nonlinearity::selu},
  };
  if (nonlinearity.kind() == lang::Value::Kind::string) {
    for (const auto& [name, value] : names) {
      if (nonlinearity.string_value() != name) continue;
      if (value != init::Nonlinearity::leaky_relu || param.is_none()) return init::calculate_gain(value);
      if (param.kind() == lang::Value::Kind::integer)
        return init::calculate_gain(value, static_cast<double>(param.int_value()));
      if (param.kind() == lang::Value::Kind::floating)
        return init::calculate_gain(value, param.float_value());
      throw ValueError(
          fmt::format("calculate_gain: negative_slope {} not a valid number", python_str(param)));
    }
  }
  std::vector<std::string_view> candidates;
  for (const auto& [name, value] : names) candidates.push_back(name);
  const std::string hint = nonlinearity.kind() == lang::Value::Kind::string
                               ? lang::did_you_mean(nonlinearity.string_value(), candidates)
                               : std::string();
  throw ValueError(
      fmt::format("calculate_gain: Unsupported nonlinearity {}{}", python_str(nonlinearity), hint));
}

void kaiming(const Tensor& tensor, Generator& generator, const lang::BoundArguments& args, bool uniform) {
  const char* name = uniform ? "kaiming_uniform_" : "kaiming_normal_";
  // PyTorch's order: the zero-size no-op, then mode, then the fans, then the gain.
  if (has_zero_size_dimension(tensor)) {
    warn("Initializing zero-element tensors is a no-op");
    return;
  }
  const init::FanMode mode = fan_mode(args["mode"], name);
  const std::int64_t fan = init::calculate_correct_fan(tensor, mode, name);
  const double gain = gain_of(args["nonlinearity"], args["a"]);
  const double std = gain / std::sqrt(static_cast<double>(fan));
  if (uniform) {
    const double bound = std::sqrt(3.0) * std;
    init::uniform_(tensor, {.a = -bound, .b = bound}, generator);
  } else {
    init::normal_(tensor, {.mean = 0.0, .std = std}, generator);
  }
}

// forget_gate_bias_ needs the parameter's name (bias_ih* or bias_hh*), which only a rule gives.
void forget_gate_bias(const Tensor& tensor, const InitTarget& target, double value) {
  if (target.parameter_name.empty()) {
    throw ValueError(
        "forget_gate_bias_: needs the parameter's name (bias_ih* or bias_hh*), which only a rule gives: "
        "write it as a rule such as LSTM.bias_*=forget_gate_bias_(1.0)");
  }
  if (!target.module_type.empty() && target.module_type != "LSTM" && target.module_type != "LSTMCell") {
    throw ValueError(
        fmt::format("forget_gate_bias_: '{}' belongs to a {}; the forget gate is an LSTM's and an LSTMCell's",
                    target.parameter_name, target.module_type));
  }
  nn::forget_gate_bias_(tensor, target.parameter_name, value);
}

std::vector<std::int64_t> axes(const lang::Value& value) {
  if (value.kind() == lang::Value::Kind::integer) return {value.int_value()};
  std::vector<std::int64_t> out;
  if (value.is_sequence()) {
    for (const lang::Value& item : value.items()) {
      if (item.kind() != lang::Value::Kind::integer) throw TypeError("variance_scaling_: axes must be ints");
      out.push_back(item.int_value());
    }
    return out;
  }
  throw TypeError(
      fmt::format("variance_scaling_: axes must be an int or a tuple of ints, not {}", value.type_name()));
}

const std::vector<FunctionSpec>& functions() {
  static const std::vector<FunctionSpec> table = {
      {"uniform_",
       true,
       true,
       {optional("a", f(0.0)), optional("b", f(1.0))},
       [](const Tensor& t, Generator& g, const InitTarget&, const lang::BoundArguments& a) {
         init::uniform_(t, {.a = number(a, "a"), .b = number(a, "b")}, g);
       }},
      {"normal_",
       true,
       true,
       {optional("mean", f(0.0)), optional("std", f(1.0))},
       [](const Tensor& t, Generator& g, const InitTarget&, const lang::BoundArguments& a) {
         init::normal_(t, {.mean = number(a, "mean"), .std = number(a, "std")}, g);
       }},
      {"trunc_normal_",
       true,
       true,
       {optional("mean", f(0.0)), optional("std", f(1.0)), optional("a", f(-2.0)), optional("b", f(2.0))},
       [](const Tensor& t, Generator& g, const InitTarget&, const lang::BoundArguments& a) {
         init::trunc_normal_(t, {number(a, "mean"), number(a, "std"), number(a, "a"), number(a, "b")}, g);
       }},
      {"constant_",
       false,
       false,
       {required("val")},
       [](const Tensor& t, Generator& g, const InitTarget&, const lang::BoundArguments& a) {
         init::constant_(t, number(a, "val"), g.release());
       }},
      {"ones_",
       false,
       false,
       {},
       [](const Tensor& t, Generator&, const InitTarget&, const lang::BoundArguments&) { init::ones_(t); }},
      {"zeros_",
       false,
       false,
       {},
       [](const Tensor& t, Generator&, const InitTarget&, const lang::BoundArguments&) { init::zeros_(t); }},
      {"eye_",
       false,
       false,
       {},
       [](const Tensor& t, Generator& g, const InitTarget&, const lang::BoundArguments&) {
         init::eye_(t, g.release());
       }},
      {"dirac_",
       false,
       false,
       {optional("groups", i(1))},
       [](const Tensor& t, Generator&, const InitTarget&, const lang::BoundArguments& a) {
         init::dirac_(t, {.groups = a.as_int("groups")});
       }},
      {"xavier_uniform_",
       true,
       true,
       {optional("gain", f(1.0))},
       [](const Tensor& t, Generator& g, const InitTarget&, const lang::BoundArguments& a) {
         init::xavier_uniform_(t, {.gain = number(a, "gain")}, g);
       }},
      {"xavier_normal_",
       true,
       true,
       {optional("gain", f(1.0))},
       [](const Tensor& t, Generator& g, const InitTarget&, const lang::BoundArguments& a) {
         init::xavier_normal_(t, {.gain = number(a, "gain")}, g);
       }},
      {"kaiming_uniform_",
       true,
       true,
       {optional("a", i(0)), optional("mode", s("fan_in")), optional("nonlinearity", s("leaky_relu"))},
       [](const Tensor& t, Generator& g, const InitTarget&, const lang::BoundArguments& a) {
         kaiming(t, g, a, true);
       }},
      {"kaiming_normal_",
       true,
       true,
       {optional("a", i(0)), optional("mode", s("fan_in")), optional("nonlinearity", s("leaky_relu"))},
       [](const Tensor& t, Generator& g, const InitTarget&, const lang::BoundArguments& a) {
         kaiming(t, g, a, false);
       }},
      {"orthogonal_",
       true,
       true,
       {optional("gain", i(1))},
       [](const Tensor& t, Generator& g, const InitTarget&, const lang::BoundArguments& a) {
         init::orthogonal_(t, {.gain = number(a, "gain")}, g);
       }},
      {"sparse_",
       true,
       true,
       {required("sparsity"), optional("std", f(0.01))},
       [](const Tensor& t, Generator& g, const InitTarget&, const lang::BoundArguments& a) {
         init::sparse_(t, {.sparsity = number(a, "sparsity"), .std = number(a, "std")}, g);
       }},
      // nninit's own schemes (init/extra.h).
      {"lecun_uniform_",
       true,
       false,
       {optional("mode", s("fan_in"))},
       [](const Tensor& t, Generator& g, const InitTarget&, const lang::BoundArguments& a) {
         init::lecun_uniform_(t, {.mode = fan_mode(a["mode"], "lecun_uniform_")}, g);
       }},
      {"lecun_normal_",
       true,
       false,
       {optional("mode", s("fan_in")), optional("truncated", lang::Value::make_bool(false))},
       [](const Tensor& t, Generator& g, const InitTarget&, const lang::BoundArguments& a) {
         init::lecun_normal_(
             t, {.mode = fan_mode(a["mode"], "lecun_normal_"), .truncated = a.as_bool("truncated")}, g);
       }},
      {"variance_scaling_",
       true,
       false,
       {optional("scale", f(1.0)), optional("mode", s("fan_in")),
        optional("distribution", s("truncated_normal")), optional("in_axis", i(1)),
        optional("out_axis", i(0)), optional("batch_axis", lang::Value::make_tuple({}))},
       [](const Tensor& t, Generator& g, const InitTarget&, const lang::BoundArguments& a) {
         init::VarianceScalingOptions options;
         options.scale = number(a, "scale");
         const std::string mode = a.as_string("mode");
         if (mode == "fan_in") {
           options.mode = init::VarianceScalingMode::fan_in;
         } else if (mode == "fan_out") {
           options.mode = init::VarianceScalingMode::fan_out;
         } else if (mode == "fan_avg") {
           options.mode = init::VarianceScalingMode::fan_avg;
         } else {
           throw ValueError(
               fmt::format("variance_scaling_: invalid mode for variance scaling initializer: {}", mode));
         }
         const std::string distribution = a.as_string("distribution");
         if (distribution == "truncated_normal") {
           options.distribution = init::VarianceScalingDistribution::truncated_normal;
         } else if (distribution == "normal") {
           options.distribution = init::VarianceScalingDistribution::normal;
         } else if (distribution == "uniform") {
           options.distribution = init::VarianceScalingDistribution::uniform;
         } else {
           throw ValueError(fmt::format(
               "variance_scaling_: invalid distribution for variance scaling initializer: {}", distribution));
         }
         options.in_axis = axes(a["in_axis"]);
         options.out_axis = axes(a["out_axis"]);
         options.batch_axis = axes(a["batch_axis"]);
         init::variance_scaling_(t, options, g);
       }},
      {"delta_orthogonal_",
       true,
       false,
       {optional("gain", f(1.0))},
       [](const Tensor& t, Generator& g, const InitTarget&, const lang::BoundArguments& a) {
         init::delta_orthogonal_(t, {.gain = number(a, "gain")}, g);
       }},
      {"trunc_normal_tf_",
       true,
       false,
       {optional("mean", f(0.0)), optional("std", f(1.0)), optional("a", f(-2.0)), optional("b", f(2.0))},
       [](const Tensor& t, Generator& g, const InitTarget&, const lang::BoundArguments& a) {
         init::trunc_normal_tf_(t, {number(a, "mean"), number(a, "std"), number(a, "a"), number(a, "b")}, g);
       }},
      // The LSTM forget-gate bias (nn/rnn.h).
      {"forget_gate_bias_",
       false,
       false,
       {optional("value", f(1.0))},
       [](const Tensor& t, Generator&, const InitTarget& target, const lang::BoundArguments& a) {
         forget_gate_bias(t, target, number(a, "value"));
       }},
  };
  return table;
}

// torch.nn.init's deprecated spellings without the trailing underscore.
bool is_deprecated_alias(std::string_view name) {
  static constexpr std::string_view aliases[] = {
      "uniform",       "normal",          "constant",       "eye",        "dirac", "xavier_uniform",
      "xavier_normal", "kaiming_uniform", "kaiming_normal", "orthogonal", "sparse"};
  return std::find(std::begin(aliases), std::end(aliases), name) != std::end(aliases);
}

std::string_view strip_prefix(std::string_view callee) {
  for (std::string_view prefix : {"torch.nn.init.", "nn.init.", "init."}) {
    if (callee.starts_with(prefix)) return callee.substr(prefix.size());
  }
  return callee;
}

// Evaluates an argument: literals stay, calculate_gain(...) is computed as PyTorch would before the call.
lang::Value evaluate_argument(const lang::Value& value, std::string_view text) {
  if (value.kind() == lang::Value::Kind::call) {
    const lang::Call& call = value.call();
    if (strip_prefix(call.callee) == "calculate_gain") {
      static const lang::Signature signature{
          .name = "calculate_gain",
          .parameters = {required("nonlinearity"), optional("param", lang::Value())}};
      lang::Call evaluated = call;
      for (lang::Value& arg : evaluated.args) arg = evaluate_argument(arg, text);
      for (lang::KeywordArgument& keyword : evaluated.keywords)
        keyword.value = evaluate_argument(keyword.value, text);
      const lang::BoundArguments bound = bind(signature, evaluated);
      const double gain = gain_of(bound["nonlinearity"], bound["param"]);
      return gain == 1.0 ? lang::Value::make_int(1, value.range())
                         : lang::Value::make_float(gain, value.range());
    }
    throw lang::ParseError(fmt::format("{}() cannot be used as an argument of an init function", call.callee),
                           text, call.callee_range.begin);
  }
  if (value.kind() == lang::Value::Kind::name) {
    throw NameError(lang::located_message(fmt::format("name '{}' is not defined", value.name()), text,
                                          value.range().begin));
  }
  if (value.is_sequence()) {
    std::vector<lang::Value> items;
    for (const lang::Value& item : value.items()) items.push_back(evaluate_argument(item, text));
    return value.kind() == lang::Value::Kind::tuple ? lang::Value::make_tuple(std::move(items), value.range())
                                                    : lang::Value::make_list(std::move(items), value.range());
  }
  return value;
}

}  // namespace

struct InitExpression::Bound {
  std::string text;
  const FunctionSpec* function = nullptr;
  lang::BoundArguments arguments;
};

std::string python_str(const lang::Value& value) {
  return value.kind() == lang::Value::Kind::string ? value.string_value() : value.repr();
}

std::vector<std::string> InitExpression::known_functions() {
  std::vector<std::string> names;
  for (const FunctionSpec& spec : functions()) names.push_back(spec.name);
  for (const FunctionSpec& spec : functions()) {
    std::string alias = spec.name.substr(0, spec.name.size() - 1);
    if (is_deprecated_alias(alias)) names.push_back(alias);
  }
  return names;
}

InitExpression InitExpression::parse(std::string_view text, InitParseOptions options) {
  const lang::Value expression = lang::parse_expression(text);
  lang::Call call;
  if (expression.kind() == lang::Value::Kind::name) {
    call.callee = expression.name();
    call.callee_range = expression.range();
  } else if (expression.kind() == lang::Value::Kind::call) {
    call = expression.call();
  } else {
    throw lang::ParseError(
        fmt::format("expected an init function such as kaiming_normal_(...), got {}", expression.repr()),
        text, expression.range().begin);
  }
  std::string name(strip_prefix(call.callee));
  const bool alias = is_deprecated_alias(name);
  if (alias) name += "_";
  const auto& table = functions();
  const auto spec =
      std::find_if(table.begin(), table.end(), [&](const FunctionSpec& f) { return f.name == name; });
  if (spec == table.end()) {
    const std::vector<std::string> known = known_functions();
    throw lang::ParseError(fmt::format("unknown init function '{}'{}", call.callee,
                                       lang::did_you_mean(std::string(strip_prefix(call.callee)), known)),
                           text, call.callee_range.begin);
  }
  // Python evaluates the arguments, then calls: a deprecated alias warns before binding its arguments.
  for (lang::Value& arg : call.args) arg = evaluate_argument(arg, text);
  for (lang::KeywordArgument& keyword : call.keywords) keyword.value = evaluate_argument(keyword.value, text);
  if (alias) {
    const std::string old_name = name.substr(0, name.size() - 1);
    if (TorchRelease::of(options.version).messages.deprecation_is_future_warning) {
      warn(fmt::format("`nn.init.{}` is now deprecated in favor of `nn.init.{}`.", old_name, name),
           WarningCategory::future);
    } else {
      warn(fmt::format("nn.init.{} is now deprecated in favor of nn.init.{}.", old_name, name));
    }
  }
  const bool generator_parameter =
      spec->takes_generator && TorchRelease::of(options.version).signatures.init_generator;
  lang::Signature signature{.name = spec->name, .parameters = {required("tensor")}, .implicit_positional = 0};
  for (const lang::Parameter& p : spec->parameters) signature.parameters.push_back(p);
  if (generator_parameter) signature.parameters.push_back(optional("generator", lang::Value()));
  // The tensor is the implicit first positional argument.
  call.args.insert(call.args.begin(), lang::Value::make_name("tensor"));
  if (options.pass_generator) {
    if (!generator_parameter) {
      throw TypeError(fmt::format("{}() got an unexpected keyword argument 'generator'", spec->name));
    }
    call.keywords.push_back({.name = "generator", .value = lang::Value::make_name("generator")});
  }
  auto bound = std::make_shared<Bound>();
  bound->text = std::string(text);
  bound->function = &*spec;
  bound->arguments = bind(signature, call);
  InitExpression result;
  result.bound_ = std::move(bound);
  return result;
}

void InitExpression::apply(const Tensor& tensor, Generator& generator, const InitTarget& target) const {
  bound_->function->body(tensor, generator, target, bound_->arguments);
}

const std::string& InitExpression::function() const {
  return bound_->function->name;
}
const std::string& InitExpression::text() const {
  return bound_->text;
}
bool InitExpression::is_random() const {
  return bound_->function->random;
}

}  // namespace nninit::expr
