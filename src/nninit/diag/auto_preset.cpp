#include "nninit/diag/auto_preset.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "nninit/init/fan.h"
#include "nninit/nn/sparse.h"

namespace nninit::diag {
namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

struct Fans {
  double in = 0.0;
  double out = 0.0;
  bool valid = false;
};

Fans fans_of(const Tensor& weight) {
  if (weight.dim() < 2) return {};
  const init::Fans f = init::calculate_fan_in_and_fan_out(weight);
  if (f.fan_in <= 0 || f.fan_out <= 0) return {};
  return {static_cast<double>(f.fan_in), static_cast<double>(f.fan_out), true};
}

Recommendation kaiming(const Tensor& w, const FollowingNonlinearity& f) {
  const Fans fans = fans_of(w);
  Recommendation r;
  r.glob = "weight";
  r.expected_std = fans.valid ? f.gain / std::sqrt(fans.in) : nan;
  if (f.kind == NonlinearityKind::leaky_relu) {
    const double slope = f.slope.value_or(0.01);
    r.expression = fmt::format("kaiming_normal_(a={}, nonlinearity='leaky_relu')", slope);
    r.scheme = fmt::format("Kaiming (leaky_relu, a={})", slope);
    r.explanation = fmt::format(
        "{} follows: Kaiming with gain sqrt(2/(1+a^2)) = {:.3g} keeps the activation variance from layer to "
        "layer (He et al. 2015)",
        f.module, f.gain);
    return r;
  }
  r.expression = "kaiming_normal_(nonlinearity='relu')";
  r.scheme = "Kaiming (ReLU)";
  r.explanation =
      f.kind == NonlinearityKind::relu
          ? fmt::format(
                "{} follows: it zeroes half its inputs, and Kaiming's gain sqrt(2) makes up for that, "
                "so the activation variance stays constant with depth (He et al. 2015)",
                f.module)
          : fmt::format(
                "{} follows: ReLU-like, with no gain in PyTorch; Kaiming's sqrt(2) is nninit's "
                "approximation (within a factor 1.23 of the exact second-moment gain)",
                f.module);
  return r;
}

Recommendation xavier(const Tensor& w, double gain, std::string expression, std::string scheme,
                      std::string explanation) {
  const Fans fans = fans_of(w);
  return {"weight", std::move(expression), std::move(scheme), std::move(explanation),
          fans.valid ? gain * std::sqrt(2.0 / (fans.in + fans.out)) : nan};
}

Recommendation lecun(const Tensor& w, std::string explanation) {
  const Fans fans = fans_of(w);
  return {"weight", "lecun_normal_()", "LeCun normal", std::move(explanation),
          fans.valid ? 1.0 / std::sqrt(fans.in) : nan};
}

Recommendation small_normal(std::string glob, std::string explanation) {
  return {std::move(glob), "normal_(std=0.02)", "normal(0, 0.02)", std::move(explanation), 0.02};
}

Recommendation constant(std::string glob, bool one, std::string explanation) {
  return {std::move(glob), one ? "ones_()" : "zeros_()", one ? "ones" : "zeros", std::move(explanation),
          one ? nan : 0.0};
}

std::optional<Recommendation> weight_layer(const LayerInfo& layer, const Tensor& w) {
  const FollowingNonlinearity& f = layer.following;
  if (layer.in_transformer || layer.role == LayerRole::attention) {
    return small_normal("weight",
                        "a transformer's linear map: the small normal of GPT-2 and BERT (std 0.02 is about "
                        "1/sqrt(3 d_model) at d_model = 768)");
  }
  if (layer.role == LayerRole::output && f.kind == NonlinearityKind::none) {
    return xavier(w, 1.0, "xavier_uniform_()", "Xavier",
                  "the output layer: no nonlinearity follows, and Xavier balances the forward and backward "
                  "variances (Glorot and Bengio 2010)");
  }
  switch (f.kind) {
    case NonlinearityKind::relu:
    case NonlinearityKind::leaky_relu:
    case NonlinearityKind::relu_like: return kaiming(w, f);
    case NonlinearityKind::selu:
      return lecun(w,
                   "SELU follows: self-normalisation needs weights with variance 1/fan_in, LeCun normal "
                   "(Klambauer et al. 2017)");
    case NonlinearityKind::tanh:
      return xavier(w, 5.0 / 3.0, "xavier_uniform_(gain=calculate_gain('tanh'))", "Xavier (gain 5/3)",
                    "Tanh follows: Xavier, with PyTorch's gain 5/3 for tanh; uniform as in Glorot and "
                    "Bengio's normalized initialization, bounded so that no weight drives a unit deep into "
                    "saturation");
    case NonlinearityKind::sigmoid:
      return xavier(w, 1.0, "xavier_uniform_()", "Xavier",
                    fmt::format("{} follows: Xavier (Glorot and Bengio 2010), gain 1", f.module));
    case NonlinearityKind::none:
    case NonlinearityKind::other:
      return lecun(w, f.kind == NonlinearityKind::none
                          ? std::string("no nonlinearity follows: LeCun's variance 1/fan_in keeps the "
                                        "activation variance through a linear map")
                          : fmt::format("{} is close to the identity near 0: judged as linear, LeCun normal",
                                        f.module));
    case NonlinearityKind::unknown:
    case NonlinearityKind::gates: return std::nullopt;
  }
  return std::nullopt;
}

std::optional<Recommendation> recurrent(const LayerInfo& layer, std::string_view name, const Tensor& p) {
  const auto starts = [&](std::string_view prefix) { return name.starts_with(prefix); };
  const Fans fans = fans_of(p);
  if (starts("weight_ih") || starts("weight_hr")) {
    return Recommendation{std::string(name.substr(0, 9)) + "*", "xavier_uniform_()", "Xavier",
                          "the input (and projection) weights of a recurrent layer: Xavier",
                          fans.valid ? std::sqrt(2.0 / (fans.in + fans.out)) : nan};
  }
  if (starts("weight_hh")) {
    return Recommendation{"weight_hh*", "orthogonal_()", "orthogonal",
                          "the recurrent weights: an orthogonal matrix has every singular value 1, so the "
                          "hidden state's norm neither grows nor shrinks through it, step after step "
                          "(Saxe et al. 2013)",
                          nan};
  }
  if (starts("bias")) {
    if (layer.type == "LSTM" || layer.type == "LSTMCell") {
      return Recommendation{
          "bias_*", "forget_gate_bias_(1.0)", "forget-gate bias 1",
          "the forget gate starts mostly open (sigmoid(1) = 0.73), so the cell state and its "
          "gradient survive many steps (Gers et al. 2000; Jozefowicz et al. 2015)",
          nan};
    }
    return constant("bias_*", false, "recurrent biases start at zero");
  }
  return std::nullopt;
}

}  // namespace

std::optional<Recommendation> recommend(const LayerInfo& layer, std::string_view name,
                                        const Tensor& parameter) {
  switch (layer.role) {
    case LayerRole::hidden:
    case LayerRole::output:
    case LayerRole::attention:
      if (name == "weight") return weight_layer(layer, parameter);
      if (name == "bias" || name == "in_proj_bias") {
        return constant(std::string(name), false, "biases start at zero; the weights break the symmetry");
      }
      if (name == "in_proj_weight" || name == "q_proj_weight" || name == "k_proj_weight" ||
          name == "v_proj_weight") {
        return small_normal(std::string(name), "attention projections: the small normal of GPT-2 and BERT");
      }
      return std::nullopt;
    case LayerRole::normalization:
      if (name == "weight")
        return constant("weight", true, "a normalisation layer starts as the identity: scale 1");
      if (name == "bias")
        return constant("bias", false, "a normalisation layer starts as the identity: shift 0");
      return std::nullopt;
    case LayerRole::embedding: {
      if (name != "weight") return std::nullopt;
      if (const auto* e = dynamic_cast<const nn::Embedding*>(layer.module); e && e->options().padding_idx) {
        return std::nullopt;
      }
      if (const auto* e = dynamic_cast<const nn::EmbeddingBag*>(layer.module);
          e && e->options().padding_idx) {
        return std::nullopt;
      }
      return small_normal("weight", "embeddings: the small normal of GPT-2 and BERT");
    }
    case LayerRole::recurrent: return recurrent(layer, name, parameter);
    case LayerRole::activation: return std::nullopt;
  }
  return std::nullopt;
}

std::string path_pattern(std::string_view module_path, std::string_view glob) {
  std::string pattern = parameter_path(module_path, glob);
  // A two-component pattern whose first component is an identifier starting with an uppercase letter
  // reads as Type.param (rule.h); a class around its first letter keeps it a path.
  const std::size_t dot = pattern.find('.');
  if (dot != std::string::npos && pattern.find('.', dot + 1) == std::string::npos && pattern[0] >= 'A' &&
      pattern[0] <= 'Z') {
    pattern = "[" + pattern.substr(0, 1) + "]" + pattern.substr(1);
  }
  return pattern;
}

namespace {

// Classes PyTorch uses internally, which no user writes (MultiheadAttention's out_proj is a
// NonDynamicallyQuantizableLinear): a rule names their modules by path instead.
bool internal_type(std::string_view type) {
  return type == "NonDynamicallyQuantizableLinear";
}

// "out_proj" from "layers.0.self_attn.out_proj".
std::string_view last_component(std::string_view path) {
  const std::size_t dot = path.rfind('.');
  return dot == std::string_view::npos ? path : path.substr(dot + 1);
}

}  // namespace

std::vector<AutoRule> auto_rules_explained(nn::Module& model) {
  const Architecture architecture = analyze_architecture(model);
  // Every parameter of every analysed layer with what the preset wants for it ("" = leave it).
  struct Entry {
    const LayerInfo* layer;
    std::string name;
    std::optional<Recommendation> recommendation;
    bool covered = false;
  };
  std::vector<Entry> entries;
  for (const LayerInfo& layer : architecture.layers) {
    for (const NamedTensor& p : layer.module->own_parameters()) {
      if (!p.tensor.defined()) continue;
      entries.push_back({&layer, p.name, recommend(layer, p.name, p.tensor)});
    }
  }
  std::vector<AutoRule> type_rules;
  // A Type.glob rule matches every module that is_instance(Type); it is used when they all agree.
  std::vector<std::string> types;
  for (const LayerInfo& layer : architecture.layers) {
    if (std::find(types.begin(), types.end(), layer.type) == types.end()) types.push_back(layer.type);
  }
  for (const std::string& type : types) {
    std::vector<std::string> globs;
    for (const Entry& e : entries) {
      if (e.layer->type == type && e.recommendation && !e.covered &&
          std::find(globs.begin(), globs.end(), e.recommendation->glob) == globs.end()) {
        globs.push_back(e.recommendation->glob);
      }
    }
    for (const std::string& glob : globs) {
      std::vector<Entry*> members;
      for (Entry& e : entries) {
        if (e.layer->module->is_instance(type) && expr::glob_match(glob, e.name)) members.push_back(&e);
      }
      const Recommendation* first = nullptr;
      bool uniform = true;
      for (const Entry* e : members) {
        if (e->covered) continue;  // an earlier, more specific type rule wins for it
        if (!e->recommendation || e->recommendation->glob != glob ||
            (first != nullptr && e->recommendation->expression != first->expression)) {
          uniform = false;
          break;
        }
        if (first == nullptr) first = &*e->recommendation;
      }
      if (!uniform || first == nullptr) continue;
      std::string pattern = fmt::format("{}.{}", type, glob);
      if (internal_type(type)) {
        // The same child name everywhere ("*.out_proj.weight"), matching these modules' parameters alone.
        const std::string_view child = last_component(members.front()->layer->path);
        pattern = fmt::format("*.{}.{}", child, glob);
        const bool exact = std::all_of(entries.begin(), entries.end(), [&](const Entry& e) {
          const bool member = std::find(members.begin(), members.end(), &e) != members.end();
          return expr::glob_match(pattern, parameter_path(e.layer->path, e.name)) == member;
        });
        if (child.empty() || !exact) continue;
      }
      for (Entry* e : members) e->covered = true;
      type_rules.push_back(
          {expr::parse_rule(fmt::format("{}={}", pattern, first->expression)), first->explanation});
    }
  }
  std::vector<AutoRule> rules;
  std::set<std::pair<std::string, std::string>> emitted;  // (module path, glob)
  for (const Entry& e : entries) {
    if (e.covered || !e.recommendation) continue;
    if (!emitted.insert({e.layer->path, e.recommendation->glob}).second) continue;
    rules.push_back(
        {expr::parse_rule(fmt::format("{}={}", path_pattern(e.layer->path, e.recommendation->glob),
                                      e.recommendation->expression)),
         e.recommendation->explanation});
  }
  rules.insert(rules.end(), type_rules.begin(), type_rules.end());
  return rules;
}

std::vector<expr::Rule> auto_rules(nn::Module& model) {
  std::vector<expr::Rule> rules;
  for (AutoRule& r : auto_rules_explained(model)) rules.push_back(std::move(r.rule));
  return rules;
}

}  // namespace nninit::diag
