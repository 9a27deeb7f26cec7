// Applying rules (rule.h) to a model, as the PyTorch script they stand for would:
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
// Modules are visited in post-order (children first, as Module.apply), each module's own parameters in
// registration order; the first rule that matches a parameter initialises it and the others are not
// consulted. `Type.param` matches a module that is an instance of Type in Python's sense (a BatchNorm2d is a
// _BatchNorm, MultiheadAttention's out_proj is a Linear: Module::is_instance) and a parameter whose own name
// matches the glob; a path glob matches the parameter's full dotted name, as named_parameters() reports it
// (the first name of a shared parameter). A parameter shared by two modules is initialised once per visit of
// each, as apply() would.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "nninit/core/torch_release.h"
#include "nninit/expr/rule.h"
#include "nninit/nn/module.h"
#include "nninit/random/generator.h"

namespace nninit::expr {

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

// The PyTorch code equivalent to a rule set (the script above), for explanations and --json.
std::string rules_to_python(std::span<const Rule> rules);

}  // namespace nninit::expr
