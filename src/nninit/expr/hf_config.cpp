#include "nninit/expr/hf_config.h"

#include <algorithm>
#include <memory>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "nninit/core/error.h"
#include "nninit/init/init.h"
#include "nninit/nn/container.h"
#include "nninit/nn/linear.h"
#include "nninit/nn/normalization.h"
#include "nninit/nn/sparse.h"

namespace nninit::expr {

namespace {

using Json = nlohmann::json;

// The keys of one config document, each read once with a message that names it.
class ConfigKeys {
 public:
  ConfigKeys(const Json& json, std::string model_type) : json_(json), model_type_(std::move(model_type)) {}

  bool has(const char* key) const { return json_.contains(key) && !json_.at(key).is_null(); }

  std::int64_t size(const char* key) const {
    if (!has(key)) throw error(fmt::format("missing key '{}'", key));
    return positive(key);
  }
  std::int64_t size_or(const char* key, std::int64_t fallback) const {
    return has(key) ? positive(key) : fallback;
  }
  std::optional<std::int64_t> optional_integer(const char* key) const {
    if (!has(key)) return std::nullopt;
    const Json& value = json_.at(key);
    if (!value.is_number_integer())
      throw error(fmt::format("key '{}' must be an integer, not {}", key, value.dump()));
    return value.get<std::int64_t>();
  }
  bool flag_or(const char* key, bool fallback) const {
    if (!has(key)) return fallback;
    const Json& value = json_.at(key);
    if (!value.is_boolean())
      throw error(fmt::format("key '{}' must be true or false, not {}", key, value.dump()));
    return value.get<bool>();
  }
  double positive_number_or(const char* key, double fallback) const {
    if (!has(key)) return fallback;
    const Json& value = json_.at(key);
    if (!value.is_number() || !(value.get<double>() > 0)) {
      throw error(fmt::format("key '{}' must be a positive number, not {}", key, value.dump()));
    }
    return value.get<double>();
  }
  const Json& at(const char* key) const { return json_.at(key); }

  ValueError error(const std::string& message) const {
    return ValueError(fmt::format("Hugging Face config (model_type '{}'): {}", model_type_, message));
  }

 private:
  std::int64_t positive(const char* key) const {
    const Json& value = json_.at(key);
    if (!value.is_number_integer() || value.get<std::int64_t>() <= 0) {
      throw error(fmt::format("key '{}' must be a positive integer, not {}", key, value.dump()));
    }
    return value.get<std::int64_t>();
  }

  const Json& json_;
  std::string model_type_;
};

// transformers 5 writes "dtype", earlier releases "torch_dtype".
std::optional<DType> parse_torch_dtype(const ConfigKeys& keys) {
  const char* key = keys.has("dtype") ? "dtype" : "torch_dtype";
  if (!keys.has(key)) return std::nullopt;
  const Json& value = keys.at(key);
  if (value.is_string()) {
    const std::string name = value.get<std::string>();
    if (name == "float32") return DType::float32;
    if (name == "float16") return DType::float16;
    if (name == "bfloat16") return DType::bfloat16;
    if (name == "float64") return DType::float64;
  }
  throw keys.error(fmt::format(
      "key '{}' must be \"float32\", \"float16\", \"bfloat16\" or \"float64\", not {}", key, value.dump()));
}

// The class `architectures` names decides the head: XLMHeadModel or XForCausalLM, or the bare XModel.
void read_architecture(const ConfigKeys& keys, HfConfig& config) {
  if (!keys.has("architectures")) return;
  const Json& value = keys.at("architectures");
  const std::string head = config.family == HfFamily::gpt2 ? "LMHeadModel" : "ForCausalLM";
  const std::string with_head = config.class_prefix + head;
  const std::string bare = config.class_prefix + "Model";
  if (value.is_array() && value.size() == 1 && value.at(0).is_string()) {
    const std::string name = value.at(0).get<std::string>();
    if (name == with_head || name == bare) {
      config.lm_head = name == with_head;
      return;
    }
  }
  throw keys.error(
      fmt::format("key 'architectures' must be [\"{}\"] or [\"{}\"], not {}", with_head, bare, value.dump()));
}

void read_gpt2(const ConfigKeys& keys, HfConfig& config) {
  config.family = HfFamily::gpt2;
  config.class_prefix = "GPT2";
  config.vocab_size = keys.size("vocab_size");
  config.max_positions = keys.size("n_positions");
  config.hidden_size = keys.size("n_embd");
  config.num_layers = keys.size("n_layer");
  config.num_heads = keys.size("n_head");
  if (config.hidden_size % config.num_heads != 0) {
    throw keys.error(
        fmt::format("'n_embd' ({}) is not divisible by 'n_head' ({})", config.hidden_size, config.num_heads));
  }
  config.num_kv_heads = config.num_heads;
  config.head_dim = config.hidden_size / config.num_heads;
  config.intermediate_size = keys.size_or("n_inner", 4 * config.hidden_size);
  config.tie_word_embeddings = keys.flag_or("tie_word_embeddings", true);
  config.norm_eps = keys.positive_number_or("layer_norm_epsilon", 1e-5);
}

void read_llama_family(const ConfigKeys& keys, HfConfig& config) {
  config.family = HfFamily::llama;
  config.class_prefix = config.model_type == "llama"     ? "Llama"
                        : config.model_type == "mistral" ? "Mistral"
                                                         : "Qwen2";
  config.vocab_size = keys.size("vocab_size");
  config.hidden_size = keys.size("hidden_size");
  config.intermediate_size = keys.size("intermediate_size");
  config.num_layers = keys.size("num_hidden_layers");
  config.num_heads = keys.size("num_attention_heads");
  config.num_kv_heads = keys.size_or("num_key_value_heads", config.num_heads);
  if (config.num_heads % config.num_kv_heads != 0) {
    throw keys.error(fmt::format("'num_attention_heads' ({}) is not divisible by 'num_key_value_heads' ({})",
                                 config.num_heads, config.num_kv_heads));
  }
  if (keys.has("head_dim")) {
    config.head_dim = keys.size("head_dim");
  } else if (config.hidden_size % config.num_heads != 0) {
    throw keys.error(
        fmt::format("'hidden_size' ({}) is not divisible by 'num_attention_heads' ({}) and no "
                    "'head_dim' is given",
                    config.hidden_size, config.num_heads));
  } else {
    config.head_dim = config.hidden_size / config.num_heads;
  }
  config.tie_word_embeddings = keys.flag_or("tie_word_embeddings", false);
  if (config.model_type == "llama") {
    config.qkv_bias = config.output_bias = keys.flag_or("attention_bias", false);
    config.mlp_bias = keys.flag_or("mlp_bias", false);
  } else {
    // Mistral's projections have no bias; Qwen2's q, k and v have one, its o_proj and MLP none.
    config.qkv_bias = config.model_type == "qwen2";
    config.output_bias = false;
    config.mlp_bias = false;
  }
  config.pad_token_id = keys.optional_integer("pad_token_id");
  if (config.pad_token_id &&
      (*config.pad_token_id < -config.vocab_size || *config.pad_token_id >= config.vocab_size)) {
    throw keys.error(fmt::format("'pad_token_id' ({}) is outside the vocabulary ('vocab_size' {})",
                                 *config.pad_token_id, config.vocab_size));
  }
  config.norm_eps = keys.positive_number_or("rms_norm_eps", 1e-6);
}

// A module of transformers' own that holds only children: GPT2Block, LlamaAttention, ...
class HfContainer : public nn::Layer<HfContainer> {
 public:
  explicit HfContainer(std::string type_name) : Layer(std::move(type_name)) {}
  std::vector<std::string> python_bases() const override { return {}; }
};

// transformers' Conv1D(nf, nx): a Linear whose weight is stored (nx, nf), i.e. (in, out). Its constructor
// draws normal_(weight, std=0.02) and sets the bias to zeros.
class Conv1D : public nn::Layer<Conv1D> {
 public:
  Conv1D(std::int64_t nf, std::int64_t nx, DType dtype, Generator& generator)
      : Layer("Conv1D"), nf_(nf), nx_(nx) {
    register_parameter("weight", Tensor::empty({nx, nf}, dtype));
    register_parameter("bias", Tensor::zeros({nf}, dtype));
    init::normal_(parameter("weight"), {.std = 0.02}, generator);
  }
  std::vector<std::string> python_bases() const override { return {}; }
  std::string extra_repr() const override { return fmt::format("nf={}, nx={}", nf_, nx_); }

 private:
  std::int64_t nf_;
  std::int64_t nx_;
};

// LlamaRMSNorm(hidden_size, eps): weight = ones(hidden_size); no draw.
class HfRmsNorm : public nn::Layer<HfRmsNorm> {
 public:
  HfRmsNorm(const std::string& prefix, std::int64_t size, double eps, DType dtype)
      : Layer(prefix + "RMSNorm"), size_(size), eps_(eps) {
    register_parameter("weight", Tensor::full({size}, 1.0, dtype));
  }
  std::vector<std::string> python_bases() const override { return {}; }
  std::string extra_repr() const override { return fmt::format("({},), eps={}", size_, eps_); }

 private:
  std::int64_t size_;
  double eps_;
};

constexpr DType kDType = DType::float32;  // transformers builds in torch's default dtype

nn::ModulePtr linear(std::int64_t in, std::int64_t out, bool bias, Generator& generator) {
  return std::make_shared<nn::Linear>(
      nn::LinearOptions{.in_features = in, .out_features = out, .bias = bias, .dtype = kDType}, generator);
}

nn::ModulePtr embedding(std::int64_t count, std::int64_t dim, std::optional<std::int64_t> padding_idx,
                        Generator& generator) {
  return std::make_shared<nn::Embedding>(
      nn::EmbeddingOptions{
          .num_embeddings = count, .embedding_dim = dim, .padding_idx = padding_idx, .dtype = kDType},
      generator);
}

nn::ModulePtr build_gpt2_body(const HfConfig& c, Generator& g) {
  auto body = std::make_shared<HfContainer>("GPT2Model");
  body->register_module("wte", embedding(c.vocab_size, c.hidden_size, std::nullopt, g));
  body->register_module("wpe", embedding(c.max_positions, c.hidden_size, std::nullopt, g));
  auto blocks = std::make_shared<nn::ModuleList>();
  const nn::LayerNormOptions norm{.normalized_shape = {c.hidden_size}, .eps = c.norm_eps, .dtype = kDType};
  for (std::int64_t i = 0; i < c.num_layers; ++i) {
    auto block = std::make_shared<HfContainer>("GPT2Block");
    block->register_module("ln_1", std::make_shared<nn::LayerNorm>(norm, g));
    auto attention = std::make_shared<HfContainer>("GPT2Attention");
    attention->register_module("c_attn",
                               std::make_shared<Conv1D>(3 * c.hidden_size, c.hidden_size, kDType, g));
    attention->register_module("c_proj", std::make_shared<Conv1D>(c.hidden_size, c.hidden_size, kDType, g));
    block->register_module("attn", attention);
    block->register_module("ln_2", std::make_shared<nn::LayerNorm>(norm, g));
    auto mlp = std::make_shared<HfContainer>("GPT2MLP");
    mlp->register_module("c_fc", std::make_shared<Conv1D>(c.intermediate_size, c.hidden_size, kDType, g));
    mlp->register_module("c_proj", std::make_shared<Conv1D>(c.hidden_size, c.intermediate_size, kDType, g));
    block->register_module("mlp", mlp);
    blocks->push_back(block);
  }
  body->register_module("h", blocks);
  body->register_module("ln_f", std::make_shared<nn::LayerNorm>(norm, g));
  return body;
}

nn::ModulePtr build_llama_body(const HfConfig& c, Generator& g) {
  auto body = std::make_shared<HfContainer>(c.class_prefix + "Model");
  body->register_module("embed_tokens", embedding(c.vocab_size, c.hidden_size, c.pad_token_id, g));
  auto layers = std::make_shared<nn::ModuleList>();
  const std::int64_t q_size = c.num_heads * c.head_dim;
  const std::int64_t kv_size = c.num_kv_heads * c.head_dim;
  for (std::int64_t i = 0; i < c.num_layers; ++i) {
    auto layer = std::make_shared<HfContainer>(c.class_prefix + "DecoderLayer");
    auto attention = std::make_shared<HfContainer>(c.class_prefix + "Attention");
    attention->register_module("q_proj", linear(c.hidden_size, q_size, c.qkv_bias, g));
    attention->register_module("k_proj", linear(c.hidden_size, kv_size, c.qkv_bias, g));
    attention->register_module("v_proj", linear(c.hidden_size, kv_size, c.qkv_bias, g));
    attention->register_module("o_proj", linear(q_size, c.hidden_size, c.output_bias, g));
    layer->register_module("self_attn", attention);
    auto mlp = std::make_shared<HfContainer>(c.class_prefix + "MLP");
    mlp->register_module("gate_proj", linear(c.hidden_size, c.intermediate_size, c.mlp_bias, g));
    mlp->register_module("up_proj", linear(c.hidden_size, c.intermediate_size, c.mlp_bias, g));
    mlp->register_module("down_proj", linear(c.intermediate_size, c.hidden_size, c.mlp_bias, g));
    layer->register_module("mlp", mlp);
    layer->register_module("input_layernorm",
                           std::make_shared<HfRmsNorm>(c.class_prefix, c.hidden_size, c.norm_eps, kDType));
    layer->register_module("post_attention_layernorm",
                           std::make_shared<HfRmsNorm>(c.class_prefix, c.hidden_size, c.norm_eps, kDType));
    layers->push_back(layer);
  }
  body->register_module("layers", layers);
  body->register_module("norm",
                        std::make_shared<HfRmsNorm>(c.class_prefix, c.hidden_size, c.norm_eps, kDType));
  return body;
}

// One module's share of PreTrainedModel._init_weights (see the header).
void init_weights(const HfConfig& config, nn::Module& module, Generator& generator) {
  const init::NormalOptions normal{.mean = 0.0, .std = config.initializer_range};
  if (module.is_instance("Linear") || module.type_name() == "Conv1D") {
    init::normal_(module.parameter("weight"), normal, generator);
    if (module.has_parameter("bias")) init::zeros_(module.parameter("bias"));
  } else if (auto* table = dynamic_cast<nn::Embedding*>(&module)) {
    init::normal_(table->weight(), normal, generator);
    if (table->options().padding_idx) init::zeros_(table->weight().select(0, *table->options().padding_idx));
  } else if (module.is_instance("LayerNorm")) {
    init::ones_(module.parameter("weight"));
    init::zeros_(module.parameter("bias"));
  } else if (dynamic_cast<HfRmsNorm*>(&module) != nullptr) {
    init::ones_(module.parameter("weight"));
  }
}

std::string head_name(const HfConfig& config) {
  return config.family == HfFamily::gpt2 ? "LMHeadModel" : "ForCausalLM";
}

std::string body_name(const HfConfig& config) {
  return config.family == HfFamily::gpt2 ? "transformer" : "model";
}

std::string embedding_name(const HfConfig& config) {
  return config.family == HfFamily::gpt2 ? "wte.weight" : "embed_tokens.weight";
}

// The class of the module that holds parameter `leaf` ("c_attn", "q_proj", "ln_f") in a config's tree.
std::string layer_type(const HfConfig& config, std::string_view leaf) {
  if (leaf == "wte" || leaf == "wpe" || leaf == "embed_tokens") return "Embedding";
  if (leaf == "lm_head") return "Linear";
  if (config.family == HfFamily::gpt2) return leaf.starts_with("ln_") ? "LayerNorm" : "Conv1D";
  return leaf.ends_with("_proj") ? "Linear" : config.class_prefix + "RMSNorm";
}

// The class of a module that holds modules: "GPT2Model", "ModuleList", "LlamaDecoderLayer", "GPT2MLP".
std::string container_type(const HfConfig& config, std::string_view name, std::string_view parent_type) {
  const std::string& prefix = config.class_prefix;
  if (name == "h" || name == "layers") return "ModuleList";
  if (parent_type == "ModuleList")
    return prefix + (config.family == HfFamily::gpt2 ? "Block" : "DecoderLayer");
  if (name == "mlp") return prefix + "MLP";
  if (name == "attn" || name == "self_attn") return prefix + "Attention";
  return prefix + "Model";
}

}  // namespace

HfConfig parse_hf_config(std::string_view json_text) {
  Json json;
  try {
    json = Json::parse(json_text);
  } catch (const Json::parse_error& e) {
    throw ValueError(fmt::format("Hugging Face config: not valid JSON: {}", e.what()));
  }
  if (!json.is_object())
    throw ValueError("Hugging Face config: expected a JSON object ({\"model_type\": ...})");
  if (!json.contains("model_type")) throw ValueError("Hugging Face config: missing key 'model_type'");
  if (!json.at("model_type").is_string()) {
    throw ValueError(fmt::format("Hugging Face config: key 'model_type' must be a string, not {}",
                                 json.at("model_type").dump()));
  }
  HfConfig config;
  config.model_type = json.at("model_type").get<std::string>();
  const ConfigKeys keys(json, config.model_type);
  if (config.model_type == "gpt2") {
    read_gpt2(keys, config);
  } else if (config.model_type == "llama" || config.model_type == "mistral" || config.model_type == "qwen2") {
    read_llama_family(keys, config);
  } else {
    throw ValueError(
        fmt::format("Hugging Face config: key 'model_type': '{}' is not a model nninit builds; expected "
                    "gpt2, llama, mistral or "
                    "qwen2",
                    config.model_type));
  }
  read_architecture(keys, config);
  config.initializer_range = keys.positive_number_or("initializer_range", 0.02);
  config.torch_dtype = parse_torch_dtype(keys);
  return config;
}

std::string hf_class_name(const HfConfig& config) {
  return config.class_prefix + (config.lm_head ? head_name(config) : "Model");
}

std::vector<HfParameter> hf_parameters(const HfConfig& c) {
  const std::string body = c.lm_head ? body_name(c) + "." : "";
  std::vector<HfParameter> out;
  const auto add = [&](const std::string& name, Shape shape) {
    out.push_back({body + name, std::move(shape), ""});
  };
  if (c.family == HfFamily::gpt2) {
    add("wte.weight", {c.vocab_size, c.hidden_size});
    add("wpe.weight", {c.max_positions, c.hidden_size});
    for (std::int64_t i = 0; i < c.num_layers; ++i) {
      const std::string block = fmt::format("h.{}.", i);
      add(block + "ln_1.weight", {c.hidden_size});
      add(block + "ln_1.bias", {c.hidden_size});
      add(block + "attn.c_attn.weight", {c.hidden_size, 3 * c.hidden_size});
      add(block + "attn.c_attn.bias", {3 * c.hidden_size});
      add(block + "attn.c_proj.weight", {c.hidden_size, c.hidden_size});
      add(block + "attn.c_proj.bias", {c.hidden_size});
      add(block + "ln_2.weight", {c.hidden_size});
      add(block + "ln_2.bias", {c.hidden_size});
      add(block + "mlp.c_fc.weight", {c.hidden_size, c.intermediate_size});
      add(block + "mlp.c_fc.bias", {c.intermediate_size});
      add(block + "mlp.c_proj.weight", {c.intermediate_size, c.hidden_size});
      add(block + "mlp.c_proj.bias", {c.hidden_size});
    }
    add("ln_f.weight", {c.hidden_size});
    add("ln_f.bias", {c.hidden_size});
  } else {
    const std::int64_t q_size = c.num_heads * c.head_dim;
    const std::int64_t kv_size = c.num_kv_heads * c.head_dim;
    add("embed_tokens.weight", {c.vocab_size, c.hidden_size});
    for (std::int64_t i = 0; i < c.num_layers; ++i) {
      const std::string layer = fmt::format("layers.{}.", i);
      const auto projection = [&](const std::string& name, std::int64_t in, std::int64_t out_features,
                                  bool bias) {
        add(layer + name + ".weight", {out_features, in});
        if (bias) add(layer + name + ".bias", {out_features});
      };
      projection("self_attn.q_proj", c.hidden_size, q_size, c.qkv_bias);
      projection("self_attn.k_proj", c.hidden_size, kv_size, c.qkv_bias);
      projection("self_attn.v_proj", c.hidden_size, kv_size, c.qkv_bias);
      projection("self_attn.o_proj", q_size, c.hidden_size, c.output_bias);
      projection("mlp.gate_proj", c.hidden_size, c.intermediate_size, c.mlp_bias);
      projection("mlp.up_proj", c.hidden_size, c.intermediate_size, c.mlp_bias);
      projection("mlp.down_proj", c.intermediate_size, c.hidden_size, c.mlp_bias);
      add(layer + "input_layernorm.weight", {c.hidden_size});
      add(layer + "post_attention_layernorm.weight", {c.hidden_size});
    }
    add("norm.weight", {c.hidden_size});
  }
  if (c.lm_head) {
    out.push_back({"lm_head.weight",
                   {c.vocab_size, c.hidden_size},
                   c.tie_word_embeddings ? body + embedding_name(c) : std::string()});
  }
  return out;
}

std::int64_t hf_parameter_count(const HfConfig& config) {
  std::int64_t count = 0;
  for (const HfParameter& p : hf_parameters(config)) {
    if (p.tied_to.empty()) count += shape_numel(p.shape);
  }
  return count;
}

nn::ModulePtr build_hf_model(const HfConfig& config, Generator& generator) {
  nn::ModulePtr body = config.family == HfFamily::gpt2 ? build_gpt2_body(config, generator)
                                                       : build_llama_body(config, generator);
  // The body is a PreTrainedModel of its own: its __init__ ends in post_init(), which initialises it before
  // the head is even constructed. The head's post_init then skips the modules already initialised.
  body->apply([&](nn::Module& module) { init_weights(config, module, generator); });
  if (!config.lm_head) return body;
  nn::ModulePtr model = std::make_shared<HfContainer>(hf_class_name(config));
  model->register_module(body_name(config), body);
  model->register_module("lm_head", linear(config.hidden_size, config.vocab_size, false, generator));
  init_weights(config, model->child("lm_head"), generator);
  if (config.tie_word_embeddings) {
    const std::string embedding = config.family == HfFamily::gpt2 ? "wte" : "embed_tokens";
    model->child("lm_head").set_parameter("weight", body->child(embedding).parameter("weight"));
  }
  return model;
}

nn::ModulePtr hf_model_structure(const HfConfig& config) {
  nn::ModulePtr model = std::make_shared<HfContainer>(hf_class_name(config));
  // Containers along each dotted path, created in order of first use: the order state_dict() follows.
  const auto module_at = [&](const std::string& path) {
    nn::Module* module = model.get();
    std::size_t begin = 0;
    while (begin < path.size()) {
      const std::size_t end = std::min(path.find('.', begin), path.size());
      const std::string name = path.substr(begin, end - begin);
      bool found = false;
      for (const auto& [child_name, child] : module->own_children()) found = found || child_name == name;
      if (!found) {
        const bool holds_parameters = end == path.size();
        module->register_module(
            name, std::make_shared<HfContainer>(holds_parameters
                                                    ? layer_type(config, name)
                                                    : container_type(config, name, module->type_name())));
      }
      module = &module->child(name);
      begin = end + 1;
    }
    return module;
  };
  for (const HfParameter& p : hf_parameters(config)) {
    const std::size_t dot = p.name.rfind('.');
    nn::Module* module = module_at(p.name.substr(0, dot));
    if (!p.tied_to.empty()) {
      const std::size_t tied_dot = p.tied_to.rfind('.');
      module->register_parameter(
          p.name.substr(dot + 1),
          module_at(p.tied_to.substr(0, tied_dot))->parameter(p.tied_to.substr(tied_dot + 1)));
      continue;
    }
    // An element of its own each: parameters are told apart by their storage (nn::same_tensor).
    module->register_parameter(p.name.substr(dot + 1), Tensor(Storage::allocate(itemsize(kDType)), kDType,
                                                              p.shape, Shape(p.shape.size(), 0), 0));
  }
  return model;
}

}  // namespace nninit::expr
