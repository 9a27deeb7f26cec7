// The subcommands of `nninit`. Each returns the process exit status: 0 success, 1 `check` found errors;
// errors are thrown and main turns them into 2 (bad usage or input), 3 (I/O), 4 (out of memory), 5 (a bug):
// the README's "Exit status". Data goes to stdout, warnings and errors to stderr.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "nninit/cli/progress.h"

namespace nninit::cli {

// The options every generating command shares.
struct GeneratorOptions {
  std::string seed = "0";
  std::string rng = "torch";  // torch | philox
  std::string torch_version;  // empty: the newest release nninit knows
  std::string capability;     // empty: avx2
};

struct FillOptions {
  std::string expression;
  std::string shape;
  std::string dtype = "float32";
  std::string name = "tensor";  // its name in the output, and with --rng philox the stream's
  GeneratorOptions generator;
  std::string output;          // empty: print only
  std::string max_shard_size;  // set: -o is a checkpoint directory (cli/output.h)
  bool json = false;
  ProgressMode progress = ProgressMode::automatic;
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
  std::string config;  // --config FILE: a Hugging Face config, in place of MODEL (whatever the file's name)
  std::string dtype;   // empty: as constructed (PyTorch's float32 unless the expression says dtype=)
  std::string output;  // empty: print only
  std::string max_shard_size;  // set: -o is a checkpoint directory (cli/output.h)
  ProgressMode progress = ProgressMode::automatic;
  bool json = false;
  bool dry_run = false;       // print names, shapes and the count only (nothing allocated for a config)
  bool print_rules = false;   // print the rules the model is initialised by, in order, and write nothing
  bool print_python = false;  // print the rules' PyTorch init_fn code (print_python.h), and write nothing
};

// How `check` and `diagnose` print the lint.
struct LintTextOptions {
  std::string min_severity = "info";  // info | warning | error: the least severe finding shown
  bool quiet = false;                 // one line per finding
};

struct DiagnoseOptions : ModelOptions {
  std::string weights;     // a safetensors state_dict loaded into the model (cli/weights.h), or empty
  std::string input_file;  // a safetensors file: its tensors, in file order, are the model's inputs
  bool train = true;       // --eval: eval mode; train mode otherwise, as a PyTorch module starts training
  std::string report;      // an HTML file to write
  bool probe = false;
  std::string optimizer = "sgd";
  int steps = 300;
  double probe_budget = 0.0;  // seconds for the whole probe (0: none): the steps per candidate are cut to fit
  bool depth_sweep = false;
  int sweep_depth = 50;  // the sweep's copies of the block (or the demo's layers)
  bool json = false;
  LintTextOptions lint_text;
};

struct CheckOptions : ModelOptions {
  std::string weights;  // a safetensors state_dict loaded into the model (cli/weights.h), or empty
  bool json = false;
  LintTextOptions lint_text;
};

int run_fill(const FillOptions& options);
int run_init(const InitOptions& options);
int run_inspect(const InspectOptions& options);
int run_diagnose(const DiagnoseOptions& options);
// Exit status 1 when the lint finds errors.
int run_check(const CheckOptions& options);

// A failure that is not the user's input (exit status 3): the system refused to write an output.
class Failure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace nninit::cli
