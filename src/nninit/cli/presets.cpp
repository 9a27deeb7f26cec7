// Named presets: rule sets chosen for a model. `auto` applies the chapter's practical rules layer by
// layer (diag/auto_preset.h). LSUV is data-driven and runs in `diagnose` after the rules.
#include <fmt/format.h>

#include "nninit/cli/commands.h"
#include "nninit/cli/options.h"
#include "nninit/diag/auto_preset.h"

namespace nninit::cli {

std::vector<spec::Rule> preset_rules(const std::string& preset, nn::Module& model) {
  if (preset == "auto") {
    return diag::auto_rules(model);
  }
  if (preset == "lsuv") return {};  // applied by the command after construction (it needs a forward pass)
  throw UsageError(fmt::format("--preset: unknown preset '{}'; expected auto or lsuv", preset));
}

}  // namespace nninit::cli
