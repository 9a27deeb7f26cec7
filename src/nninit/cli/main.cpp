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

void add_generator_options(CLI::App& command, nninit::cli::GeneratorOptions& options) {
  command.add_option("--seed", options.seed, "Seed, as torch.manual_seed (default 0)");
  command.add_option("--rng", options.rng, "Random engine: torch (PyTorch's mt19937 streams)");
  command.add_option("--torch-version", options.torch_version,
                     "PyTorch release to reproduce, 1.13 to 2.14 (default: newest)");
  command.add_option("--capability", options.capability,
                     "ATen CPU capability to reproduce: default, avx2, avx512");
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
  init_command
      ->add_option("model", init.model,
                   "A constructor expression (\"Sequential(Linear(784, 256), ReLU(), Linear(256, 10))\"), a "
                   "file holding "
                   "one, or a built-in name: mlp, tanh-mlp, cnn, transformer, lstm")
      ->required();
  init_command->add_option("-o,--output", init.output, "Write the state_dict to this safetensors file");
  init_command->add_option("--dtype", init.dtype,
                           "Convert the model to float32, float64, float16 or bfloat16");
  init_command->add_option("--init", init.rules,
                           "A rule PATTERN=EXPR, e.g. \"Linear.weight=kaiming_normal_()\" (repeatable)");
  init_command->add_option("--preset", init.preset, "A named rule set: auto");
  init_command->add_flag("--json", init.json, "Print one JSON document");
  add_generator_options(*init_command, init.generator);

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
