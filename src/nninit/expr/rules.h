// Rules: PATTERN=EXPR, as given to --init and used by presets.
//
//   Linear.weight=kaiming_normal_(nonlinearity='relu')   a type's own parameter (glob allowed in the name)
//   LSTM.bias_*=forget_gate_bias_(1.0)
//   *.c_proj.weight=normal_(std=0.0028)                  a glob over the dotted parameter path
//   0.bias=constant_(val=0.1)
//
// A pattern of exactly two components whose first is a plain identifier starting with an uppercase letter
// (optionally after "nn." or "torch.nn.") is Type.param; every other pattern is a path glob. So a path such
// as "Mixed_5b.weight" (a child named with a capital) reads as a type rule; write it with a glob character
// ("Mixed_5b.weigh[t]") or a longer path to force the path reading. What the rules mean, the order they run
// in and which rule wins is apply_rules' business, below.
//
// Applying rules to a model, as the PyTorch script they stand for would:
//
//   names = {id(p): name for name, p in model.named_parameters()}
//   def init_fn(m):
//       for name, p in m.named_parameters(recurse=False):
//           if isinstance(m, nn.Linear) and fnmatch.fnmatchcase(name, 'weight'):    # Linear.weight=...
//               nn.init.kaiming_normal_(p, nonlinearity='relu')
//           elif fnmatch.fnmatchcase(names[id(p)], '*.c_proj.weight'):             # *.c_proj.weight=...
//               nn.init.normal_(p, std=0.0028)
//   model.apply(init_fn)
//
// The same in C++ (`model` is a Module, e.g. from build_model):
//
//   const std::vector<Rule> rules = {parse_rule("Linear.weight=kaiming_normal_(nonlinearity='relu')"),
//                                    parse_rule("*.c_proj.weight=normal_(std=0.0028)")};
//   const RuleReport report = apply_rules(*model, rules, generator);
//   for (const std::string& name : report.untouched) std::puts(name.c_str());  // left at their defaults
//   std::puts(rules_to_python(rules).c_str());   // the PyTorch script above
//
// Modules are visited in post-order (children first, as Module.apply), each module's own parameters in
// registration order; the first rule that matches a parameter initialises it and the others are not
// consulted.
//
// Rules run in ordered passes, for recipes that initialise everything and then override a subset. A rule
// with a prefix starts a new pass; the rules after it, up to the next prefix, belong to it:
//
//   then: PATTERN=EXPR                  a pass that walks as Module.apply does, like the first pass
//   parameters: PATTERN=EXPR            a pass over model.named_parameters(), in that order
//   parameters(dim>1): *=xavier_uniform_   ... only the parameters with more than one dimension
//
// Each pass draws after the one before it, as the statements of the PyTorch script do:
//
//   model.apply(init_fn)                                   # Linear.weight=normal_(std=0.02) ...
//   for name, p in model.named_parameters():               # parameters: *.c_proj.weight=normal_(std=0.0028)
//       if fnmatch.fnmatchcase(name, '*.c_proj.weight'):
//           nn.init.normal_(p, std=0.0028)
//
// In a parameters pass, Type.param matches the module that registered the parameter (the first in
// named_modules() order for a shared one) and the parameter's name there. `Type.param` matches a module that
// is an instance of Type in Python's sense (a BatchNorm2d is a _BatchNorm, MultiheadAttention's out_proj is a
// Linear: Module::is_instance) and a parameter whose own name matches the glob; a path glob matches the
// parameter's full dotted name, as named_parameters() reports it (the first name of a shared parameter). A
// parameter shared by two modules is initialised once per visit of each, as apply() would.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "nninit/core/torch_release.h"
#include "nninit/lang/source.h"
#include "nninit/lang/value.h"
#include "nninit/nn/module.h"
#include "nninit/random/generator.h"

namespace nninit::expr {

enum class PatternKind { type_parameter, path };

// How a pass walks the model: `apply` visits modules as Module.apply does (post-order), each module's own
// parameters in registration order; `parameters` walks model.named_parameters() (PyTorch's parameters()
// order: a module's own parameters, then its children's, depth first; a shared parameter once).
enum class PassWalk { apply, parameters };

// A condition on a parameter's number of dimensions, as `if p.dim() > 1:` tests it.
struct DimCondition {
  enum class Op { less, less_equal, equal, not_equal, greater_equal, greater };
  Op op = Op::greater;
  std::int64_t value = 1;
  bool holds(std::int64_t dim) const;
  std::string python() const;  // "p.dim() > 1"
};

struct Rule {
  PatternKind kind = PatternKind::path;
  std::string type_name{};  // type_parameter: "Linear", without an nn. or torch.nn. prefix
  std::string
      parameter_glob{};      // type_parameter: a glob over the type's own parameter names: "weight", "bias_*"
  std::string path_glob{};   // path: a glob over full parameter paths: "*.c_proj.weight", "0.bias"
  lang::Value expression{};  // the parsed, folded right-hand side (parser.h); ranges refer to `text`
  std::string text{};        // the rule as given
  lang::SourceRange pattern_range{};  // the pattern within `text`, surrounding spaces excluded
  // A prefix before the pattern ("then: ...", "parameters(dim>1): ...") starts a new pass with this walk.
  bool starts_pass = false;
  PassWalk walk = PassWalk::apply;
  std::optional<DimCondition> dim_condition{};
};

// Parses "[PASS:] PATTERN=EXPR". The '=' is the first one outside brackets and strings that is not part of
// "==", "<=", ">=" or "!="; PASS is `then`, `parameters` or `parameters(dim OP N)` with OP one of
// > >= < <= == !=. Throws ParseError (with the column within the rule) for a missing '=', an empty pattern
// or expression, a character a pattern cannot hold, an unclosed '[' class, an empty name between dots, and
// any error of the expression (ParseError or ExpressionTypeError).
Rule parse_rule(std::string_view text);

// Shell-style matching of a whole string, as fnmatch does it without special treatment of dots: '*' matches
// any run of characters (dots included), '?' one character, "[abc]", "[a-z]" one character of a class and
// "[!abc]" one character outside it. A '[' without a closing ']' matches itself.
bool glob_match(std::string_view pattern, std::string_view text);

// One initialisation: which rule filled which parameter.
struct RuleApplication {
  std::string parameter{};    // the full dotted name, as named_parameters() reports it
  std::string module_type{};  // the type of the module visited ("Linear")
  std::size_t rule = 0;       // the index of the rule in the rule set
};

struct RuleReport {
  std::vector<RuleApplication> applications{};  // in the order they ran; a shared parameter can appear twice
  std::vector<std::size_t> matches{};           // per rule: how many parameters it initialised
  std::vector<std::size_t> unmatched_rules{};   // the rules that matched nothing (each also warned)
  std::vector<std::string> untouched{};         // parameters no rule matched, in named_parameters() order
};

// Parses each rule's expression once for the generator's release (InitExpression), then runs the rules over
// `model`, drawing from `generator`. Errors:
//   - a rule's expression: ParseError or TypeError, located within the rule;
//   - Type.param with a Type that is neither a torch.nn class nor a type in the model: ValueError with
//     suggestions;
//   - no rule matched any parameter: ValueError listing the model's parameters and types;
//   - an init function's own error: its kind and message, with the rule and the parameter.
// A rule that matched nothing while others matched warns (nninit::warn).
RuleReport apply_rules(nn::Module& model, std::span<const Rule> rules, Generator& generator);

// The PyTorch code equivalent to a rule set (the script above), for explanations and --json: one init
// function per apply pass, one loop over model.named_parameters() per parameters pass, in pass order.
std::string rules_to_python(std::span<const Rule> rules);

// Appends `added` (a preset's rules) to the first pass of `rules`, after the rules there, so that an
// explicit rule wins over them and the later passes still override both.
void add_to_first_pass(std::vector<Rule>& rules, std::vector<Rule> added);

}  // namespace nninit::expr
