// Hugging Face model configurations (config.json): GPT-2 and the Llama family (llama, mistral, qwen2), built
// as `transformers` builds them: its parameter names, shapes and module order, PyTorch's default draws in
// construction order, then the model's `_init_weights` over the tree, then the tied output embedding.
//
//   std::ifstream file("examples/configs/gpt2.json");
//   const HfConfig config = parse_hf_config(std::string(std::istreambuf_iterator<char>(file), {}));
//   for (const HfParameter& p : hf_parameters(config)) ...       // names and shapes, nothing allocated
//   hf_parameter_count(config);                                   // 124439808 for GPT-2 124M
//   TorchGenerator generator(0);                                  // torch.manual_seed(0)
//   nn::ModulePtr model = build_hf_model(config, generator);      // GPT2LMHeadModel(GPT2Config(...))
//
// The order is transformers 5's (held bit for bit against transformers 5.12.1 with PyTorch 2.14): the body
// (GPT2Model, LlamaModel) is constructed, drawing PyTorch's defaults (Embedding normal_(0, 1), Linear
// kaiming_uniform_, GPT-2's Conv1D normal_(0, 0.02)), and initialised by its own post_init(): its modules
// in post-order, each by `_init_weights`:
//   Linear, GPT-2's Conv1D   weight normal_(0, initializer_range), bias zero_()
//   Embedding                weight normal_(0, initializer_range), the padding_idx row zero_()
//   LayerNorm, RMSNorm       weight fill_(1), bias zero_()
// Then lm_head is constructed (kaiming_uniform_), initialised the same way, and tied: lm_head.weight becomes
// the input embedding's tensor unless tie_word_embeddings is false. GPT-2's Conv1D holds its weight as
// (in, out), transposed against Linear's (out, in).
//
// GPT-2's residual scaling (c_proj weights at initializer_range / sqrt(2 n_layer), Radford et al. 2019) is
// not applied: transformers 4 did it, but transformers 5 tests the name "c_proj.weight" only on
// PreTrainedModel modules, whose names are "h.0.attn.c_proj.weight", so it never fires. `--preset gpt2`
// (diag/transformer_presets.h) gives the scaled init as a rule set.
//
// Keys: the sizes are required (a missing one is a ValueError naming it); flags take transformers' defaults
// (tie_word_embeddings: GPT-2 true, Llama family false; num_key_value_heads: num_attention_heads; head_dim:
// hidden_size / num_attention_heads; initializer_range 0.02). A key of the wrong type, a non-positive size
// or sizes that contradict each other (n_embd not divisible by n_head, num_attention_heads not divisible by
// num_key_value_heads) are ValueErrors naming the keys.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nninit/core/dtype.h"
#include "nninit/core/tensor.h"
#include "nninit/nn/module.h"
#include "nninit/random/generator.h"

namespace nninit::expr {

enum class HfFamily { gpt2, llama };

struct HfConfig {
  std::string model_type{};  // "gpt2", "llama", "mistral", "qwen2"
  HfFamily family = HfFamily::gpt2;
  std::string class_prefix{};  // transformers' class names: "GPT2", "Llama", "Mistral", "Qwen2"
  bool lm_head = true;         // *LMHeadModel / *ForCausalLM; false for the bare GPT2Model / LlamaModel
  std::int64_t vocab_size = 0;
  std::int64_t hidden_size = 0;                // n_embd
  std::int64_t num_layers = 0;                 // n_layer, num_hidden_layers
  std::int64_t num_heads = 0;                  // n_head, num_attention_heads
  std::int64_t num_kv_heads = 0;               // num_key_value_heads (GPT-2: num_heads)
  std::int64_t head_dim = 0;                   // hidden_size / num_heads unless given
  std::int64_t intermediate_size = 0;          // n_inner (default 4 n_embd), intermediate_size
  std::int64_t max_positions = 0;              // GPT-2's n_positions (its position embedding); 0 for Llama
  std::optional<std::int64_t> pad_token_id{};  // the Llama family's embedding padding_idx
  bool tie_word_embeddings = true;
  bool qkv_bias = true;     // GPT-2: always; llama: attention_bias; qwen2: true; mistral: false
  bool output_bias = true;  // o_proj / attn.c_proj bias
  bool mlp_bias = true;     // GPT-2: always; llama: mlp_bias
  double initializer_range = 0.02;
  double norm_eps = 1e-5;  // layer_norm_epsilon, rms_norm_eps
  // "dtype" (or "torch_dtype"): what transformers 5's from_config builds in, and init's default --dtype
  std::optional<DType> torch_dtype{};
};

// Reads a config.json document. ValueError naming the key for anything missing, mistyped or inconsistent,
// and for a model_type nninit does not build.
HfConfig parse_hf_config(std::string_view json_text);

// One parameter of the model, in named_parameters() order, as state_dict() names it.
struct HfParameter {
  std::string name{};
  Shape shape{};
  std::string tied_to{};  // the tensor it shares (lm_head.weight when tied); empty otherwise
};

// Every state_dict() entry's name and shape, computed from the config alone.
std::vector<HfParameter> hf_parameters(const HfConfig& config);
// sum(p.numel() for p in model.parameters()): tied tensors counted once.
std::int64_t hf_parameter_count(const HfConfig& config);

// transformers' `XForCausalLM(config)` (or the bare model): construction draws from `generator` in
// transformers' order, then _init_weights and tie_weights as above. Layers that hold no parameters
// (dropout, activations, rotary embeddings) are left out of the tree.
nn::ModulePtr build_hf_model(const HfConfig& config, Generator& generator);

// The same module tree with nothing allocated and nothing drawn: each parameter is a view of an element of
// its own with zero strides, so names, module types, shapes and the tying are there for reading the structure
// (the transformer presets' rules for a 7B config), and no value may be read or written.
nn::ModulePtr hf_model_structure(const HfConfig& config);

// transformers' class name of the built model: "GPT2LMHeadModel", "LlamaForCausalLM", "Qwen2Model".
std::string hf_class_name(const HfConfig& config);

}  // namespace nninit::expr
