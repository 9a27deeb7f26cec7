#include "nninit/cli/config_model.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "nninit/cli/options.h"
#include "nninit/core/error.h"
#include "nninit/diag/transformer_presets.h"
#include "nninit/random/torch_generator.h"

namespace nninit::cli {
namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) throw UsageError(fmt::format("MODEL: cannot read {}", path));
  return text.str();
}

std::string shape_text(const Shape& shape) {
  std::string out;
  for (std::size_t i = 0; i < shape.size(); ++i) out += (i > 0 ? "x" : "") + std::to_string(shape[i]);
  return out.empty() ? "scalar" : out;
}

std::string group_digits(std::int64_t n) {
  std::string digits = std::to_string(n);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3)
    digits.insert(static_cast<std::size_t>(i), ",");
  return digits;
}

std::int64_t own_count(const std::vector<ParameterRow>& rows) {
  std::int64_t count = 0;
  for (const ParameterRow& row : rows) {
    if (row.tied_to.empty()) count += shape_numel(row.shape);
  }
  return count;
}

}  // namespace

bool is_config_file(const std::string& model) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(model, error)) return false;
  if (model.ends_with(".json")) return true;
  std::ifstream in(model);
  char first = 0;
  in >> first;  // skips white space
  return first == '{';
}

expr::HfConfig read_config_file(const std::string& path) {
  const std::string text = read_text(path);
  try {
    return expr::parse_hf_config(text);
  } catch (const ValueError& e) {
    throw ValueError(fmt::format("{}: {}", path, e.what()));
  }
}

bool saved_dtype(const expr::HfConfig& config, DType* dtype) {
  if (!config.torch_dtype) return false;
  *dtype = *config.torch_dtype;
  return true;
}

namespace {

void refuse_lsuv(const ModelOptions& options) {
  if (options.preset == "lsuv") {
    throw UsageError(
        "--preset lsuv runs the model forward, which nninit does not do for a Hugging Face config");
  }
}

}  // namespace

std::vector<expr::Rule> config_rules(const ModelOptions& options) {
  refuse_lsuv(options);
  std::vector<expr::Rule> rules;
  for (const std::string& text : options.rules) rules.push_back(expr::parse_rule(text));
  if (!options.preset.empty()) {
    const nn::ModulePtr structure = expr::hf_model_structure(read_config_file(options.model));
    expr::add_to_first_pass(rules, preset_rules(options.preset, *structure));
  }
  return rules;
}

PreparedModel prepare_config_model(const ModelOptions& options) {
  refuse_lsuv(options);
  PreparedModel prepared;
  prepared.variant = configure_default_generator(options.generator);
  const expr::HfConfig config = read_config_file(options.model);
  prepared.expression = nlohmann::json::parse(read_text(options.model)).dump();
  for (const std::string& text : options.rules) prepared.rules.push_back(expr::parse_rule(text));
  prepared.model = expr::build_hf_model(config, default_generator());
  if (!options.preset.empty()) {
    expr::add_to_first_pass(prepared.rules, preset_rules(options.preset, *prepared.model));
  }
  if (!prepared.rules.empty()) {
    prepared.report = expr::apply_rules(*prepared.model, prepared.rules, default_generator());
  }
  return prepared;
}

std::vector<NamedTensor> without_tied_copies(const std::vector<NamedTensor>& state) {
  std::vector<NamedTensor> kept;
  for (const NamedTensor& entry : state) {
    bool copy = false;
    for (const NamedTensor& earlier : kept) copy = copy || nn::same_tensor(earlier.tensor, entry.tensor);
    if (!copy) kept.push_back(entry);
  }
  return kept;
}

std::string format_rules(const std::string& preset, const std::vector<expr::Rule>& rules, bool json) {
  const diag::TransformerPreset* paper = diag::find_transformer_preset(preset);
  if (json) {
    nlohmann::ordered_json out;
    out["preset"] = preset.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(preset);
    out["paper"] = paper != nullptr ? nlohmann::ordered_json(paper->paper) : nlohmann::ordered_json(nullptr);
    nlohmann::ordered_json texts = nlohmann::ordered_json::array();
    for (const expr::Rule& rule : rules) texts.push_back(rule.text);
    out["rules"] = texts;
    return out.dump(2) + "\n";
  }
  std::string out;
  if (!preset.empty()) out += fmt::format("# --preset {}", preset);
  if (paper != nullptr) out += fmt::format(": {}\n# {}", paper->paper, paper->summary);
  if (!preset.empty()) out += "\n";
  out +=
      "# in order; the first rule that matches a parameter initialises it, so an --init rule overrides the "
      "preset\n";
  for (const expr::Rule& rule : rules) out += rule.text + "\n";
  return out;
}

std::vector<ParameterRow> parameter_rows(const ModelOptions& options, std::string* title) {
  std::vector<ParameterRow> rows;
  if (is_config_file(options.model)) {
    const expr::HfConfig config = read_config_file(options.model);
    *title = fmt::format("{} (model_type {})", expr::hf_class_name(config), config.model_type);
    for (const expr::HfParameter& p : expr::hf_parameters(config))
      rows.push_back({p.name, p.shape, p.tied_to});
    return rows;
  }
  const PreparedModel prepared = prepare_model(options);
  *title = prepared.model->type_name();
  const std::vector<NamedTensor> state = prepared.model->state_dict();
  for (std::size_t i = 0; i < state.size(); ++i) {
    ParameterRow row{state[i].name, state[i].tensor.sizes(), ""};
    for (std::size_t j = 0; j < i && row.tied_to.empty(); ++j) {
      if (nn::same_tensor(state[j].tensor, state[i].tensor)) row.tied_to = state[j].name;
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string format_rows(const std::string& title, const std::vector<ParameterRow>& rows) {
  std::size_t name_width = 4;
  std::size_t shape_width = 5;
  for (const ParameterRow& row : rows) {
    name_width = std::max(name_width, row.name.size());
    shape_width = std::max(shape_width, shape_text(row.shape).size());
  }
  std::string out = fmt::format("{}: {} parameters\n\n", title, group_digits(own_count(rows)));
  out += fmt::format("{:<{}}  {:<{}}  {:>14}\n", "name", name_width, "shape", shape_width, "numel");
  for (const ParameterRow& row : rows) {
    const std::string count =
        row.tied_to.empty() ? group_digits(shape_numel(row.shape)) : fmt::format("tied to {}", row.tied_to);
    out += fmt::format("{:<{}}  {:<{}}  {:>14}\n", row.name, name_width, shape_text(row.shape), shape_width,
                       count);
  }
  return out;
}

nlohmann::ordered_json rows_to_json(const std::string& title, const std::vector<ParameterRow>& rows) {
  nlohmann::ordered_json out;
  out["model"] = title;
  out["parameters"] = own_count(rows);
  nlohmann::ordered_json tensors = nlohmann::ordered_json::array();
  for (const ParameterRow& row : rows) {
    tensors.push_back({{"name", row.name},
                       {"shape", row.shape},
                       {"numel", shape_numel(row.shape)},
                       {"tied_to", row.tied_to.empty() ? nlohmann::ordered_json(nullptr)
                                                       : nlohmann::ordered_json(row.tied_to)}});
  }
  out["tensors"] = tensors;
  return out;
}

}  // namespace nninit::cli
