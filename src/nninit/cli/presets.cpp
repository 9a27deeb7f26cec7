// Named presets: rule sets chosen for a model. `auto` matches each layer's init to the activation after it,
// layer by layer (diag/auto_preset.h). LSUV is data-driven and runs in `diagnose` after the rules.
#include <fmt/format.h>

#include "nninit/cli/commands.h"
#include "nninit/cli/options.h"
#include "nninit/cli/summary.h"
#include "nninit/diag/auto_preset.h"
#include "nninit/diag/lint.h"

namespace nninit::cli {

std::vector<expr::Rule> preset_rules(const std::string& preset, nn::Module& model) {
  if (preset == "auto") {
    return diag::auto_rules(model);
  }
  if (preset == "lsuv") return {};  // prepare_model runs it after the rules: it needs a forward pass
  throw UsageError(fmt::format("--preset: unknown preset '{}'; expected auto or lsuv", preset));
}

std::string describe_lsuv(const diag::LsuvReport& report) {
  std::string out = "LSUV (orthogonal start, then each layer's output scaled to std 1):\n";
  for (const diag::LsuvLayer& l : report.layers) {
    out += fmt::format("  {:<24} output std {:.4g} -> {:.4g} in {} division(s){}\n", l.parameter,
                       l.initial_std, l.final_std, l.iterations, l.converged ? "" : " (not converged)");
  }
  for (const diag::LsuvSkip& s : report.skipped)
    out += fmt::format("  {:<24} left as it is: {}\n", s.path, s.reason);
  return out;
}

std::vector<diag::Finding> lint_prepared(const PreparedModel& prepared) {
  diag::LintOptions options;
  if (prepared.lsuv) options.lsuv = prepared.lsuv->layers;
  return diag::check_initialization(*prepared.model, options);
}

nlohmann::ordered_json lsuv_to_json(const diag::LsuvReport& report) {
  nlohmann::ordered_json layers = nlohmann::ordered_json::array();
  for (const diag::LsuvLayer& l : report.layers) {
    layers.push_back({{"layer", l.path},
                      {"parameter", l.parameter},
                      {"initial_std", json_number(l.initial_std)},
                      {"final_std", json_number(l.final_std)},
                      {"iterations", l.iterations},
                      {"converged", l.converged}});
  }
  nlohmann::ordered_json skipped = nlohmann::ordered_json::array();
  for (const diag::LsuvSkip& s : report.skipped) skipped.push_back({{"layer", s.path}, {"reason", s.reason}});
  return {{"layers", layers}, {"skipped", skipped}};
}

}  // namespace nninit::cli
