// What the model commands (`init`, `diagnose`, `check`) share: MODEL resolved to an expression, built with
// the chosen generator, initialised by the --init rules and the preset, and linted. The only place that
// turns those options into a model.
//
//   const PreparedModel prepared = prepare_model(options);   // built, rules applied, LSUV run if asked
//   const std::vector<diag::Finding> findings = lint_prepared(prepared);
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "nninit/cli/commands.h"
#include "nninit/core/torch_release.h"
#include "nninit/diag/lint.h"
#include "nninit/diag/lsuv.h"
#include "nninit/expr/rules.h"
#include "nninit/nn/module.h"
#include "nninit/report/text.h"

namespace nninit::cli {

// Seeds the default generator as torch.manual_seed would, for the chosen release and capability. UsageError
// for --rng philox, which model commands do not take yet (`fill` does: philox_generator_options).
TorchVariant configure_default_generator(const GeneratorOptions& options);
// The release (default: the newest) and capability (default: avx2) of --torch-version and --capability.
TorchVariant parse_torch_variant(const GeneratorOptions& options);
// For --rng philox: UsageError when --torch-version or --capability is given, since they choose how
// PyTorch's streams are reproduced and Philox streams are nninit's own, the same on every machine.
void check_philox_options(const GeneratorOptions& options);

// A model built from MODEL with the rules (--init, then the preset's) applied, as `init`, `diagnose` and
// `check` all start.
struct PreparedModel {
  TorchVariant variant;
  std::string expression;
  std::string default_input_shape;  // set for built-in models
  nn::ModulePtr model;
  std::vector<expr::Rule> rules;
  std::optional<expr::RuleReport> report;
  std::optional<diag::LsuvReport> lsuv;
};
// LSUV runs on a batch of options.input's shapes, default_input_shape when that is empty.
PreparedModel prepare_model(const ModelOptions& options);
// "64,784" or "8,10,32;8,12,32": one shape per model input.
std::vector<Shape> parse_input_shapes(const std::string& text);
// The lint of the prepared model, told which layers LSUV scaled on data (diag::LintOptions), its findings
// grouped where one glob names their parameters (diag::group_findings).
std::vector<diag::Finding> lint_prepared(const PreparedModel& prepared);
// --min-severity and --quiet as the text view takes them (UsageError for an unknown severity).
report::FindingsView findings_view(const LintTextOptions& options);
// The rules of a named preset for this model (UsageError for an unknown name).
std::vector<expr::Rule> preset_rules(const std::string& preset, nn::Module& model);

}  // namespace nninit::cli
