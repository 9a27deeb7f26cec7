// nninit: the command line. The only place that reads argv (STYLE.md); everything below it is library.
#include <cstdio>
#include <exception>
#include <new>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "nninit/cli/commands.h"
#include "nninit/cli/options.h"
#include "nninit/core/error.h"
#include "nninit/core/warning.h"

namespace {

constexpr int exit_failure = 1;
constexpr int exit_bad_input = 2;

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
  command.add_option("--rng", options.rng, "Random engine: torch (PyTorch's mt19937 streams)");
  command.add_option("--torch-version", options.torch_version,
                     "PyTorch release to reproduce, 1.13 to 2.14 (default: newest)");
  command.add_option("--capability", options.capability,
                     "ATen CPU capability to reproduce: default, avx2, avx512");
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

void print_error(const char* message) {
  std::fputs(fmt::format("nninit: error: {}\n", message).c_str(), stderr);
}

}  // namespace

int main(int argc, char** argv) {
  nninit::set_warning_handler([](const nninit::Warning& w) {
    std::fputs(fmt::format("nninit: warning: {}\n", w.message).c_str(), stderr);
  });

  CLI::App app{"nninit: neural-network parameter initialization, bit-identical to PyTorch"};
  app.set_version_flag("--version", "nninit 0.1.0");
  app.require_subcommand(1);

  nninit::cli::FillOptions fill;
  CLI::App* fill_command =
      app.add_subcommand("fill", "Initialise one tensor with a torch.nn.init expression");
  fill_command
      ->add_option("expression", fill.expression,
                   "e.g. \"kaiming_normal_(mode='fan_out', nonlinearity='relu')\"")
      ->required();
  fill_command->add_option("--shape", fill.shape, "Shape, e.g. 256,784")->required();
  fill_command->add_option("--dtype", fill.dtype, "float32, float64, float16 or bfloat16");
  fill_command->add_option("-o,--output", fill.output,
                           "Write the tensor (named \"tensor\") to this safetensors file");
  fill_command->add_flag("--json", fill.json, "Print one JSON document");
  add_generator_options(*fill_command, fill.generator);

  nninit::cli::InitOptions init;
  CLI::App* init_command =
      app.add_subcommand("init", "Initialise a PyTorch model expression and write its state_dict");
  add_model_options(*init_command, init, "The batch shape --preset lsuv runs on, e.g. 64,784", false);
  init_command->add_option("--config", init.config,
                           "A Hugging Face config.json (gpt2, llama, mistral, qwen2), in place of MODEL");
  init_command->add_option("-o,--output", init.output, "Write the state_dict to this safetensors file");
  init_command->add_option(
      "--dtype", init.dtype,
      "Convert the model to float32, float64, float16 or bfloat16 (a config's default: the "
      "dtype it names)");
  init_command->add_flag("--json", init.json, "Print one JSON document");
  init_command->add_flag(
      "--print-rules", init.print_rules,
      "Print the rules in the order they apply (--init, then the preset's); write nothing");
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
  diagnose_command->add_option("--input-file", diagnose.input_file,
                               "A safetensors file whose tensors, in file order, are the model's inputs");
  diagnose_command->add_flag("--train", diagnose.train, "Run in train mode (BatchNorm batch statistics)");
  diagnose_command->add_option("--report", diagnose.report, "Write a self-contained HTML report here");
  diagnose_command->add_flag("--probe", diagnose.probe,
                             "Train copies of the model under several initialisations and compare losses");
  diagnose_command->add_option("--optimizer", diagnose.optimizer, "The probe's optimizer: sgd or adam");
  diagnose_command->add_option("--steps", diagnose.steps, "The probe's training steps (default 300)");
  diagnose_command->add_flag("--depth-sweep", diagnose.depth_sweep,
                             "Also run a 50-layer tanh and ReLU network under seven initialisations");
  diagnose_command->add_flag("--json", diagnose.json, "Print one JSON document");

  nninit::cli::CheckOptions check;
  CLI::App* check_command = app.add_subcommand(
      "check", "Lint the initialisation against the architecture (exit status 1 on errors)");
  add_model_options(*check_command, check, "The batch shape --preset lsuv runs on");
  check_command->add_flag("--json", check.json, "Print one JSON document");

  nninit::cli::InspectOptions inspect;
  CLI::App* inspect_command =
      app.add_subcommand("inspect", "Statistics of every tensor in a safetensors file");
  inspect_command->add_option("file", inspect.file, "A .safetensors file")->required();
  inspect_command->add_flag("--json", inspect.json, "Print one JSON document");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    print_error(e.what());
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
    return exit_failure;
  } catch (const nninit::Error& e) {
    // Everything the library rejects comes from the user's input: the expression, the shape, the file.
    print_error(e.what());
    return exit_bad_input;
  } catch (const std::bad_alloc&) {
    print_error("out of memory");
    return exit_failure;
  } catch (const std::exception& e) {
    print_error(e.what());
    return exit_failure;
  }
  return exit_bad_input;
}
