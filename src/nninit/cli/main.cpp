// nninit: the command line. The only place that reads argv; everything below it is library.
#include <cstdint>
#include <cstdio>
#include <exception>
#include <new>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "nninit/cli/commands.h"
#include "nninit/cli/completion.h"
#include "nninit/cli/options.h"
#include "nninit/cli/progress.h"
#include "nninit/cli/summary.h"
#include "nninit/core/error.h"
#include "nninit/core/warning.h"
#include "nninit/lang/suggest.h"

namespace {

// The exit statuses (README "Exit status", and --help's footer): 1 is `check` finding errors only.
constexpr int exit_bad_input = 2;
constexpr int exit_io_error = 3;
constexpr int exit_out_of_memory = 4;
constexpr int exit_internal_error = 5;

constexpr const char* kExitStatusHelp =
    "Exit status: 0 success; 1 `check` found errors; 2 bad input or usage (an expression, option or input "
    "file); 3 an output could not be written; 4 out of memory; 5 an internal error (a bug in nninit).";

constexpr const char* kModelHelp =
    "A constructor expression (\"Sequential(Linear(784, 256), ReLU(), Linear(256, 10))\"), a file holding "
    "one, "
    "or a built-in name: mlp, tanh-mlp, cnn, transformer, lstm; for init also a Hugging Face config.json "
    "(gpt2, llama, mistral, qwen2)";
constexpr const char* kRuleHelp =
    "A rule PATTERN=EXPR, e.g. \"Linear.weight=kaiming_normal_()\" (repeatable)";
constexpr const char* kPresetHelp =
    "A named initialisation: auto (each layer matched to the activation after it), lsuv (Mishkin and Matas "
    "2015), or for transformers gpt2, megatron, mitchell, deepnorm, t-fixup, fixup, rezero, skipinit "
    "(README: Presets)";

void add_generator_options(CLI::App& command, nninit::cli::GeneratorOptions& options) {
  command.add_option("--seed", options.seed, "Seed, as torch.manual_seed (default 0)");
  command.add_option(
      "--rng", options.rng,
      "Random engine: torch (PyTorch's mt19937 streams, the default) or philox (nninit's "
      "counter-based streams keyed by seed and tensor name: the same bytes on any thread count "
      "or CPU)");
  command.add_option("--torch-version", options.torch_version,
                     "PyTorch release to reproduce, 1.13 to 2.14 (default: newest)");
  command.add_option("--capability", options.capability,
                     "ATen CPU capability to reproduce: default, avx2 (the default), avx512");
}

// --progress / --no-progress: a progress bar on stderr always or never (default: when it is a terminal).
void add_progress_flags(CLI::App& command, nninit::cli::ProgressMode& mode) {
  command.add_flag_function(
      "--progress,!--no-progress",
      [&mode](std::int64_t count) {
        mode = count > 0 ? nninit::cli::ProgressMode::on : nninit::cli::ProgressMode::off;
      },
      "Show a progress bar on stderr (--no-progress: never; default: when stderr is a terminal)");
}

// MODEL, --init, --preset, --input and the generator options of init, diagnose and check.
// MODEL is required except for init, which also takes it as --config FILE.
void add_model_options(CLI::App& command, nninit::cli::ModelOptions& options, const char* input_help,
                       bool model_required = true) {
  command.add_option("model", options.model, kModelHelp)->required(model_required);
  command.add_option("--init", options.rules, kRuleHelp);
  command.add_option("--preset", options.preset, kPresetHelp);
  command.add_option("--input", options.input, input_help);
  add_generator_options(command, options.generator);
}

// How check and diagnose print the lint (the JSON document always holds every finding).
void add_lint_text_options(CLI::App& command, nninit::cli::LintTextOptions& options) {
  command.add_option("--min-severity", options.min_severity,
                     "Show lint findings of this severity or worse: info (default), warning, error");
  command.add_flag("--quiet", options.quiet, "One line per lint finding, without effect, fix and reason");
}

// Messages quote names and values from files and expressions: their control characters are escaped, so
// that a file cannot drive the terminal (the caret lines under an expression keep their newlines).
void print_error(const char* message) {
  std::fputs(fmt::format("nninit: error: {}\n", nninit::cli::printable(message, true)).c_str(), stderr);
}

// Its long options, --help included.
std::vector<std::string> long_names(const CLI::App& command) {
  std::vector<std::string> names;
  for (const CLI::Option* option : command.get_options()) {
    for (const std::string& name : option->get_lnames()) names.push_back("--" + name);
  }
  return names;
}

// What CLI11 only calls unexpected, said with a suggestion: a misspelled subcommand ("diagnos", "help") or
// long option ("--inpt"). "" when the command line names only known things.
std::string misspelling(CLI::App& app, int argc, char** argv) {
  int at = 1;
  while (at < argc && argv[at][0] == '-') ++at;
  if (at == argc) return "";
  const std::string word = argv[at];
  const std::vector<CLI::App*> named =
      app.get_subcommands([&](CLI::App* sub) { return sub->check_name(word); });
  if (named.empty()) {
    std::vector<std::string> names = long_names(app);
    for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
      names.push_back(sub->get_name());
    return fmt::format("unknown command '{}'{}", word, nninit::lang::did_you_mean(word, names));
  }
  const CLI::App* command = named.front();
  for (int i = at + 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--") break;
    if (!arg.starts_with("--")) continue;
    const std::string name(arg.substr(0, arg.find('=')));
    if (name == "--help" || command->get_option_no_throw(name) != nullptr) continue;
    return fmt::format("unknown option '{}' for 'nninit {}'{}", name, word,
                       nninit::lang::did_you_mean(name, long_names(*command)));
  }
  return "";
}

// diagnose's and check's --weights.
constexpr const char* weights_help =
    "A safetensors state_dict (e.g. a training run's) loaded into MODEL by name, with "
    "load_state_dict(strict=True)'s rules: judged in place of an initialisation";

}  // namespace

int main(int argc, char** argv) {
  nninit::set_warning_handler([](const nninit::Warning& w) {
    std::fputs(fmt::format("nninit: warning: {}\n", nninit::cli::printable(w.message, true)).c_str(), stderr);
  });

  CLI::App app{"nninit: neural-network parameter initialization, bit-identical to PyTorch"};
  app.set_version_flag("--version", "nninit 0.1.0");
  app.require_subcommand(1);
  app.footer(kExitStatusHelp);

  nninit::cli::FillOptions fill;
  CLI::App* fill_command =
      app.add_subcommand("fill", "Initialise one tensor with a torch.nn.init expression");
  fill_command
      ->add_option("expression", fill.expression,
                   "e.g. \"kaiming_normal_(mode='fan_out', nonlinearity='relu')\"")
      ->required();
  fill_command->add_option("--shape", fill.shape, "Shape, e.g. 256,784")->required();
  fill_command->add_option("--dtype", fill.dtype, "float32, float64, float16 or bfloat16");
  fill_command->add_option(
      "--name", fill.name,
      "The tensor's name in the output (default \"tensor\"); with --rng philox, its stream");
  fill_command->add_option(
      "-o,--output", fill.output,
      "Write the tensor (named as --name says) to this safetensors file, or with a trailing / "
      "into this directory as model.safetensors");
  fill_command->add_option("--max-shard-size", fill.max_shard_size,
                           "Write -o as a Hugging Face checkpoint directory in shards of at most this size "
                           "(5GB, 500MB, 2GiB, bytes)");
  fill_command->add_flag("--json", fill.json, "Print one JSON document");
  add_progress_flags(*fill_command, fill.progress);
  add_generator_options(*fill_command, fill.generator);

  nninit::cli::InitOptions init;
  CLI::App* init_command =
      app.add_subcommand("init", "Initialise a PyTorch model expression and write its state_dict");
  add_model_options(*init_command, init, "The batch shape --preset lsuv runs on, e.g. 64,784", false);
  init_command->add_option("--config", init.config,
                           "A Hugging Face config.json (gpt2, llama, mistral, qwen2), in place of MODEL");
  init_command->add_option(
      "-o,--output", init.output,
      "Write the state_dict to this safetensors file, or with a trailing / into this directory as "
      "model.safetensors");
  init_command->add_option("--max-shard-size", init.max_shard_size,
                           "Write -o as a Hugging Face checkpoint directory in shards of at most this size "
                           "(5GB, 500MB, 2GiB, bytes)");
  add_progress_flags(*init_command, init.progress);
  init_command->add_option(
      "--dtype", init.dtype,
      "Convert the model to float32, float64, float16 or bfloat16 (a config's default: the "
      "dtype it names)");
  init_command->add_flag("--json", init.json, "Print one JSON document");
  init_command->add_flag(
      "--print-rules", init.print_rules,
      "Print the rules in the order they apply (--init, then the preset's); write nothing");
  init_command->add_flag("--print-python", init.print_python,
                         "Print the rules as PyTorch code (the init_fn they stand for); write nothing");
  init_command->add_flag(
      "--dry-run", init.dry_run,
      "Print each tensor's name and shape and the parameter count; write nothing (a config "
      "allocates nothing)");

  nninit::cli::DiagnoseOptions diagnose;
  CLI::App* diagnose_command = app.add_subcommand(
      "diagnose", "Activation and gradient statistics layer by layer, symmetry, lint; report, probe, sweep");
  add_model_options(*diagnose_command, diagnose,
                    "Input shape, e.g. 64,784 (several inputs: 8,10,32;8,12,32); default: the built-in "
                    "model's");
  diagnose_command->add_option("--weights", diagnose.weights, weights_help);
  diagnose_command->add_option("--input-file", diagnose.input_file,
                               "A safetensors file whose tensors, in file order, are the model's inputs");
  diagnose_command->add_flag("--train,!--eval", diagnose.train,
                             "Train mode (the default, as a module starts training: BatchNorm normalises by "
                             "batch statistics, dropout is active) or --eval: eval mode (fresh BatchNorm is "
                             "the identity)");
  diagnose_command->add_option("--report", diagnose.report, "Write a self-contained HTML report here");
  diagnose_command->add_flag("--probe", diagnose.probe,
                             "Train copies of the model under several initialisations and compare losses");
  diagnose_command->add_option("--optimizer", diagnose.optimizer, "The probe's optimizer: sgd or adam");
  diagnose_command->add_option("--steps", diagnose.steps, "The probe's training steps (default 300)");
  diagnose_command->add_option(
      "--probe-budget", diagnose.probe_budget,
      "Seconds the probe may take: once its first step is timed, every candidate runs "
      "as many steps as fit (the output says when it cut them)");
  CLI::Option* depth_sweep = diagnose_command->add_flag(
      "--depth-sweep", diagnose.depth_sweep,
      "Also stack the model's repeated block 50 deep (without one: a 50-layer tanh "
      "and ReLU network under seven initialisations)");
  diagnose_command
      ->add_option("--sweep-depth", diagnose.sweep_depth,
                   "The depth sweep's copies of the block, or layers (default 50)")
      ->needs(depth_sweep);
  diagnose_command->add_flag("--json", diagnose.json, "Print one JSON document");
  add_lint_text_options(*diagnose_command, diagnose.lint_text);

  nninit::cli::CheckOptions check;
  CLI::App* check_command = app.add_subcommand(
      "check", "Lint the initialisation against the architecture (exit status 1 on errors)");
  add_model_options(*check_command, check, "The batch shape --preset lsuv runs on");
  check_command->add_option("--weights", check.weights, weights_help);
  check_command->add_flag("--json", check.json, "Print one JSON document");
  add_lint_text_options(*check_command, check.lint_text);

  nninit::cli::InspectOptions inspect;
  CLI::App* inspect_command =
      app.add_subcommand("inspect", "Statistics of every tensor in a safetensors file or sharded checkpoint");
  inspect_command
      ->add_option("file", inspect.file,
                   "A .safetensors file, a checkpoint directory, or its model.safetensors.index.json")
      ->required();
  inspect_command->add_flag("--json", inspect.json, "Print one JSON document");

  // The build generates the shell completion and the man page from these definitions (completion.h).
  if (argc == 3 && std::string_view(argv[1]) == "--generate") {
    try {
      return nninit::cli::print_generated(app, argv[2]);
    } catch (const nninit::cli::UsageError& e) {
      print_error(e.what());
      return exit_bad_input;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    const std::string suggestion = misspelling(app, argc, argv);
    print_error(suggestion.empty() ? e.what() : suggestion.c_str());
    std::fputs("Run with --help for usage.\n", stderr);
    return exit_bad_input;
  }

  try {
    if (*fill_command) return nninit::cli::run_fill(fill);
    if (*init_command) return nninit::cli::run_init(init);
    if (*inspect_command) return nninit::cli::run_inspect(inspect);
    if (*diagnose_command) return nninit::cli::run_diagnose(diagnose);
    if (*check_command) return nninit::cli::run_check(check);
  } catch (const nninit::cli::UsageError& e) {
    print_error(e.what());
    return exit_bad_input;
  } catch (const nninit::cli::Failure& e) {
    print_error(e.what());
    return exit_io_error;
  } catch (const nninit::OutOfMemoryError& e) {
    print_error(fmt::format("out of memory: {}", e.what()).c_str());
    return exit_out_of_memory;
  } catch (const nninit::Error& e) {
    // Everything else the library rejects comes from the user's input: the expression, the shape, the file.
    print_error(e.what());
    return exit_bad_input;
  } catch (const std::bad_alloc&) {
    print_error("out of memory");
    return exit_out_of_memory;
  } catch (const std::length_error& e) {
    // A container asked for more elements than it can address: memory, as for std::bad_alloc.
    print_error(fmt::format("out of memory: {}", e.what()).c_str());
    return exit_out_of_memory;
  } catch (const std::exception& e) {
    print_error(fmt::format("internal error: {}", e.what()).c_str());
    return exit_internal_error;
  }
  return exit_bad_input;
}
