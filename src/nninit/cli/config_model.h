// MODEL given as a Hugging Face config.json (`nninit init config.json`): the model transformers would build
// from it (expr/hf_config.h), then the --init rules and the preset as for any model; and the shape-only
// listing of `init --dry-run`, which for a config allocates nothing.
//
//   if (is_config_file(options.model)) prepared = prepare_config_model(options);
//   const std::vector<ParameterRow> rows = parameter_rows(options);   // names, shapes, ties
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "nninit/cli/commands.h"
#include "nninit/cli/model.h"
#include "nninit/core/tensor.h"
#include "nninit/expr/hf_config.h"

namespace nninit::cli {

// A regular file whose name ends in ".json" or whose text starts with '{' (no expression does).
bool is_config_file(const std::string& model);
// The config read from `path`: UsageError when it cannot be read, ValueError naming the key when it is wrong.
expr::HfConfig read_config_file(const std::string& path);

// The config's torch_dtype into *dtype; false when it names none.
bool saved_dtype(const expr::HfConfig& config, DType* dtype);

// Built as transformers builds it, from the seeded default generator, then the rules and the preset.
// `expression` holds the config as one line of JSON: what the output's metadata records.
PreparedModel prepare_config_model(const ModelOptions& options);

// The state_dict as save_pretrained writes it: a tensor shared under several names (a tied lm_head) is kept
// under its first name only.
std::vector<NamedTensor> without_tied_copies(const std::vector<NamedTensor>& state);

// The --init rules, then the preset's, for a config: read from its structure (expr::hf_model_structure), so
// that printing them allocates nothing whatever the model's size.
std::vector<expr::Rule> config_rules(const ModelOptions& options);

// `init --print-rules`: the rules in the order they apply, each a valid --init argument, headed by the
// preset's paper and summary (as comments), or one JSON document.
std::string format_rules(const std::string& preset, const std::vector<expr::Rule>& rules, bool json);

// One state_dict entry of the dry run.
struct ParameterRow {
  std::string name;
  Shape shape;
  std::string tied_to;  // the earlier name of the same tensor; empty for a tensor of its own
};
// For a config: from its shapes alone. For an expression: from the built model (rules applied).
std::vector<ParameterRow> parameter_rows(const ModelOptions& options, std::string* title);
std::string format_rows(const std::string& title, const std::vector<ParameterRow>& rows);
nlohmann::ordered_json rows_to_json(const std::string& title, const std::vector<ParameterRow>& rows);

}  // namespace nninit::cli
