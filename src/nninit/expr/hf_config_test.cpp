#include "nninit/expr/hf_config.h"

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "nninit/core/tensor_statistics.h"
#include "nninit/nn/layer_test_support.h"
#include "nninit/random/torch_generator.h"

namespace nninit::expr {
namespace {
using nn::testing::error_of;

std::string example(const std::string& name) {
  std::ifstream in(std::string(NNINIT_SOURCE_DIR) + "/examples/configs/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

const Tensor& find(const std::vector<NamedTensor>& tensors, const std::string& name) {
  for (const NamedTensor& t : tensors) {
    if (t.name == name) return t.tensor;
  }
  throw std::runtime_error("no tensor " + name);
}

// The totals Hugging Face publishes for these checkpoints (GPT-2's model card: 124M, counted as
// sum(p.numel() for p in model.parameters()) = 124,439,808; Llama 2's paper and model card: 6.74B =
// 6,738,415,616), computed from the shapes alone: nothing is allocated.
TEST(HfConfig, Gpt2SmallHas124439808Parameters) {
  const HfConfig config = parse_hf_config(example("gpt2.json"));
  EXPECT_EQ(hf_class_name(config), "GPT2LMHeadModel");
  EXPECT_EQ(hf_parameter_count(config), 124'439'808);
  const std::vector<HfParameter> parameters = hf_parameters(config);
  EXPECT_EQ(parameters.front().name, "transformer.wte.weight");
  EXPECT_EQ(parameters.back().name, "lm_head.weight");
  EXPECT_EQ(parameters.back().tied_to, "transformer.wte.weight");
  EXPECT_EQ(parameters[4].name, "transformer.h.0.attn.c_attn.weight");
  EXPECT_EQ(parameters[4].shape, (Shape{768, 2304}));  // Conv1D: (in, out)
}

TEST(HfConfig, Llama2SevenBillionHas6738415616Parameters) {
  const HfConfig config = parse_hf_config(example("llama-2-7b.json"));
  EXPECT_EQ(hf_class_name(config), "LlamaForCausalLM");
  EXPECT_EQ(hf_parameter_count(config), 6'738'415'616);
  EXPECT_EQ(config.torch_dtype, DType::float16);
  const std::vector<HfParameter> parameters = hf_parameters(config);
  EXPECT_EQ(parameters.back().name, "lm_head.weight");
  EXPECT_EQ(parameters.back().tied_to, "");
  EXPECT_EQ(parameters[1].name, "model.layers.0.self_attn.q_proj.weight");
  EXPECT_EQ(parameters[1].shape, (Shape{4096, 4096}));
}

// The built tree holds exactly the parameters the shapes promise, in the same order and under the same names.
void expect_tree_matches_shapes(const HfConfig& config, const nn::Module& model) {
  std::vector<HfParameter> expected;
  for (const HfParameter& p : hf_parameters(config)) {
    if (p.tied_to.empty()) expected.push_back(p);
  }
  const std::vector<NamedTensor> built = model.named_parameters();
  ASSERT_EQ(built.size(), expected.size());
  for (std::size_t i = 0; i < built.size(); ++i) {
    EXPECT_EQ(built[i].name, expected[i].name);
    EXPECT_EQ(built[i].tensor.sizes(), expected[i].shape) << expected[i].name;
  }
}

TEST(HfConfig, TinyGpt2InitialisesAsInitWeightsDoes) {
  const HfConfig config = parse_hf_config(example("gpt2-tiny.json"));
  TorchGenerator generator(0);
  const nn::ModulePtr model = build_hf_model(config, generator);
  expect_tree_matches_shapes(config, *model);
  const std::vector<NamedTensor> state = model->state_dict();
  EXPECT_TRUE(nn::same_tensor(find(state, "lm_head.weight"), find(state, "transformer.wte.weight")));
  // normal_(0, 0.02) for embeddings and Conv1D weights; the residual projections c_proj get
  // 0.02 / sqrt(2 n_layer) = 0.01 (n_layer 2). Sample std within 6% (about 4 standard errors at 4096
  // elements).
  const auto expect_std = [&](const std::string& name, double std) {
    EXPECT_NEAR(statistics(find(state, name)).std, std, 0.06 * std) << name;
  };
  expect_std("transformer.wte.weight", 0.02);
  expect_std("transformer.wpe.weight", 0.02);
  expect_std("transformer.h.1.attn.c_attn.weight", 0.02);
  expect_std("transformer.h.1.mlp.c_fc.weight", 0.02);
  expect_std("transformer.h.0.attn.c_proj.weight", 0.02);
  expect_std("transformer.h.1.mlp.c_proj.weight", 0.02);
  const TensorStatistics bias = statistics(find(state, "transformer.h.0.mlp.c_fc.bias"));
  EXPECT_EQ(bias.zero_fraction, 1.0);
  const TensorStatistics norm = statistics(find(state, "transformer.ln_f.weight"));
  EXPECT_EQ(norm.min, 1.0);
  EXPECT_EQ(norm.max, 1.0);
}

TEST(HfConfig, TinyLlamaHasGroupedQueryAttentionAndItsOwnHead) {
  const HfConfig config = parse_hf_config(example("llama-tiny.json"));
  TorchGenerator generator(0);
  const nn::ModulePtr model = build_hf_model(config, generator);
  expect_tree_matches_shapes(config, *model);
  const std::vector<NamedTensor> state = model->state_dict();
  // 8 heads of 8 share 2 key/value heads: k_proj and v_proj are (2 * 8, 64).
  EXPECT_EQ(find(state, "model.layers.0.self_attn.k_proj.weight").sizes(), (Shape{16, 64}));
  EXPECT_EQ(find(state, "model.layers.0.self_attn.q_proj.weight").sizes(), (Shape{64, 64}));
  EXPECT_FALSE(nn::same_tensor(find(state, "lm_head.weight"), find(state, "model.embed_tokens.weight")));
  for (const char* name : {"model.embed_tokens.weight", "model.layers.1.mlp.down_proj.weight",
                           "model.layers.1.self_attn.o_proj.weight", "lm_head.weight"}) {
    EXPECT_NEAR(statistics(find(state, name)).std, 0.02, 0.06 * 0.02) << name;
  }
  const TensorStatistics norm = statistics(find(state, "model.layers.0.post_attention_layernorm.weight"));
  EXPECT_EQ(norm.min, 1.0);
  EXPECT_EQ(norm.max, 1.0);
  EXPECT_EQ(config.torch_dtype, DType::bfloat16);
}

// The structure-only tree is the built tree without the values: the same modules (names and classes) and
// the same state_dict names, shapes and ties.
TEST(HfConfig, StructureIsTheBuiltTreeWithoutValues) {
  const std::string bare_gpt2 = R"({"model_type": "gpt2", "architectures": ["GPT2Model"], "vocab_size": 50,
      "n_positions": 16, "n_embd": 32, "n_layer": 3, "n_head": 2})";
  const std::string tied_qwen2 = R"({"model_type": "qwen2", "vocab_size": 90, "hidden_size": 32,
      "intermediate_size": 48, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
      "tie_word_embeddings": true})";
  for (const std::string& json :
       {example("gpt2-tiny.json"), example("llama-tiny.json"), bare_gpt2, tied_qwen2}) {
    const HfConfig config = parse_hf_config(json);
    TorchGenerator generator(0);
    const nn::ModulePtr built = build_hf_model(config, generator);
    const nn::ModulePtr structure = hf_model_structure(config);
    std::vector<std::string> built_modules;
    std::vector<std::string> structure_modules;
    for (const nn::NamedModule& m : built->named_modules())
      built_modules.push_back(m.name + " " + m.module->type_name());
    for (const nn::NamedModule& m : structure->named_modules()) {
      structure_modules.push_back(m.name + " " + m.module->type_name());
    }
    EXPECT_EQ(structure_modules, built_modules) << config.model_type;
    const std::vector<NamedTensor> built_state = built->state_dict();
    const std::vector<NamedTensor> structure_state = structure->state_dict();
    ASSERT_EQ(structure_state.size(), built_state.size());
    for (std::size_t i = 0; i < built_state.size(); ++i) {
      EXPECT_EQ(structure_state[i].name, built_state[i].name);
      EXPECT_EQ(structure_state[i].tensor.sizes(), built_state[i].tensor.sizes());
    }
    EXPECT_EQ(structure->named_parameters().size(), built->named_parameters().size()) << config.model_type;
  }
}

TEST(HfConfig, PaddingRowIsZero) {
  const HfConfig config = parse_hf_config(R"({"model_type": "mistral", "vocab_size": 10, "hidden_size": 8,
      "intermediate_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2, "pad_token_id": 3})");
  TorchGenerator generator(0);
  const nn::ModulePtr model = build_hf_model(config, generator);
  const std::vector<NamedTensor> state = model->state_dict();
  const Tensor& table = find(state, "model.embed_tokens.weight");
  EXPECT_EQ(statistics(table.select(0, 3)).zero_fraction, 1.0);
  EXPECT_EQ(statistics(table.select(0, 2)).zero_fraction, 0.0);
}

std::vector<std::string> names(const std::string& json) {
  std::vector<std::string> out;
  for (const HfParameter& p : hf_parameters(parse_hf_config(json))) out.push_back(p.name);
  return out;
}

TEST(HfConfig, BiasFlagsFollowEachFamily) {
  const std::string sizes = R"("vocab_size": 10, "hidden_size": 8, "intermediate_size": 16,
      "num_hidden_layers": 1, "num_attention_heads": 2, "architectures": )";
  // Qwen2: q, k and v have a bias, o_proj and the MLP none.
  const std::vector<std::string> qwen2 = names(R"({"model_type": "qwen2", )" + sizes + R"(["Qwen2Model"]})");
  EXPECT_EQ(qwen2,
            (std::vector<std::string>{"embed_tokens.weight", "layers.0.self_attn.q_proj.weight",
                                      "layers.0.self_attn.q_proj.bias", "layers.0.self_attn.k_proj.weight",
                                      "layers.0.self_attn.k_proj.bias", "layers.0.self_attn.v_proj.weight",
                                      "layers.0.self_attn.v_proj.bias", "layers.0.self_attn.o_proj.weight",
                                      "layers.0.mlp.gate_proj.weight", "layers.0.mlp.up_proj.weight",
                                      "layers.0.mlp.down_proj.weight", "layers.0.input_layernorm.weight",
                                      "layers.0.post_attention_layernorm.weight", "norm.weight"}));
  const std::vector<std::string> llama = names(
      R"({"model_type": "llama", "attention_bias": true, "mlp_bias": true, )" + sizes + R"(["LlamaModel"]})");
  EXPECT_EQ(llama.size(), 18u);  // Qwen2's 14 plus o_proj's bias and the MLP's 3
  EXPECT_EQ(llama[8], "layers.0.self_attn.o_proj.bias");
  const std::vector<std::string> mistral =
      names(R"({"model_type": "mistral", )" + sizes + R"(["MistralModel"]})");
  EXPECT_EQ(mistral.size(), 11u);
}

TEST(HfConfig, ErrorsNameTheKey) {
  const auto error = [](const std::string& json) { return error_of([&] { parse_hf_config(json); }); };
  EXPECT_EQ(error(R"({"model_type": "bert"})"),
            "ValueError: Hugging Face config: key 'model_type': 'bert' is not a model nninit builds; "
            "expected gpt2, "
            "llama, mistral or qwen2");
  EXPECT_EQ(error(R"({"n_embd": 8})"), "ValueError: Hugging Face config: missing key 'model_type'");
  EXPECT_EQ(error(R"({"model_type": "gpt2", "vocab_size": 10, "n_positions": 4, "n_embd": 8, "n_head": 2})"),
            "ValueError: Hugging Face config (model_type 'gpt2'): missing key 'n_layer'");
  EXPECT_EQ(
      error(R"({"model_type": "gpt2", "vocab_size": 10, "n_positions": 4, "n_embd": 8, "n_layer": "2"})"),
      "ValueError: Hugging Face config (model_type 'gpt2'): key 'n_layer' must be a positive integer, not "
      "\"2\"");
  EXPECT_EQ(
      error(R"({"model_type": "gpt2", "vocab_size": 10, "n_positions": 4, "n_embd": 8, "n_layer": 1,
                      "n_head": 3})"),
      "ValueError: Hugging Face config (model_type 'gpt2'): 'n_embd' (8) is not divisible by 'n_head' (3)");
  EXPECT_EQ(
      error(R"({"model_type": "llama", "vocab_size": 10, "hidden_size": 8, "intermediate_size": 16,
                      "num_hidden_layers": 1, "num_attention_heads": 4, "num_key_value_heads": 3})"),
      "ValueError: Hugging Face config (model_type 'llama'): 'num_attention_heads' (4) is not divisible by "
      "'num_key_value_heads' (3)");
  EXPECT_EQ(error(R"({"model_type": "llama", "vocab_size": 10, "hidden_size": 8, "intermediate_size": 16,
                      "num_hidden_layers": 1, "num_attention_heads": 2, "tie_word_embeddings": 1})"),
            "ValueError: Hugging Face config (model_type 'llama'): key 'tie_word_embeddings' must be true or "
            "false, "
            "not 1");
  EXPECT_EQ(error(R"({"model_type": "gpt2", "vocab_size": 10, "n_positions": 4, "n_embd": 8, "n_layer": 1,
                      "n_head": 2, "architectures": ["GPT2ForSequenceClassification"]})"),
            "ValueError: Hugging Face config (model_type 'gpt2'): key 'architectures' must be "
            "[\"GPT2LMHeadModel\"] "
            "or [\"GPT2Model\"], not [\"GPT2ForSequenceClassification\"]");
  EXPECT_TRUE(
      error("{\"model_type\": \"gpt2\",}").starts_with("ValueError: Hugging Face config: not valid JSON: "));
}

}  // namespace
}  // namespace nninit::expr
