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

std::vector<diag::Finding> lint_prepared(const PreparedModel& prepared) {
  diag::LintOptions options;
  if (prepared.lsuv) options.lsuv = prepared.lsuv->layers;
  return diag::check_initialization(*prepared.model, options);
}

}  // namespace nninit::cli
