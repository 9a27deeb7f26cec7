#include "nninit/diag/transformer_presets.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>

#include <fmt/format.h>

#include "nninit/core/error.h"
#include "nninit/diag/auto_preset.h"

namespace nninit::diag {
namespace {

// What a parameter is to a transformer preset.
enum class Role {
  embedding,
  query_key,
  value,
  fused_qkv,
  residual_output,
  mlp_input,
  head,
  norm_weight,
  bias,
  other
};

// Names of the layers inside a block, across GPT-2 (transformers), the Llama family and torch.nn's
// TransformerEncoderLayer.
Role block_role(std::string_view module_name, std::string_view own_name) {
  if (own_name == "in_proj_weight") return Role::fused_qkv;
  if (own_name != "weight") return Role::other;
  const auto is = [&](std::initializer_list<std::string_view> names) {
    return std::find(names.begin(), names.end(), module_name) != names.end();
  };
  if (is({"c_proj", "o_proj", "down_proj", "out_proj", "linear2"})) return Role::residual_output;
  if (is({"q_proj", "k_proj"})) return Role::query_key;
  if (is({"v_proj"})) return Role::value;
  if (is({"c_attn"})) return Role::fused_qkv;
  if (is({"c_fc", "gate_proj", "up_proj", "linear1"})) return Role::mlp_input;
  return Role::other;
}

bool is_norm(const nn::Module& module) {
  return module.is_instance("LayerNorm") || module.is_instance("RMSNorm") ||
         module.is_instance("GroupNorm") || module.type_name().ends_with("RMSNorm");
}

struct ReadParameter {
  std::string name;         // as named_parameters() gives it
  std::string module_path;  // its module's path
  std::string own_name;     // "weight", "in_proj_weight"
  std::string block_glob;   // the module path with the block index replaced by '*'; empty outside blocks
  int layer = -1;           // the block's index; -1 outside blocks
  Role role = Role::other;
  std::int64_t fan_in = 0;   // weights: the input width (Conv1D stores (in, out))
  std::int64_t fan_out = 0;  // weights: the output width
};

struct Reading {
  std::vector<ReadParameter> parameters;
  int num_layers = 0;
};

bool holds_residual_output(nn::Module& block) {
  for (const nn::NamedModule& m : block.named_modules()) {
    const std::string_view leaf = std::string_view(m.name).substr(m.name.rfind('.') + 1);
    if (block_role(leaf, "weight") == Role::residual_output && m.module->has_parameter("weight")) return true;
  }
  return false;
}

Reading read_model(std::string_view preset, nn::Module& model) {
  std::map<std::string, nn::Module*> modules;
  std::vector<std::string> stacks;
  for (const nn::NamedModule& m : model.named_modules()) {
    modules[m.name] = m.module;
    if (!m.module->is_instance("ModuleList") || m.module->own_children().empty()) continue;
    bool all_blocks = true;
    for (const auto& [name, child] : m.module->own_children())
      all_blocks = all_blocks && child && holds_residual_output(*child);
    if (all_blocks) stacks.push_back(m.name);
  }
  if (stacks.empty()) {
    throw ValueError(fmt::format(
        "preset '{}' reads a transformer: a ModuleList of blocks with residual output projections (c_proj, "
        "o_proj, down_proj, out_proj, linear2); {} has none",
        preset, model.type_name()));
  }
  if (stacks.size() > 1) {
    throw ValueError(fmt::format("preset '{}' reads one stack of blocks; the model has {} ({})", preset,
                                 stacks.size(), fmt::join(stacks, ", ")));
  }
  const std::string stack = stacks.front();
  const std::string stack_prefix = stack.empty() ? "" : stack + ".";
  Reading reading;
  reading.num_layers = static_cast<int>(modules.at(stack)->own_children().size());
  for (const NamedTensor& p : model.named_parameters()) {
    ReadParameter read;
    read.name = p.name;
    const std::size_t dot = p.name.rfind('.');
    read.module_path = dot == std::string::npos ? "" : p.name.substr(0, dot);
    read.own_name = dot == std::string::npos ? p.name : p.name.substr(dot + 1);
    const nn::Module& module = *modules.at(read.module_path);
    if (p.tensor.dim() == 2) {
      const bool transposed = module.type_name() == "Conv1D";  // transformers' Conv1D: (in, out)
      read.fan_in = p.tensor.size(transposed ? 0 : 1);
      read.fan_out = p.tensor.size(transposed ? 1 : 0);
    }
    if (read.module_path.starts_with(stack_prefix) && read.module_path.size() > stack_prefix.size()) {
      const std::string rest = read.module_path.substr(stack_prefix.size());  // "3.attn.c_proj"
      const std::size_t end = rest.find('.');
      read.layer = std::stoi(rest.substr(0, end));
      read.block_glob = stack_prefix + "*" + (end == std::string::npos ? "" : rest.substr(end));
    }
    const std::string_view leaf = std::string_view(read.module_path).substr(read.module_path.rfind('.') + 1);
    if (is_norm(module)) {
      read.role = read.own_name == "weight" ? Role::norm_weight : Role::bias;
    } else if (read.own_name == "bias" || read.own_name.ends_with("_bias")) {
      read.role = Role::bias;
    } else if (module.is_instance("Embedding")) {
      read.role = Role::embedding;
    } else if (read.layer >= 0) {
      read.role = block_role(leaf, read.own_name);
    } else if (read.own_name == "weight" && read.fan_in > 0) {
      read.role = Role::head;
    }
    reading.parameters.push_back(std::move(read));
  }
  return reading;
}

// One parameter's expression and why; nullopt leaves the parameter alone.
struct Choice {
  std::string expression;
  std::string explanation;
};
using Chooser = std::function<std::optional<Choice>(const ReadParameter&, int num_layers)>;

std::optional<Choice> gpt2_choice(const ReadParameter& p, int n, const std::string& source) {
  switch (p.role) {
    case Role::residual_output:
      return Choice{fmt::format("normal_(std=0.02/math.sqrt(2*{}))", n),
                    source + ": residual projection, 0.02 / sqrt(2 N)"};
    case Role::embedding:
    case Role::query_key:
    case Role::value:
    case Role::fused_qkv:
    case Role::mlp_input:
    case Role::head: return Choice{"normal_(std=0.02)", source + ": normal(0, 0.02)"};
    case Role::norm_weight: return Choice{"ones_()", source + ": norm weight 1"};
    case Role::bias: return Choice{"zeros_()", source + ": bias 0"};
    case Role::other: break;
  }
  return std::nullopt;
}

std::optional<Choice> mitchell_choice(const ReadParameter& p, int /*n*/) {
  const auto truncated = [](const std::string& std, const std::string& why) {
    return Choice{fmt::format("trunc_normal_(std={0}, a=-3*({0}), b=3*({0}))", std), why};
  };
  switch (p.role) {
    case Role::embedding:
      return truncated(fmt::format("1/math.sqrt({})", p.fan_in), "OLMo mitchell: embedding, 1/sqrt(d_model)");
    case Role::residual_output:
      return truncated(fmt::format("1/math.sqrt({})/math.sqrt(2*({}+1))", p.fan_in, p.layer),
                       "OLMo mitchell: output projection, 1/sqrt(d_in) / sqrt(2 (layer + 1))");
    case Role::query_key:
    case Role::value:
    case Role::fused_qkv:
    case Role::mlp_input:
    case Role::head:
      return truncated(fmt::format("1/math.sqrt({})", p.fan_in), "OLMo mitchell: 1/sqrt(d_in)");
    case Role::norm_weight: return Choice{"ones_()", "OLMo: norm weight 1"};
    case Role::bias: return Choice{"zeros_()", "OLMo: bias 0"};
    case Role::other: break;
  }
  return std::nullopt;
}

void refuse_fused(std::string_view preset, const ReadParameter& p) {
  throw ValueError(
      fmt::format("preset '{}' scales v_proj apart from q_proj and k_proj, but {} holds all three in one "
                  "tensor, which a rule "
                  "cannot split; use a model with separate projections (a Llama-family config)",
                  preset, p.name));
}

std::optional<Choice> deepnorm_choice(const ReadParameter& p, int n) {
  const std::string beta = fmt::format("(8*{})**-0.25", n);
  switch (p.role) {
    case Role::query_key:
      return Choice{"xavier_normal_(gain=1)", "DeepNet: q_proj and k_proj, Xavier with gain 1"};
    case Role::value:
    case Role::residual_output:
    case Role::mlp_input:
      return Choice{fmt::format("xavier_normal_(gain={})", beta),
                    "DeepNet: Xavier with gain beta = (8 N)^(-1/4)"};
    case Role::fused_qkv: refuse_fused("deepnorm", p); break;
    default: break;
  }
  return std::nullopt;
}

std::optional<Choice> t_fixup_choice(const ReadParameter& p, int n) {
  const std::string scale = fmt::format("0.67*{}**-0.25", n);
  switch (p.role) {
    case Role::embedding:
      return Choice{fmt::format("normal_(std={}**-0.5*{})", p.fan_in, scale),
                    "T-Fixup: embedding normal(0, d^(-1/2)) scaled by 0.67 N^(-1/4)"};
    case Role::query_key:
    case Role::head: return Choice{"xavier_uniform_()", "T-Fixup: Xavier"};
    case Role::value:
    case Role::residual_output:
    case Role::mlp_input:
      return Choice{fmt::format("xavier_uniform_(gain={})", scale),
                    "T-Fixup: Xavier scaled by 0.67 N^(-1/4)"};
    case Role::fused_qkv: refuse_fused("t-fixup", p); break;
    default: break;
  }
  return std::nullopt;
}

std::optional<Choice> fixup_choice(const ReadParameter& p, int n) {
  switch (p.role) {
    case Role::residual_output:
      return Choice{"zeros_()", "Fixup: the last layer of each residual branch at 0"};
    case Role::head: return Choice{"zeros_()", "Fixup: the output layer at 0"};
    case Role::query_key:
    case Role::value:
    case Role::fused_qkv:
    case Role::mlp_input:
      return Choice{fmt::format("normal_(std=math.sqrt(2/{})*(2*{})**-0.5)", p.fan_in, n),
                    "Fixup: He normal scaled by L^(-1/(2m-2)), L = 2 N branches, m = 2"};
    case Role::bias: return Choice{"zeros_()", "Fixup: bias 0"};
    default: break;
  }
  return std::nullopt;
}

std::optional<Choice> zero_branch_choice(const ReadParameter& p, const std::string& source) {
  if (p.role == Role::residual_output)
    return Choice{"zeros_()", source + ": the residual branch starts at 0"};
  // The bias of the same projection: the branch's output is then exactly 0.
  if (p.role == Role::bias && p.layer >= 0) {
    const std::string_view leaf = std::string_view(p.module_path).substr(p.module_path.rfind('.') + 1);
    if (block_role(leaf, "weight") == Role::residual_output) {
      return Choice{"zeros_()", source + ": the residual branch's bias at 0"};
    }
  }
  return std::nullopt;
}

Chooser chooser(std::string_view name) {
  if (name == "gpt2") return [](const ReadParameter& p, int n) { return gpt2_choice(p, n, "GPT-2"); };
  if (name == "megatron")
    return [](const ReadParameter& p, int n) { return gpt2_choice(p, n, "Megatron-LM"); };
  if (name == "mitchell") return mitchell_choice;
  if (name == "deepnorm") return deepnorm_choice;
  if (name == "t-fixup") return t_fixup_choice;
  if (name == "fixup") return fixup_choice;
  if (name == "rezero") return [](const ReadParameter& p, int) { return zero_branch_choice(p, "ReZero"); };
  return [](const ReadParameter& p, int) { return zero_branch_choice(p, "SkipInit"); };
}

}  // namespace

const std::vector<TransformerPreset>& transformer_presets() {
  static const std::vector<TransformerPreset> presets = {
      {"gpt2", "Radford et al. 2019, Language Models are Unsupervised Multitask Learners",
       "normal(0, 0.02); residual projections 0.02/sqrt(2 N); biases 0, norms 1"},
      {"megatron", "Shoeybi et al. 2019, Megatron-LM",
       "normal(0, 0.02); output layers 0.02/sqrt(2 N) (scaled init); biases 0, norms 1"},
      {"mitchell", "Groeneveld et al. 2024, OLMo (init_fn mitchell)",
       "trunc_normal(1/sqrt(d_in), +-3 std); output projections / sqrt(2 (layer + 1))"},
      {"deepnorm", "Wang et al. 2022, DeepNet: Scaling Transformers to 1,000 Layers",
       "Xavier normal, gain (8 N)^(-1/4) for v, output and MLP weights, 1 for q and k"},
      {"t-fixup", "Huang et al. 2020, Improving Transformer Optimization Through Better Initialization",
       "Xavier uniform; v, output, MLP and embeddings scaled by 0.67 N^(-1/4)"},
      {"fixup", "Zhang, Dauphin and Ma 2019, Fixup Initialization",
       "residual branch ends and output head at 0; branch layers He normal / sqrt(2 N)"},
      {"rezero", "Bachlechner et al. 2020, ReZero is All You Need",
       "residual output projections at 0: every block starts as the identity"},
      {"skipinit",
       "De and Smith 2020, Batch Normalization Biases Residual Blocks Towards the Identity Function",
       "residual output projections at 0: every block starts as the identity"},
  };
  return presets;
}

const TransformerPreset* find_transformer_preset(std::string_view name) {
  for (const TransformerPreset& preset : transformer_presets()) {
    if (preset.name == name) return &preset;
  }
  return nullptr;
}

std::vector<PresetRule> transformer_preset_rules(std::string_view name, nn::Module& model) {
  if (find_transformer_preset(name) == nullptr)
    throw ValueError(fmt::format("no transformer preset '{}'", name));
  const Reading reading = read_model(name, model);
  const Chooser choose = chooser(name);
  // One rule per block glob when every block gets the same expression, one per parameter otherwise.
  struct Entry {
    std::string glob;   // "transformer.h.*.attn.c_proj.weight"; empty outside the blocks
    std::string exact;  // "transformer.h.3.attn.c_proj.weight"
    Choice choice;
  };
  std::vector<Entry> entries;
  for (const ReadParameter& p : reading.parameters) {
    if (std::optional<Choice> choice = choose(p, reading.num_layers)) {
      entries.push_back({p.block_glob.empty() ? "" : path_pattern(p.block_glob, p.own_name),
                         path_pattern(p.module_path, p.own_name), std::move(*choice)});
    }
  }
  const auto same_for_every_block = [&](const Entry& entry) {
    return std::all_of(entries.begin(), entries.end(), [&](const Entry& other) {
      return other.glob != entry.glob || other.choice.expression == entry.choice.expression;
    });
  };
  std::vector<PresetRule> rules;
  std::vector<std::string> globs_written;
  for (const Entry& entry : entries) {
    std::string pattern = entry.exact;
    if (!entry.glob.empty() && same_for_every_block(entry)) {
      if (std::find(globs_written.begin(), globs_written.end(), entry.glob) != globs_written.end()) continue;
      globs_written.push_back(entry.glob);
      pattern = entry.glob;
    }
    rules.push_back(
        {expr::parse_rule(fmt::format("{}={}", pattern, entry.choice.expression)), entry.choice.explanation});
  }
  return rules;
}

}  // namespace nninit::diag
