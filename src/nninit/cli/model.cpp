#include "nninit/cli/model.h"

#include <utility>

#include <fmt/format.h>

#include "nninit/cli/builtin_models.h"
#include "nninit/cli/config_model.h"
#include "nninit/cli/options.h"
#include "nninit/core/error.h"
#include "nninit/diag/auto_preset.h"
#include "nninit/diag/diagnose.h"
#include "nninit/diag/transformer_presets.h"
#include "nninit/expr/model_expression.h"
#include "nninit/random/torch_generator.h"

namespace nninit::cli {

TorchVariant parse_torch_variant(const GeneratorOptions& options) {
  TorchVariant variant;
  if (!options.torch_version.empty()) variant.version = parse_torch_version(options.torch_version);
  variant.capability =
      options.capability.empty() ? TorchCapability::avx2 : parse_capability(options.capability);
  return variant;
}

void check_philox_options(const GeneratorOptions& options) {
  for (const auto& [option, value] : {std::pair{"--torch-version", &options.torch_version},
                                      std::pair{"--capability", &options.capability}}) {
    if (!value->empty()) {
      throw UsageError(
          fmt::format("{} {}: it chooses how PyTorch's streams are reproduced, but --rng philox "
                      "draws nninit's own streams, the same on every machine",
                      option, *value));
    }
  }
}

TorchVariant configure_default_generator(const GeneratorOptions& options) {
  if (parse_rng(options.rng) == RngEngine::philox) {
    throw UsageError(
        "--rng philox: this command draws from PyTorch's streams only (--rng torch); "
        "`nninit fill` and `nninit init` take --rng philox");
  }
  const TorchVariant variant = parse_torch_variant(options);
  const std::uint64_t seed = parse_seed(options.seed);
  default_generator().set_variant(variant);
  default_generator().manual_seed(seed);
  return variant;
}

std::vector<Shape> parse_input_shapes(const std::string& text) {
  std::vector<Shape> shapes;
  std::size_t begin = 0;
  while (true) {
    const std::size_t end = text.find(';', begin);
    const std::string part = text.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
    try {
      shapes.push_back(parse_shape(part));
    } catch (const UsageError& e) {
      throw UsageError(fmt::format("--input: {}", e.what()));
    }
    if (end == std::string::npos) break;
    begin = end + 1;
  }
  return shapes;
}

PreparedModel prepare_model(const ModelOptions& options) {
  if (is_config_file(options.model)) {
    // init reads configs (prepare_config_model); diagnose and check need layers nninit runs and judges.
    throw UsageError(
        fmt::format("MODEL: {} is a Hugging Face config, which only `nninit init` reads", options.model));
  }
  PreparedModel prepared;
  prepared.variant = configure_default_generator(options.generator);
  prepared.expression = resolve_model(options.model, &prepared.default_input_shape);
  for (const std::string& text : options.rules) prepared.rules.push_back(expr::parse_rule(text));
  prepared.model = expr::build_model(prepared.expression, default_generator());
  if (!options.preset.empty()) {
    // The preset's rules come after the user's first pass, so that an explicit --init rule wins (first
    // match wins) and the user's later passes override both.
    expr::add_to_first_pass(prepared.rules, preset_rules(options.preset, *prepared.model));
  }
  if (!prepared.rules.empty()) {
    prepared.report = expr::apply_rules(*prepared.model, prepared.rules, default_generator());
  }
  if (options.preset == "lsuv") {
    // LSUV needs a batch: drawn, like diagnose's, from the default generator after the rules.
    const std::string shapes = options.input.empty() ? prepared.default_input_shape : options.input;
    if (shapes.empty()) {
      throw UsageError(
          "--preset lsuv scales each layer on a batch: give its shape with --input, e.g. --input 64,784");
    }
    const std::vector<Tensor> batch =
        diag::random_inputs(*prepared.model, parse_input_shapes(shapes), default_generator());
    prepared.lsuv = diag::lsuv_(*prepared.model, batch, default_generator());
  }
  return prepared;
}

// Named presets: rule sets chosen for a model. `auto` matches each layer's init to the activation after it,
// layer by layer (diag/auto_preset.h). LSUV is data-driven: prepare_model runs it after the rules.
std::vector<expr::Rule> preset_rules(const std::string& preset, nn::Module& model) {
  if (preset == "auto") {
    return diag::auto_rules(model);
  }
  if (preset == "lsuv") return {};  // prepare_model runs it after the rules: it needs a forward pass
  if (diag::find_transformer_preset(preset) != nullptr) {
    std::vector<expr::Rule> rules;
    for (diag::PresetRule& rule : diag::transformer_preset_rules(preset, model))
      rules.push_back(std::move(rule.rule));
    return rules;
  }
  std::string names = "auto, lsuv";
  for (const diag::TransformerPreset& p : diag::transformer_presets()) names += ", " + p.name;
  throw UsageError(fmt::format("--preset: unknown preset '{}'; expected one of {}", preset, names));
}

report::FindingsView findings_view(const LintTextOptions& options) {
  report::FindingsView view{.brief = options.quiet};
  if (options.min_severity == "info") {
    view.minimum = diag::Severity::info;
  } else if (options.min_severity == "warning") {
    view.minimum = diag::Severity::warning;
  } else if (options.min_severity == "error") {
    view.minimum = diag::Severity::error;
  } else {
    throw UsageError(fmt::format("--min-severity: unknown severity '{}'; expected info, warning or error",
                                 options.min_severity));
  }
  return view;
}

std::vector<diag::Finding> lint_prepared(const PreparedModel& prepared) {
  diag::LintOptions options;
  if (prepared.lsuv) options.lsuv = prepared.lsuv->layers;
  return diag::grouped_findings(*prepared.model, options);
}

}  // namespace nninit::cli
