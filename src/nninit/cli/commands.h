// The subcommands of `nninit`. Each returns the process exit status: 0 success, 1 failure, 2 bad usage or
// bad input (the README's "Exit status"). Data goes to stdout, warnings and errors to stderr.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "nninit/core/dtype.h"
#include "nninit/core/torch_release.h"
#include "nninit/diag/lint.h"
#include "nninit/diag/lsuv.h"
#include "nninit/expr/rule.h"
#include "nninit/expr/rules.h"
#include "nninit/nn/module.h"

namespace nninit::cli {

// The options every generating command shares.
struct GeneratorOptions {
  std::string seed = "0";
  std::string rng = "torch";
  std::string torch_version;  // empty: the newest release nninit knows
  std::string capability = "avx2";
};

struct FillOptions {
  std::string expression;
  std::string shape;
  std::string dtype = "float32";
  GeneratorOptions generator;
  std::string output;  // empty: print only
  bool json = false;
};

struct InspectOptions {
  std::string file;
  bool json = false;
};

// MODEL and how it is initialised: what `init`, `diagnose` and `check` share (prepare_model reads it).
struct ModelOptions {
  std::string model;  // an expression, a file holding one, or a built-in name
  GeneratorOptions generator;
  std::vector<std::string> rules;  // --init, in order
  std::string preset;
  std::string input;  // the batch shape(s) --preset lsuv (and diagnose) run on; empty: the built-in model's
};

struct InitOptions : ModelOptions {
  std::string dtype;   // empty: as constructed (PyTorch's float32 unless the expression says dtype=)
  std::string output;  // empty: print only
  bool json = false;
};

struct DiagnoseOptions : ModelOptions {
  std::string input_file;  // a safetensors file: its tensors, in file order, are the model's inputs
  bool train = false;
  std::string report;  // an HTML file to write
  bool probe = false;
  std::string optimizer = "sgd";
  int steps = 300;
  bool depth_sweep = false;
  bool json = false;
};

struct CheckOptions : ModelOptions {
  bool json = false;
};

int run_fill(const FillOptions& options);
int run_init(const InitOptions& options);
int run_inspect(const InspectOptions& options);
int run_diagnose(const DiagnoseOptions& options);
// Exit status 1 when the lint finds errors.
int run_check(const CheckOptions& options);

// A failure that is not the user's input (exit status 1), e.g. the output cannot be written.
class Failure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Seeds the default generator as torch.manual_seed would, for the chosen release and capability.
TorchVariant configure_default_generator(const GeneratorOptions& options);

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
// The lint of the prepared model, told which layers LSUV scaled on data (diag::LintOptions).
std::vector<diag::Finding> lint_prepared(const PreparedModel& prepared);
// The rules of a named preset for this model (UsageError for an unknown name).
std::vector<expr::Rule> preset_rules(const std::string& preset, nn::Module& model);

}  // namespace nninit::cli
