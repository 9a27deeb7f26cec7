#include "nninit/diag/transformer_presets.h"

#include <cmath>
#include <fstream>
#include <numbers>
#include <sstream>

#include <gtest/gtest.h>

#include "nninit/core/tensor_statistics.h"
#include "nninit/expr/hf_config.h"
#include "nninit/expr/model_expression.h"
#include "nninit/nn/layer_test_support.h"
#include "nninit/random/torch_generator.h"

namespace nninit::diag {
namespace {
using nn::testing::error_of;

// The tiny example configs: GPT-2 with N = 2 blocks of width 64 (MLP 256, vocabulary 100), and Llama with
// N = 2, width 64, 8 heads sharing 2 key/value heads (k_proj, v_proj: 16 x 64), MLP 172, vocabulary 120.
nn::ModulePtr tiny(const std::string& name, TorchGenerator& generator) {
  std::ifstream in(std::string(NNINIT_SOURCE_DIR) + "/examples/configs/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return expr::build_hf_model(expr::parse_hf_config(text.str()), generator);
}

// The user's rules first (they win), then the preset's, applied as `nninit init --init ... --preset` does.
std::vector<NamedTensor> initialised(const std::string& config, const std::string& preset,
                                     const std::vector<std::string>& user_rules = {}) {
  TorchGenerator generator(0);
  const nn::ModulePtr model = tiny(config, generator);
  std::vector<expr::Rule> rules;
  for (const std::string& text : user_rules) rules.push_back(expr::parse_rule(text));
  for (const PresetRule& r : transformer_preset_rules(preset, *model)) rules.push_back(r.rule);
  expr::apply_rules(*model, rules, generator);
  return model->state_dict();
}

TensorStatistics stats(const std::vector<NamedTensor>& state, const std::string& name) {
  for (const NamedTensor& t : state) {
    if (t.name == name) return statistics(t.tensor);
  }
  throw std::runtime_error("no tensor " + name);
}

// Sample std within `tolerance` of the formula (6% is about 4 standard errors at 4096 elements).
void expect_std(const std::vector<NamedTensor>& state, const std::string& name, double expected,
                double tolerance = 0.06) {
  EXPECT_NEAR(stats(state, name).std, expected, tolerance * expected) << name;
}

void expect_zero(const std::vector<NamedTensor>& state, const std::string& name) {
  EXPECT_EQ(stats(state, name).zero_fraction, 1.0) << name;
}

std::vector<std::string> rule_texts(const std::string& config, const std::string& preset) {
  TorchGenerator generator(0);
  const nn::ModulePtr model = tiny(config, generator);
  std::vector<std::string> texts;
  for (const PresetRule& r : transformer_preset_rules(preset, *model)) texts.push_back(r.rule.text);
  return texts;
}

bool has(const std::vector<std::string>& texts, const std::string& text) {
  return std::find(texts.begin(), texts.end(), text) != texts.end();
}

// Radford et al. 2019 (GPT-2) and Shoeybi et al. 2019 (Megatron-LM): 0.02, residual projections
// 0.02 / sqrt(2 N) = 0.01 for N = 2.
TEST(TransformerPresets, Gpt2AndMegatronScaleTheResidualProjections) {
  for (const char* preset : {"gpt2", "megatron"}) {
    const std::vector<NamedTensor> state = initialised("gpt2-tiny.json", preset);
    expect_std(state, "transformer.h.0.attn.c_proj.weight", 0.01);
    expect_std(state, "transformer.h.1.mlp.c_proj.weight", 0.01);
    expect_std(state, "transformer.h.1.attn.c_attn.weight", 0.02);
    expect_std(state, "transformer.wte.weight", 0.02);
    expect_zero(state, "transformer.h.0.attn.c_attn.bias");
  }
  const std::vector<std::string> texts = rule_texts("gpt2-tiny.json", "gpt2");
  EXPECT_TRUE(has(texts, "transformer.h.*.attn.c_proj.weight=normal_(std=0.02/math.sqrt(2*2))"));
  EXPECT_TRUE(has(texts, "transformer.h.*.ln_1.weight=ones_()"));
}

// OLMo's mitchell: trunc_normal_(std=s, a=-3s, b=3s), s = 1/sqrt(d_in), output projections of block i also
// divided by sqrt(2 (i + 1)). Truncation at 3 s leaves the std at s * sqrt(1 - 6 phi(3) / (2 Phi(3) - 1)).
TEST(TransformerPresets, MitchellScalesByWidthAndDepth) {
  const double phi3 = std::exp(-4.5) / std::sqrt(2 * std::numbers::pi);
  const double truncation = std::sqrt(1 - 6 * phi3 / std::erf(3 / std::sqrt(2.0)));
  const std::vector<NamedTensor> state = initialised("llama-tiny.json", "mitchell");
  expect_std(state, "model.layers.0.self_attn.q_proj.weight", truncation / 8);
  expect_std(state, "model.layers.0.self_attn.o_proj.weight", truncation / 8 / std::sqrt(2.0));
  expect_std(state, "model.layers.1.self_attn.o_proj.weight", truncation / 8 / std::sqrt(4.0));
  expect_std(state, "model.layers.1.mlp.down_proj.weight", truncation / std::sqrt(172.0) / std::sqrt(4.0));
  expect_std(state, "model.embed_tokens.weight", truncation / 8);
  EXPECT_LE(stats(state, "model.layers.0.self_attn.q_proj.weight").max, 3.0 / 8);
  const std::vector<std::string> texts = rule_texts("llama-tiny.json", "mitchell");
  EXPECT_TRUE(
      has(texts,
          "model.layers.1.self_attn.o_proj.weight=trunc_normal_(std=1/math.sqrt(64)/math.sqrt(2*(1+1)), "
          "a=-3*(1/math.sqrt(64)/math.sqrt(2*(1+1))), b=3*(1/math.sqrt(64)/math.sqrt(2*(1+1))))"));
}

// DeepNet (Wang et al. 2022): xavier_normal_ with gain beta = (8 N)^(-1/4) = 0.5 for N = 2 on v_proj,
// o_proj and the MLP; gain 1 on q_proj and k_proj. Xavier's std is gain * sqrt(2 / (fan_in + fan_out)).
TEST(TransformerPresets, DeepnormGivesBetaToValuesOutputsAndMlp) {
  const std::vector<NamedTensor> state = initialised("llama-tiny.json", "deepnorm");
  expect_std(state, "model.layers.0.self_attn.q_proj.weight", std::sqrt(2.0 / 128));
  expect_std(state, "model.layers.0.self_attn.v_proj.weight", 0.5 * std::sqrt(2.0 / 80), 0.1);
  expect_std(state, "model.layers.1.self_attn.o_proj.weight", 0.5 * std::sqrt(2.0 / 128));
  expect_std(state, "model.layers.1.mlp.down_proj.weight", 0.5 * std::sqrt(2.0 / 236));
  // GPT-2's c_attn holds q, k and v in one tensor: a rule cannot give v alone its gain.
  TorchGenerator generator(0);
  const nn::ModulePtr gpt2 = tiny("gpt2-tiny.json", generator);
  EXPECT_EQ(
      error_of([&] { transformer_preset_rules("deepnorm", *gpt2); }),
      "ValueError: preset 'deepnorm' scales v_proj apart from q_proj and k_proj, but "
      "transformer.h.0.attn.c_attn.weight holds all three in one tensor, which a rule cannot split; use a "
      "model with separate projections (a Llama-family config)");
}

// T-Fixup (Huang et al. 2020): Xavier uniform, v_proj, o_proj and the MLP scaled by 0.67 N^(-1/4);
// embeddings normal(0, d^(-1/2)) scaled the same.
TEST(TransformerPresets, TFixupScalesByNToTheMinusQuarter) {
  const double scale = 0.67 * std::pow(2.0, -0.25);
  const std::vector<NamedTensor> state = initialised("llama-tiny.json", "t-fixup");
  expect_std(state, "model.embed_tokens.weight", scale / 8);
  expect_std(state, "model.layers.0.self_attn.q_proj.weight", std::sqrt(2.0 / 128));
  expect_std(state, "model.layers.0.self_attn.v_proj.weight", scale * std::sqrt(2.0 / 80), 0.1);
  expect_std(state, "model.layers.1.mlp.up_proj.weight", scale * std::sqrt(2.0 / 236));
  EXPECT_LE(stats(state, "model.layers.1.mlp.up_proj.weight").max, scale * std::sqrt(6.0 / 236));
}

// Fixup (Zhang et al. 2019): each residual branch's last layer and the output head at 0; the other branch
// layers He normal, sqrt(2 / d_in), times L^(-1/(2m-2)) = (2 N)^(-1/2) = 0.5.
TEST(TransformerPresets, FixupZeroesBranchEndsAndScalesTheRest) {
  const std::vector<NamedTensor> state = initialised("llama-tiny.json", "fixup");
  expect_zero(state, "model.layers.0.self_attn.o_proj.weight");
  expect_zero(state, "model.layers.1.mlp.down_proj.weight");
  expect_zero(state, "lm_head.weight");
  expect_std(state, "model.layers.0.self_attn.q_proj.weight", std::sqrt(2.0 / 64) * 0.5);
  expect_std(state, "model.layers.1.mlp.gate_proj.weight", std::sqrt(2.0 / 64) * 0.5);
}

// ReZero and SkipInit start every block as the identity: the residual output projections (weight and bias)
// at 0; everything else keeps the model's own initialisation.
TEST(TransformerPresets, RezeroAndSkipinitZeroTheResidualBranches) {
  for (const char* preset : {"rezero", "skipinit"}) {
    const std::vector<NamedTensor> state = initialised("gpt2-tiny.json", preset);
    expect_zero(state, "transformer.h.0.attn.c_proj.weight");
    expect_zero(state, "transformer.h.0.attn.c_proj.bias");
    expect_zero(state, "transformer.h.1.mlp.c_proj.weight");
    expect_std(state, "transformer.h.1.attn.c_attn.weight", 0.02);
  }
}

TEST(TransformerPresets, UserRulesGivenFirstWin) {
  const std::vector<NamedTensor> state =
      initialised("gpt2-tiny.json", "gpt2", {"*.attn.c_proj.weight=normal_(std=0.5)"});
  expect_std(state, "transformer.h.0.attn.c_proj.weight", 0.5);
  expect_std(state, "transformer.h.0.mlp.c_proj.weight", 0.01);
}

// torch.nn's TransformerEncoder: the residual projections are self_attn.out_proj and linear2; 3 blocks give
// 0.02 / sqrt(6). in_proj_weight (q, k and v fused) gets 0.02.
TEST(TransformerPresets, Gpt2ReadsTorchTransformerEncoder) {
  TorchGenerator generator(0);
  const nn::ModulePtr model = expr::build_model(
      "TransformerEncoder(TransformerEncoderLayer(64, 4, dim_feedforward=128), 3)", generator);
  std::vector<expr::Rule> rules;
  for (const PresetRule& r : transformer_preset_rules("gpt2", *model)) rules.push_back(r.rule);
  expr::apply_rules(*model, rules, generator);
  const std::vector<NamedTensor> state = model->state_dict();
  expect_std(state, "layers.0.self_attn.out_proj.weight", 0.02 / std::sqrt(6.0));
  expect_std(state, "layers.2.linear2.weight", 0.02 / std::sqrt(6.0));
  expect_std(state, "layers.1.self_attn.in_proj_weight", 0.02);
  expect_zero(state, "layers.1.linear1.bias");
  EXPECT_EQ(stats(state, "layers.1.norm2.weight").min, 1.0);
}

// `init CONFIG --print-rules` reads the rules from the config's structure, allocating nothing: they are the
// rules of the built model.
TEST(TransformerPresets, AConfigsStructureGivesTheBuiltModelsRules) {
  for (const char* config : {"gpt2-tiny.json", "llama-tiny.json"}) {
    std::ifstream in(std::string(NNINIT_SOURCE_DIR) + "/examples/configs/" + config);
    std::stringstream text;
    text << in.rdbuf();
    const nn::ModulePtr structure = expr::hf_model_structure(expr::parse_hf_config(text.str()));
    for (const TransformerPreset& preset : transformer_presets()) {
      const bool fused =
          std::string(config) == "gpt2-tiny.json" && (preset.name == "deepnorm" || preset.name == "t-fixup");
      if (fused) continue;  // refused for both (DeepnormGivesBetaToValuesOutputsAndMlp)
      std::vector<std::string> from_structure;
      for (const PresetRule& r : transformer_preset_rules(preset.name, *structure))
        from_structure.push_back(r.rule.text);
      EXPECT_EQ(from_structure, rule_texts(config, preset.name)) << config << " " << preset.name;
    }
  }
}

TEST(TransformerPresets, EveryPresetNamesItsPaper) {
  ASSERT_EQ(transformer_presets().size(), 8u);
  for (const TransformerPreset& preset : transformer_presets()) {
    EXPECT_NE(preset.paper.find(" 20"), std::string::npos) << preset.name;  // "Author et al. 2019, Title"
    EXPECT_EQ(find_transformer_preset(preset.name), &preset);
  }
  EXPECT_EQ(find_transformer_preset("xavier"), nullptr);
}

TEST(TransformerPresets, AModelWithoutBlocksIsAnError) {
  TorchGenerator generator(0);
  const nn::ModulePtr mlp = expr::build_model("Sequential(Linear(4, 4), ReLU(), Linear(4, 2))", generator);
  EXPECT_EQ(error_of([&] { transformer_preset_rules("gpt2", *mlp); }),
            "ValueError: preset 'gpt2' reads a transformer: a ModuleList of blocks with residual output "
            "projections "
            "(c_proj, o_proj, down_proj, out_proj, linear2); Sequential has none");
}

}  // namespace
}  // namespace nninit::diag
