#include "nninit/expr/rules.h"

#include <algorithm>
#include <iterator>
#include <optional>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "nninit/core/error.h"
#include "nninit/core/warning.h"
#include "nninit/expr/init_expression.h"
#include "nninit/expr/model_expression.h"
#include "nninit/expr/module_registry.h"
#include "nninit/lang/parser.h"
#include "nninit/lang/source.h"
#include "nninit/lang/suggest.h"

namespace nninit::expr {

// ---- parsing PATTERN=EXPR ----
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
bool is_identifier_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}
bool is_identifier(std::string_view s) {
  if (s.empty() || (s.front() >= '0' && s.front() <= '9')) return false;
  for (char c : s) {
    if (!is_identifier_char(c)) return false;
  }
  return true;
}

// The offset of the '=' that separates pattern and expression, or npos. Before the first '(' a '[' opens a
// pattern's character class, not a bracket, so it does not hide the '=' when it is left unclosed.
std::size_t find_separator(std::string_view text) {
  int depth = 0;
  char quote = '\0';
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quote != '\0') {
      if (c == '\\') {
        ++i;
      } else if (c == quote) {
        quote = '\0';
      }
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '(' || c == '{' || (c == '[' && depth > 0)) {
      ++depth;
    } else if (c == ')' || c == '}' || (c == ']' && depth > 0)) {
      if (depth > 0) --depth;
    } else if (c == '=' && depth == 0) {
      if (i + 1 < text.size() && text[i + 1] == '=') {
        ++i;
        continue;
      }
      if (i > 0 && (text[i - 1] == '<' || text[i - 1] == '>' || text[i - 1] == '!')) continue;
      return i;
    }
  }
  return std::string_view::npos;
}

// The end of the class starting at pattern[open] == '[' (just past its ']'), or npos when it is not closed.
// A ']' right after "[" or "[!" is a member, as in fnmatch.
std::size_t class_end(std::string_view pattern, std::size_t open) {
  std::size_t i = open + 1;
  if (i < pattern.size() && pattern[i] == '!') ++i;
  if (i < pattern.size() && pattern[i] == ']') ++i;
  const std::size_t close = pattern.find(']', i);
  return close == std::string_view::npos ? close : close + 1;
}

bool class_matches(std::string_view klass, char c) {
  // klass is "[...]" including the brackets
  std::size_t i = 1;
  const std::size_t end = klass.size() - 1;
  const bool negate = klass[i] == '!';
  if (negate) ++i;
  bool found = false;
  for (; i < end; ++i) {
    if (i + 2 < end && klass[i + 1] == '-') {  // a range such as a-z
      if (klass[i] <= c && c <= klass[i + 2]) found = true;
      i += 2;
    } else if (klass[i] == c) {
      found = true;
    }
  }
  return found != negate;
}

// Checks a pattern's characters, classes and components; offsets are into the whole rule.
void check_pattern(std::string_view rule, std::size_t begin, std::size_t end) {
  const std::string_view pattern = rule.substr(begin, end - begin);
  std::size_t component_start = 0;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '.') {
      if (i == component_start) throw lang::ParseError("empty name in pattern", rule, begin + i);
      component_start = i + 1;
    } else if (c == '[') {
      const std::size_t close = class_end(pattern, i);
      if (close == std::string_view::npos)
        throw lang::ParseError("unterminated '[' in pattern", rule, begin + i);
      for (std::size_t k = i + 1; k + 1 < close; ++k) {
        if (!is_identifier_char(pattern[k]) && pattern[k] != '-' && !(k == i + 1 && pattern[k] == '!')) {
          throw lang::ParseError(fmt::format("unexpected character '{}' in pattern", pattern[k]), rule,
                                 begin + k);
        }
      }
      i = close - 1;
    } else if (!is_identifier_char(c) && c != '*' && c != '?') {
      throw lang::ParseError(fmt::format("unexpected character '{}' in pattern", c), rule, begin + i);
    }
  }
  if (component_start == pattern.size()) throw lang::ParseError("empty name in pattern", rule, end);
}

// The pass a prefix names: "then", "parameters", "parameters(dim>1)"; offsets are into the whole rule.
void parse_pass(std::string_view rule, std::size_t begin, std::size_t end, Rule& out) {
  while (begin < end && is_space(rule[begin])) ++begin;
  while (end > begin && is_space(rule[end - 1])) --end;
  std::string compact;  // without spaces: "parameters(dim>1)"
  for (std::size_t i = begin; i < end; ++i) {
    if (!is_space(rule[i])) compact += rule[i];
  }
  out.starts_pass = true;
  if (compact == "then") return;
  const auto unknown = [&] {
    throw lang::ParseError(fmt::format("unknown pass '{}': a pass starts with then:, parameters: or "
                                       "parameters(dim>1): (with >, >=, <, <=, == or != and an integer)",
                                       rule.substr(begin, end - begin)),
                           rule, begin);
  };
  if (!compact.starts_with("parameters")) unknown();
  out.walk = PassWalk::parameters;
  if (compact == "parameters") return;
  if (!compact.starts_with("parameters(dim") || !compact.ends_with(")")) unknown();
  std::string_view condition = std::string_view(compact).substr(14, compact.size() - 15);
  static constexpr std::pair<std::string_view, DimCondition::Op> ops[] = {
      {">=", DimCondition::Op::greater_equal}, {"<=", DimCondition::Op::less_equal},
      {"==", DimCondition::Op::equal},         {"!=", DimCondition::Op::not_equal},
      {">", DimCondition::Op::greater},        {"<", DimCondition::Op::less}};
  for (const auto& [symbol, op] : ops) {
    if (!condition.starts_with(symbol)) continue;
    const std::string_view number = condition.substr(symbol.size());
    if (number.empty() || number.size() > 4 ||
        !std::all_of(number.begin(), number.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      unknown();
    }
    out.dim_condition = DimCondition{.op = op, .value = std::stoll(std::string(number))};
    return;
  }
  unknown();
}

}  // namespace

bool DimCondition::holds(std::int64_t dim) const {
  switch (op) {
    case Op::less: return dim < value;
    case Op::less_equal: return dim <= value;
    case Op::equal: return dim == value;
    case Op::not_equal: return dim != value;
    case Op::greater_equal: return dim >= value;
    case Op::greater: return dim > value;
  }
  return false;
}

std::string DimCondition::python() const {
  static constexpr std::string_view symbols[] = {"<", "<=", "==", "!=", ">=", ">"};
  return fmt::format("p.dim() {} {}", symbols[static_cast<int>(op)], value);
}

Rule parse_rule(std::string_view text) {
  const std::size_t separator = find_separator(text);
  if (separator == std::string_view::npos) {
    throw lang::ParseError("missing '=': a rule is PATTERN=EXPR, such as Linear.weight=zeros_", text,
                           text.size());
  }
  Rule rule;
  std::size_t begin = 0;
  std::size_t end = separator;
  if (const std::size_t colon = text.substr(0, separator).find(':'); colon != std::string_view::npos) {
    parse_pass(text, 0, colon, rule);
    begin = colon + 1;
  }
  while (begin < end && is_space(text[begin])) ++begin;
  while (end > begin && is_space(text[end - 1])) --end;
  if (begin == end) throw lang::ParseError("empty pattern before '='", text, separator);
  std::size_t expression_begin = separator + 1;
  while (expression_begin < text.size() && is_space(text[expression_begin])) ++expression_begin;
  if (expression_begin == text.size())
    throw lang::ParseError("empty expression after '='", text, separator + 1);
  check_pattern(text, begin, end);

  rule.text = std::string(text);
  rule.pattern_range = {begin, end};
  std::string_view pattern = text.substr(begin, end - begin);
  for (std::string_view prefix : {"torch.nn.", "nn."}) {
    const std::string_view rest = pattern.substr(pattern.starts_with(prefix) ? prefix.size() : 0);
    const std::size_t dot = rest.find('.');
    if (dot != std::string_view::npos && rest.find('.', dot + 1) == std::string_view::npos &&
        is_identifier(rest.substr(0, dot)) && rest.front() >= 'A' && rest.front() <= 'Z') {
      rule.kind = PatternKind::type_parameter;
      rule.type_name = std::string(rest.substr(0, dot));
      rule.parameter_glob = std::string(rest.substr(dot + 1));
      break;
    }
  }
  if (rule.kind == PatternKind::path) {
    if (is_identifier(pattern) && pattern.front() >= 'A' && pattern.front() <= 'Z') {
      throw lang::ParseError(
          fmt::format("pattern '{0}' names a type but no parameter: write {0}.weight, {0}.* or a path "
                      "such as *.weight",
                      pattern),
          text, begin);
    }
    rule.path_glob = std::string(pattern);
  }
  rule.expression = lang::parse_expression(rule.text, {expression_begin, rule.text.size()});
  return rule;
}

bool glob_match(std::string_view pattern, std::string_view text) {
  std::size_t p = 0;
  std::size_t t = 0;
  std::size_t star = std::string_view::npos;  // the last '*' seen, to backtrack to
  std::size_t star_text = 0;                  // where the text stood when it was seen
  while (t < text.size()) {
    if (p < pattern.size()) {
      const char c = pattern[p];
      if (c == '*') {
        star = p++;
        star_text = t;
        continue;
      }
      if (c == '?') {
        ++p;
        ++t;
        continue;
      }
      if (c == '[') {
        const std::size_t close = class_end(pattern, p);
        if (close != std::string_view::npos) {
          if (class_matches(pattern.substr(p, close - p), text[t])) {
            p = close;
            ++t;
            continue;
          }
        } else if (text[t] == '[') {
          ++p;
          ++t;
          continue;
        }
      } else if (c == text[t]) {
        ++p;
        ++t;
        continue;
      }
    }
    if (star == std::string_view::npos) return false;
    p = star + 1;
    t = ++star_text;
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

// ---- applying rules to a model ----
namespace {

// Where the expression starts within the rule's text: after the '=' that follows the pattern.
std::size_t expression_begin(const Rule& rule) {
  const std::size_t separator = rule.text.find('=', rule.pattern_range.end);
  return separator == std::string::npos ? rule.text.size() : separator + 1;
}

// A rule's expression, parsed for the release, and the warnings that calling it gives: PyTorch's deprecated
// aliases (nn.init.uniform) warn at each call, so at each parameter the rule initialises, not once.
struct ParsedRule {
  InitExpression expression;
  std::vector<Warning> call_warnings;
};

// Errors are located within the whole rule.
ParsedRule parse_rule_expression(const Rule& rule, const TorchRelease& release) {
  const std::size_t begin = expression_begin(rule);
  const std::string_view text = std::string_view(rule.text).substr(begin);
  try {
    ScopedWarningCapture capture;
    InitExpression expression = InitExpression::parse(text, {.version = release.version});
    return {std::move(expression), capture.warnings()};
  } catch (const lang::ParseError& e) {
    throw lang::ParseError(e.reason(), rule.text, begin + e.offset());
  } catch (const lang::ExpressionTypeError& e) {
    throw lang::ExpressionTypeError(e.reason(), rule.text, begin + e.offset());
  } catch (const lang::BindError& e) {
    throw lang::ExpressionTypeError(e.what(), rule.text, begin + e.range().begin);
  }
}

// The torch.nn class names a Type.param rule may name: the registry's, and the types and bases in the model.
std::vector<std::string> known_types(nn::Module& model) {
  std::vector<std::string> names = model_layer_names(TorchRelease::newest());
  const auto add = [&](const std::string& name) {
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  };
  add("Module");
  for (const nn::NamedModule& m : model.named_modules()) {
    add(m.module->type_name());
    for (const std::string& base : m.module->python_bases()) add(base);
  }
  return names;
}

void check_rule_types(nn::Module& model, std::span<const Rule> rules) {
  std::optional<std::vector<std::string>> known;
  for (const Rule& rule : rules) {
    if (rule.kind != PatternKind::type_parameter) continue;
    if (!known) known = known_types(model);
    if (std::find(known->begin(), known->end(), rule.type_name) != known->end()) continue;
    throw lang::ParseError(fmt::format("'{}' is not a torch.nn class nninit knows, nor a type in the model{}",
                                       rule.type_name, lang::did_you_mean(rule.type_name, *known)),
                           rule.text, rule.pattern_range.begin);
  }
}

bool matches(const Rule& rule, const nn::Module& module, const std::string& own_name,
             const std::string& path) {
  if (rule.kind == PatternKind::type_parameter) {
    return module.is_instance(rule.type_name) && glob_match(rule.parameter_glob, own_name);
  }
  return glob_match(rule.path_glob, path);
}

// The passes of a rule set, as [first, last) ranges of rules: a rule that starts a pass ends the one before.
std::vector<std::pair<std::size_t, std::size_t>> passes(std::span<const Rule> rules) {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  for (std::size_t r = 0; r < rules.size(); ++r) {
    if (r == 0 || rules[r].starts_pass) out.emplace_back(r, r);
    out.back().second = r + 1;
  }
  return out;
}

// For each parameter of named_parameters(), the module that registered it and its name there: the first in
// named_modules() order, as a walk over model.modules() finds it.
std::vector<std::pair<nn::Module*, NamedTensor>> parameter_owners(
    nn::Module& model, const std::vector<NamedTensor>& parameters) {
  std::vector<std::pair<nn::Module*, NamedTensor>> owners(parameters.size());
  std::vector<bool> found(parameters.size(), false);
  for (const nn::NamedModule& m : model.named_modules()) {
    for (const NamedTensor& own : m.module->named_parameters(false)) {
      for (std::size_t i = 0; i < parameters.size(); ++i) {
        if (found[i] || !nn::same_tensor(parameters[i].tensor, own.tensor)) continue;
        owners[i] = {m.module, own};
        found[i] = true;
      }
    }
  }
  return owners;
}

// "0.weight, 0.bias, 2.weight (12 in all)"
template <class Items>
std::string short_list(const Items& items, std::size_t shown = 8) {
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < shown; ++i) out += (i > 0 ? ", " : "") + items[i];
  if (items.size() > shown) out += fmt::format(", ... ({} in all)", items.size());
  return out;
}

[[noreturn]] void nothing_matched(nn::Module& model, std::span<const Rule> rules,
                                  const std::vector<NamedTensor>& parameters) {
  std::vector<std::string> rule_texts;
  for (const Rule& rule : rules) rule_texts.push_back(fmt::format("'{}'", rule.text));
  if (parameters.empty()) {
    throw ValueError(fmt::format("apply_rules: no rule matched: the model ({}) has no parameters (rules: {})",
                                 model.type_name(), short_list(rule_texts)));
  }
  std::vector<std::string> names;
  for (const NamedTensor& p : parameters) names.push_back(p.name);
  std::vector<std::string> typed;  // Type.param as a rule would name them
  model.apply([&](nn::Module& m) {
    for (const NamedTensor& p : m.named_parameters(false)) {
      const std::string name = m.type_name() + "." + p.name;
      if (std::find(typed.begin(), typed.end(), name) == typed.end()) typed.push_back(name);
    }
  });
  throw ValueError(
      fmt::format("apply_rules: no rule matched any parameter (rules: {}); the model's parameters "
                  "are {}; by type: {}",
                  short_list(rule_texts), short_list(names), short_list(typed)));
}

// ----- rules_to_python

bool has_glob(std::string_view pattern) {
  return pattern.find_first_of("*?[") != std::string_view::npos;
}

// The Python test of a glob: `name == 'weight'` or `fnmatch.fnmatchcase(name, 'bias_*')`.
std::string glob_test(std::string_view variable, const std::string& pattern) {
  if (!has_glob(pattern)) return fmt::format("{} == {}", variable, lang::python_string_repr(pattern));
  return fmt::format("fnmatch.fnmatchcase({}, {})", variable, lang::python_string_repr(pattern));
}

// The class a Type.param rule names, as Python code reaches it.
std::string class_test(const std::string& type_name) {
  static const std::pair<std::string_view, std::string_view> private_classes[] = {
      {"Module", "nn.Module"},
      {"RNNBase", "nn.RNNBase"},
      {"RNNCellBase", "nn.RNNCellBase"},
      {"_ConvNd", "nn.modules.conv._ConvNd"},
      {"_ConvTransposeNd", "nn.modules.conv._ConvTransposeNd"},
      {"_NormBase", "nn.modules.batchnorm._NormBase"},
      {"_BatchNorm", "nn.modules.batchnorm._BatchNorm"},
      {"_InstanceNorm", "nn.modules.instancenorm._InstanceNorm"},
      {"_DropoutNd", "nn.modules.dropout._DropoutNd"},
      {"_MaxPoolNd", "nn.modules.pooling._MaxPoolNd"},
      {"_AvgPoolNd", "nn.modules.pooling._AvgPoolNd"},
      {"_AdaptiveAvgPoolNd", "nn.modules.pooling._AdaptiveAvgPoolNd"},
      {"_AdaptiveMaxPoolNd", "nn.modules.pooling._AdaptiveMaxPoolNd"},
      {"NonDynamicallyQuantizableLinear", "nn.modules.linear.NonDynamicallyQuantizableLinear"},
  };
  for (const auto& [name, path] : private_classes) {
    if (type_name == name) return fmt::format("isinstance(m, {})", path);
  }
  const std::vector<std::string> layers = model_layer_names(TorchRelease::newest());
  if (std::find(layers.begin(), layers.end(), type_name) != layers.end()) {
    return fmt::format("isinstance(m, nn.{})", type_name);
  }
  // A class of the user's own: an instance of any class of that name, as isinstance would be.
  return fmt::format("any(c.__name__ == {} for c in type(m).__mro__)", lang::python_string_repr(type_name));
}

std::string_view without_init_prefix(std::string_view callee) {
  for (std::string_view prefix : {"torch.nn.init.", "nn.init.", "init."}) {
    if (callee.starts_with(prefix)) return callee.substr(prefix.size());
  }
  return callee;
}

// An argument as Python code: calculate_gain(...) gets its nn.init. prefix.
std::string argument_code(const lang::Value& value) {
  if (value.kind() == lang::Value::Kind::call &&
      without_init_prefix(value.call().callee) == "calculate_gain") {
    const lang::Call& call = value.call();
    std::vector<std::string> parts;
    for (const lang::Value& arg : call.args) parts.push_back(argument_code(arg));
    for (const lang::KeywordArgument& k : call.keywords)
      parts.push_back(k.name + "=" + argument_code(k.value));
    return fmt::format("nn.init.calculate_gain({})", fmt::join(parts, ", "));
  }
  return value.repr();
}

bool is_nninit_scheme(std::string_view function) {
  for (std::string_view name :
       {"lecun_uniform_", "lecun_normal_", "variance_scaling_", "delta_orthogonal_", "trunc_normal_tf_"}) {
    if (function == name) return true;
  }
  return false;
}

// The statement that applies a rule's expression to `p`.
std::string init_statement(const Rule& rule) {
  const lang::Value& expression = rule.expression;
  std::string function;
  std::vector<std::string> parts = {"p"};
  if (expression.kind() == lang::Value::Kind::call) {
    function = std::string(without_init_prefix(expression.call().callee));
    for (const lang::Value& arg : expression.call().args) parts.push_back(argument_code(arg));
    for (const lang::KeywordArgument& k : expression.call().keywords) {
      parts.push_back(k.name + "=" + argument_code(k.value));
    }
  } else if (expression.kind() == lang::Value::Kind::name) {
    function = std::string(without_init_prefix(expression.name()));
  } else {
    return fmt::format("raise ValueError({})",
                       lang::python_string_repr("not an init expression: " + expression.repr()));
  }
  if (function == "forget_gate_bias_") {
    parts.insert(parts.begin(), "m");
    parts.insert(parts.begin() + 2, "name");
    return fmt::format("forget_gate_bias_({})", fmt::join(parts, ", "));
  }
  if (is_nninit_scheme(function)) {
    return fmt::format("{}({})  # nninit's own scheme: torch.nn.init has no equivalent", function,
                       fmt::join(parts, ", "));
  }
  return fmt::format("nn.init.{}({})", function, fmt::join(parts, ", "));
}

bool uses_function(std::span<const Rule> rules, std::string_view function) {
  return std::any_of(rules.begin(), rules.end(), [&](const Rule& rule) {
    const lang::Value& e = rule.expression;
    const std::string callee = e.kind() == lang::Value::Kind::call   ? e.call().callee
                               : e.kind() == lang::Value::Kind::name ? e.name()
                                                                     : std::string();
    return without_init_prefix(callee) == function;
  });
}

// The if/elif chain of one pass's rules, each line indented by `indent`.
std::string rule_chain(std::span<const Rule> rules, std::string_view indent) {
  std::string out;
  for (std::size_t r = 0; r < rules.size(); ++r) {
    const Rule& rule = rules[r];
    const std::string test =
        rule.kind == PatternKind::type_parameter
            ? fmt::format("{} and {}", class_test(rule.type_name), glob_test("name", rule.parameter_glob))
            : glob_test("path", rule.path_glob);
    out += fmt::format("{}{} {}:  # {}\n", indent, r == 0 ? "if" : "elif", test, rule.text);
    out += fmt::format("{}    {}\n", indent, init_statement(rule));
  }
  return out;
}

}  // namespace

std::string rules_to_python(std::span<const Rule> rules) {
  const std::vector<std::pair<std::size_t, std::size_t>> pass_ranges = passes(rules);
  const auto pass_of = [&](std::size_t first, std::size_t last) {
    return rules.subspan(first, last - first);
  };
  const auto any_rule = [&](PassWalk walk, auto&& test) {
    for (const auto& [first, last] : pass_ranges) {
      if (rules[first].walk != walk) continue;
      for (const Rule& rule : pass_of(first, last)) {
        if (test(rule)) return true;
      }
    }
    return false;
  };
  const auto is_path = [](const Rule& r) { return r.kind == PatternKind::path; };
  // A parameters pass finds each parameter's module for Type.param rules and forget_gate_bias_.
  const auto needs_module = [](const Rule& r) {
    return r.kind == PatternKind::type_parameter || uses_function(std::span(&r, 1), "forget_gate_bias_");
  };
  const bool paths = any_rule(PassWalk::apply, is_path);
  const bool owners = any_rule(PassWalk::parameters, needs_module);
  const bool globs = std::any_of(rules.begin(), rules.end(), [](const Rule& r) {
    return has_glob(r.kind == PatternKind::path ? r.path_glob : r.parameter_glob);
  });
  std::string out;
  if (globs) out += "import fnmatch\n\n";
  out += "import torch\nfrom torch import nn\n\n\n";
  if (uses_function(rules, "forget_gate_bias_")) {
    out +=
        "def forget_gate_bias_(m, p, name, value=1.0):\n"
        "    # nninit's forget_gate_bias_: LSTM gates are stacked [i, f, g, o] and the forget gate sees\n"
        "    # bias_ih + bias_hh, so bias_ih gets `value` in rows [h, 2h) and bias_hh zeros there.\n"
        "    if not isinstance(m, (nn.LSTM, nn.LSTMCell)) or not name.startswith(('bias_ih', 'bias_hh')):\n"
        "        raise ValueError(f'forget_gate_bias_: {name!r} is not an LSTM bias')\n"
        "    h = p.shape[0] // 4\n"
        "    p[h:2 * h] = value if name.startswith('bias_ih') else 0.0\n\n\n";
  }
  // One init function per apply pass: init_fn, then init_fn_2 for the second pass, and so on.
  const auto function_name = [](std::size_t pass) {
    return pass == 0 ? std::string("init_fn") : fmt::format("init_fn_{}", pass + 1);
  };
  for (std::size_t k = 0; k < pass_ranges.size(); ++k) {
    const auto [first, last] = pass_ranges[k];
    if (rules[first].walk != PassWalk::apply) continue;
    out += fmt::format("def {}(m):\n", function_name(k));
    out += "    for name, p in m.named_parameters(recurse=False):\n";
    if (std::any_of(rules.begin() + first, rules.begin() + last, is_path))
      out += "        path = names[id(p)]\n";
    out += rule_chain(pass_of(first, last), "        ");
    out += "\n\n";
  }
  if (rules.empty())
    out += "def init_fn(m):\n    for name, p in m.named_parameters(recurse=False):\n        pass\n\n\n";
  if (paths) out += "names = {id(p): name for name, p in model.named_parameters()}\n";
  if (owners) {
    out +=
        "owners = {}  # each parameter's module and its name there\n"
        "for m in model.modules():\n"
        "    for name, p in m.named_parameters(recurse=False):\n"
        "        owners.setdefault(id(p), (m, name))\n";
  }
  out += "with torch.no_grad():\n";
  if (rules.empty()) out += "    model.apply(init_fn)\n";
  for (std::size_t k = 0; k < pass_ranges.size(); ++k) {
    const auto [first, last] = pass_ranges[k];
    const Rule& head = rules[first];
    if (head.walk == PassWalk::apply) {
      out += fmt::format("    model.apply({})\n", function_name(k));
      continue;
    }
    out += "    for path, p in model.named_parameters():\n";
    std::string indent = "        ";
    if (head.dim_condition) {
      out += fmt::format("{}if {}:\n", indent, head.dim_condition->python());
      indent += "    ";
    }
    if (std::any_of(rules.begin() + first, rules.begin() + last, needs_module)) {
      out += indent + "m, name = owners[id(p)]\n";
    }
    out += rule_chain(pass_of(first, last), indent);
  }
  return out;
}

void add_to_first_pass(std::vector<Rule>& rules, std::vector<Rule> added) {
  const auto later = std::find_if(rules.begin() + (rules.empty() ? 0 : 1), rules.end(),
                                  [](const Rule& rule) { return rule.starts_pass; });
  rules.insert(later, std::make_move_iterator(added.begin()), std::make_move_iterator(added.end()));
}

RuleReport apply_rules(nn::Module& model, std::span<const Rule> rules, Generator& generator) {
  RuleReport report;
  report.matches.assign(rules.size(), 0);
  if (rules.empty()) {
    for (const NamedTensor& p : model.named_parameters()) report.untouched.push_back(p.name);
    return report;
  }
  std::vector<ParsedRule> parsed;
  for (const Rule& rule : rules) parsed.push_back(parse_rule_expression(rule, generator.release()));
  check_rule_types(model, rules);

  const std::vector<NamedTensor> parameters = model.named_parameters();
  const auto path_of = [&](const NamedTensor& own) {
    for (const NamedTensor& p : parameters) {
      if (nn::same_tensor(p.tensor, own.tensor)) return p.name;
    }
    return own.name;  // not reachable from the root: cannot happen for a module of the tree
  };
  std::vector<bool> matched_any(rules.size(), false);  // including parameters an earlier rule took
  // The first rule of the pass [first, last) that matches initialises the parameter.
  const auto initialise = [&](std::size_t first, std::size_t last, nn::Module& module, const NamedTensor& own,
                              const std::string& path) {
    bool taken = false;
    for (std::size_t r = first; r < last; ++r) {
      if (!matches(rules[r], module, own.name, path)) continue;
      matched_any[r] = true;
      if (taken) continue;
      taken = true;
      try {
        for (const Warning& w : parsed[r].call_warnings) warn(w.message, w.category);
        parsed[r].expression.apply(own.tensor, generator,
                                   {.parameter_name = path, .module_type = module.type_name()});
      } catch (const Error& e) {
        throw_error(e.kind(), fmt::format("rule '{}' on parameter '{}' ({}): {}", rules[r].text, path,
                                          module.type_name(), e.what()));
      }
      report.applications.push_back({.parameter = path, .module_type = module.type_name(), .rule = r});
      ++report.matches[r];
    }
  };
  for (const auto& pass : passes(rules)) {
    // Named copies rather than a structured binding, which the lambda below could not capture in C++20
    // as clang 14 implements it.
    const std::size_t first = pass.first;
    const std::size_t last = pass.second;
    const Rule& head = rules[first];
    if (head.walk == PassWalk::apply) {
      model.apply([&](nn::Module& module) {
        for (const NamedTensor& own : module.named_parameters(false)) {
          initialise(first, last, module, own, path_of(own));
        }
      });
      continue;
    }
    const std::vector<std::pair<nn::Module*, NamedTensor>> owners = parameter_owners(model, parameters);
    for (std::size_t i = 0; i < parameters.size(); ++i) {
      if (head.dim_condition && !head.dim_condition->holds(parameters[i].tensor.dim())) continue;
      initialise(first, last, *owners[i].first, owners[i].second, parameters[i].name);
    }
  }
  if (report.applications.empty()) nothing_matched(model, rules, parameters);

  for (std::size_t i = 0; i < parameters.size(); ++i) {
    const bool initialised =
        std::any_of(report.applications.begin(), report.applications.end(),
                    [&](const RuleApplication& a) { return a.parameter == parameters[i].name; });
    if (!initialised) report.untouched.push_back(parameters[i].name);
  }
  for (std::size_t r = 0; r < rules.size(); ++r) {
    if (report.matches[r] != 0) continue;
    report.unmatched_rules.push_back(r);
    warn(matched_any[r]
             ? fmt::format("rule '{}' initialised no parameter: an earlier rule takes every parameter it "
                           "matches",
                           rules[r].text)
             : fmt::format("rule '{}' matched no parameter", rules[r].text));
  }
  return report;
}

}  // namespace nninit::expr
