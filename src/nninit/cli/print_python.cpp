#include "nninit/cli/print_python.h"

#include <cstdio>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "nninit/cli/builtin_models.h"
#include "nninit/cli/config_model.h"
#include "nninit/cli/model.h"
#include "nninit/cli/options.h"
#include "nninit/expr/rules.h"
#include "nninit/lang/value.h"

namespace nninit::cli {

int print_python(const InitOptions& options) {
  const bool from_config = is_config_file(options.model);
  // A config's rules come from its structure alone; an expression's preset reads the built model.
  const std::vector<expr::Rule> rules = from_config ? config_rules(options) : prepare_model(options).rules;
  if (rules.empty()) {
    throw UsageError(
        "--print-python prints the init_fn of the rules: give --init PATTERN=EXPR or --preset NAME");
  }
  const std::string model =
      from_config ? fmt::format("AutoModelForCausalLM.from_config(AutoConfig.from_pretrained({}))",
                                lang::python_string_repr(options.model))
                  : resolve_model(options.model);
  // The names the model's expression uses: transformers' classes, or torch.nn's (and OrderedDict).
  const std::string imports = from_config ? "from transformers import AutoConfig, AutoModelForCausalLM"
                                          : "from collections import OrderedDict; from torch.nn import *";
  std::string out = fmt::format(
      "# nninit init --print-python: these rules as PyTorch code. Build the model first, as nninit does:\n"
      "#   {}\n"
      "#   torch.manual_seed({})\n"
      "#   model = {}\n",
      imports, options.generator.seed, model);
  out += expr::rules_to_python(rules);
  std::fputs(out.c_str(), stdout);
  return 0;
}

}  // namespace nninit::cli
