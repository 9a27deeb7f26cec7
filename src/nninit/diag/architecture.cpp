#include "nninit/diag/architecture.h"

#include <cmath>

#include "nninit/core/tensor_statistics.h"
#include "nninit/init/fan.h"
#include "nninit/nn/activation.h"
#include "nninit/nn/rnn.h"
#include "nninit/nn/transformer.h"

namespace nninit::diag {
namespace {

using init::Nonlinearity;

bool is_type(const nn::Module& m, std::initializer_list<std::string_view> names) {
  for (std::string_view name : names) {
    if (m.type_name() == name) return true;
  }
  return false;
}

bool has_parameters(const nn::Module& m) {
  for (const NamedTensor& p : m.own_parameters()) {
    if (p.tensor.defined()) return true;
  }
  return false;
}

// Linear, Bilinear and the convolutions: the layers whose weight scale the gain rules are about.
bool is_weight_layer(const nn::Module& m) {
  return m.is_instance("Linear") || m.is_instance("_ConvNd") || m.type_name() == "Bilinear";
}
bool is_normalization(const nn::Module& m) {
  return m.is_instance("_NormBase") || is_type(m, {"LayerNorm", "GroupNorm", "RMSNorm"});
}
bool is_recurrent(const nn::Module& m) {
  return m.is_instance("RNNBase") || m.is_instance("RNNCellBase");
}
// Modules a layer's output passes through on its way to the next nonlinearity without changing which
// nonlinearity that is.
bool is_transparent(const nn::Module& m) {
  return is_normalization(m) || m.is_instance("_DropoutNd") || m.is_instance("_MaxPoolNd") ||
         m.is_instance("_AvgPoolNd") || m.is_instance("_AdaptiveAvgPoolNd") ||
         m.is_instance("_AdaptiveMaxPoolNd") || is_type(m, {"Flatten", "Unflatten", "Identity"});
}
bool is_softmax(const nn::Module& m) {
  return is_type(m, {"Softmax", "LogSoftmax", "Softmin", "Softmax2d"});
}

FollowingNonlinearity make(NonlinearityKind kind, const nn::Module& m, std::optional<double> pytorch_gain,
                           double gain, bool approximate) {
  FollowingNonlinearity f;
  f.kind = kind;
  f.module = m.type_name();
  f.pytorch_gain = pytorch_gain;
  f.gain = gain;
  f.approximate = approximate;
  return f;
}

FollowingNonlinearity leaky(const nn::Module& m, double slope) {
  const double gain = init::calculate_gain(Nonlinearity::leaky_relu, slope);
  FollowingNonlinearity f = make(NonlinearityKind::leaky_relu, m, gain, gain, false);
  f.slope = slope;
  return f;
}

FollowingNonlinearity named(NonlinearityKind kind, std::string module, double gain,
                            std::optional<double> pytorch_gain) {
  FollowingNonlinearity f;
  f.kind = kind;
  f.module = std::move(module);
  f.gain = gain;
  f.pytorch_gain = pytorch_gain;
  f.approximate = kind == NonlinearityKind::relu_like;
  return f;
}

// The nonlinearity inside a recurrent cell: RNN's tanh or relu, or LSTM's and GRU's gates.
FollowingNonlinearity cell_nonlinearity(const nn::Module& m) {
  bool relu = false;
  bool tanh = false;
  if (const auto* rnn = dynamic_cast<const nn::RNNBase*>(&m)) {
    relu = rnn->options().mode == nn::RNNMode::rnn_relu;
    tanh = rnn->options().mode == nn::RNNMode::rnn_tanh;
  } else if (const auto* cell = dynamic_cast<const nn::RNNCellBase*>(&m); cell && cell->num_chunks() == 1) {
    relu = cell->options().nonlinearity == nn::RNNNonlinearity::relu;
    tanh = !relu;
  }
  if (relu) return named(NonlinearityKind::relu, "relu", std::sqrt(2.0), std::sqrt(2.0));
  if (tanh) return named(NonlinearityKind::tanh, "tanh", 5.0 / 3.0, 5.0 / 3.0);
  return named(NonlinearityKind::gates, "sigmoid/tanh", 1.0, std::nullopt);
}

struct ChainItem {
  std::string path;
  nn::Module* module = nullptr;
};

std::string join(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

// The children of a Sequential, nested Sequentials expanded in place: the order PyTorch calls them.
void flatten_chain(nn::Module& m, const std::string& path, std::vector<ChainItem>& out) {
  for (const auto& [name, child] : m.own_children()) {
    if (!child) continue;
    const std::string child_path = join(path, name);
    if (child->type_name() == "Sequential") {
      flatten_chain(*child, child_path, out);
    } else {
      out.push_back({child_path, child.get()});
    }
  }
}

// Where a module sits: what follows it and whether it ends the model.
struct Context {
  FollowingNonlinearity after{};
  bool model_end = true;
  bool in_transformer = false;
};

class Analyzer {
 public:
  Architecture run(nn::Module& model, std::span<const ForwardCall> forward) {
    visit(model, "", Context{});
    if (!forward.empty()) read_forward(forward);
    for (const LayerInfo& layer : architecture_.layers) {
      if ((layer.role == LayerRole::hidden || layer.role == LayerRole::output) && !layer.in_transformer) {
        ++architecture_.depth;
      }
    }
    return std::move(architecture_);
  }

 private:
  LayerInfo& record(nn::Module& m, const std::string& path, LayerRole role, const Context& context) {
    LayerInfo info;
    info.path = path;
    info.type = m.type_name();
    info.module = &m;
    info.role = role;
    info.following = context.after;
    info.in_transformer = context.in_transformer;
    architecture_.layers.push_back(std::move(info));
    return architecture_.layers.back();
  }

  void visit_children(nn::Module& m, const std::string& path, const Context& context) {
    for (const auto& [name, child] : m.own_children()) {
      if (child) visit(*child, join(path, name), context);
    }
  }

  void visit(nn::Module& m, const std::string& path, const Context& context) {
    Context unknown = context;
    unknown.after = FollowingNonlinearity{.kind = NonlinearityKind::unknown};
    unknown.model_end = false;
    if (m.type_name() == "Sequential") {
      std::vector<ChainItem> chain;
      flatten_chain(m, path, chain);
      visit_chain(chain, context);
    } else if (m.type_name() == "MultiheadAttention") {
      architecture_.has_attention = true;
      Context inner = context;
      inner.in_transformer = true;
      inner.after = FollowingNonlinearity{};
      if (has_parameters(m)) record(m, path, LayerRole::attention, inner);
      for (const auto& [name, child] : m.own_children()) {
        if (!child) continue;
        LayerInfo& out = record(*child, join(path, name), LayerRole::attention, inner);
        out.residual_branch_end = true;
      }
    } else if (is_type(m, {"TransformerEncoderLayer", "TransformerDecoderLayer"})) {
      visit_transformer_layer(m, path, context);
    } else if (is_type(m, {"TransformerEncoder", "TransformerDecoder", "Transformer"})) {
      architecture_.has_attention = true;
      Context inner = unknown;
      inner.in_transformer = true;
      visit_children(m, path, inner);
    } else if (m.type_name() == "ModuleList" || !m.own_children().empty()) {
      visit_children(m, path, unknown);
    } else if (has_parameters(m)) {
      visit_leaf(m, path, context);
    }
  }

  void visit_leaf(nn::Module& m, const std::string& path, const Context& context) {
    if (is_weight_layer(m)) {
      record(m, path, context.model_end ? LayerRole::output : LayerRole::hidden, context);
    } else if (is_type(m, {"Embedding", "EmbeddingBag"})) {
      record(m, path, LayerRole::embedding, context);
    } else if (is_normalization(m)) {
      record(m, path, LayerRole::normalization, context);
    } else if (is_recurrent(m)) {
      Context inner = context;
      inner.after = cell_nonlinearity(m);
      record(m, path, LayerRole::recurrent, inner);
    } else if (m.type_name() == "PReLU") {
      record(m, path, LayerRole::activation, context);
    } else {
      record(m, path, LayerRole::hidden, context);
    }
  }

  void visit_transformer_layer(nn::Module& m, const std::string& path, const Context& context) {
    architecture_.has_attention = true;
    Context inner = context;
    inner.in_transformer = true;
    inner.model_end = false;
    const auto* options = [&]() -> const nn::TransformerLayerOptions* {
      if (const auto* e = dynamic_cast<const nn::TransformerEncoderLayer*>(&m)) return &e->options();
      if (const auto* d = dynamic_cast<const nn::TransformerDecoderLayer*>(&m)) return &d->options();
      return nullptr;
    }();
    FollowingNonlinearity activation = named(NonlinearityKind::relu, "relu", std::sqrt(2.0), std::sqrt(2.0));
    if (options != nullptr && options->activation_module) {
      if (auto f = nonlinearity_of(*options->activation_module)) activation = *f;
    } else if (options != nullptr && options->activation == nn::TransformerActivation::gelu) {
      activation = named(NonlinearityKind::relu_like, "gelu", std::sqrt(2.0), std::nullopt);
    }
    for (const auto& [name, child] : m.own_children()) {
      if (!child) continue;
      const std::string child_path = join(path, name);
      Context c = inner;
      if (name == "linear1") {
        c.after = activation;
        if (options != nullptr && options->activation_module) c.after.path = join(path, "activation");
        LayerInfo& info = record(*child, child_path, LayerRole::hidden, c);
        info.consumer = join(path, "linear2");
      } else if (name == "linear2") {
        c.after = FollowingNonlinearity{};
        record(*child, child_path, LayerRole::hidden, c).residual_branch_end = true;
      } else {
        c.after = FollowingNonlinearity{};
        visit(*child, child_path, c);
      }
    }
  }

  // What the output of chain[i] meets next, and which parametrised layer reads it.
  struct Next {
    FollowingNonlinearity following{};
    bool parametrised_after = false;  // some module with parameters comes later in the chain
    std::string consumer{};
    bool consumer_after_flatten = false;
  };

  static Next scan(const std::vector<ChainItem>& chain, std::size_t i, const Context& context) {
    Next next;
    bool found = false;
    bool consumer_open = true;  // still looking for the consumer
    std::vector<std::string> skipped;
    bool normalized = false;
    bool flattened = false;
    // Unseen code ran before what is found: a nonlinearity found is what ran next as far as anyone saw, but
    // "none" (another layer, the end) cannot be told from a nonlinearity hidden in that code.
    bool unseen = false;
    for (std::size_t k = i + 1; k < chain.size(); ++k) {
      if (chain[k].module == nullptr) {  // code the recorder did not see (ForwardCall)
        consumer_open = false;
        unseen = true;
        continue;
      }
      const nn::Module& m = *chain[k].module;
      const auto nonlinearity = nonlinearity_of(m);
      if (consumer_open) {
        if (is_weight_layer(m) && m.type_name() != "Bilinear") {
          next.consumer = chain[k].path;
          next.consumer_after_flatten = flattened;
          consumer_open = false;
        } else if (m.type_name() == "Flatten") {
          flattened = true;
        } else if (!nonlinearity && !is_transparent(m)) {
          consumer_open = false;
        }
      }
      if (has_parameters(m) && !nonlinearity && !is_normalization(m)) next.parametrised_after = true;
      if (found) continue;
      if (nonlinearity) {
        next.following = *nonlinearity;
        next.following.path = chain[k].path;
        found = true;
      } else if (is_transparent(m)) {
        skipped.push_back(m.type_name());
        normalized = normalized || is_normalization(m);
      } else {
        next.following = FollowingNonlinearity{};
        if (unseen) {
          next.following.kind = NonlinearityKind::unknown;
        } else if (is_softmax(m)) {
          next.following.module = m.type_name();
          next.following.path = chain[k].path;
        }
        found = true;
      }
    }
    if (!found)
      next.following = unseen ? FollowingNonlinearity{.kind = NonlinearityKind::unknown} : context.after;
    next.following.skipped.insert(next.following.skipped.begin(), skipped.begin(), skipped.end());
    next.following.normalized = next.following.normalized || normalized;
    return next;
  }

  void visit_chain(const std::vector<ChainItem>& chain, const Context& context) {
    for (std::size_t i = 0; i < chain.size(); ++i) {
      nn::Module& m = *chain[i].module;
      const Next next = scan(chain, i, context);
      Context c = context;
      c.after = next.following;
      c.model_end = context.model_end && !next.parametrised_after;
      if (is_weight_layer(m)) {
        LayerInfo& info = record(m, chain[i].path, c.model_end ? LayerRole::output : LayerRole::hidden, c);
        info.consumer = next.consumer;
        info.consumer_after_flatten = next.consumer_after_flatten;
      } else {
        visit(m, chain[i].path, c);
      }
    }
  }

  // The weight layers outside transformers take their neighbours from the recorded forward's calls, read
  // as one chain (architecture.h); a layer called more than once keeps what all its calls agree on.
  void read_forward(std::span<const ForwardCall> forward) {
    std::vector<ChainItem> chain;
    for (const ForwardCall& call : forward) chain.push_back({call.path, call.module.get()});
    const auto same = [](const FollowingNonlinearity& a, const FollowingNonlinearity& b) {
      return a.kind == b.kind && a.module == b.module && a.gain == b.gain && a.slope == b.slope &&
             a.normalized == b.normalized;
    };
    for (LayerInfo& layer : architecture_.layers) {
      if (layer.in_transformer || !is_weight_layer(*layer.module)) continue;
      std::optional<Next> first;
      bool following_agrees = true;
      bool consumer_agrees = true;
      bool parametrised_after = false;
      for (std::size_t i = 0; i < chain.size(); ++i) {
        if (chain[i].module != layer.module) continue;
        const Next next = scan(chain, i, Context{});
        parametrised_after = parametrised_after || next.parametrised_after;
        if (!first) {
          first = next;
          continue;
        }
        following_agrees = following_agrees && same(first->following, next.following);
        consumer_agrees = consumer_agrees && first->consumer == next.consumer &&
                          first->consumer_after_flatten == next.consumer_after_flatten;
      }
      if (!first) {
        layer.order = OrderSource::not_run;
        continue;
      }
      layer.order = OrderSource::forward;
      layer.role = parametrised_after ? LayerRole::hidden : LayerRole::output;
      layer.following =
          following_agrees ? first->following : FollowingNonlinearity{.kind = NonlinearityKind::unknown};
      layer.consumer = consumer_agrees ? first->consumer : std::string();
      layer.consumer_after_flatten = consumer_agrees && first->consumer_after_flatten;
    }
  }

  Architecture architecture_;
};

}  // namespace

std::string_view layer_role_name(LayerRole role) {
  switch (role) {
    case LayerRole::hidden: return "hidden";
    case LayerRole::output: return "output";
    case LayerRole::embedding: return "embedding";
    case LayerRole::normalization: return "normalization";
    case LayerRole::recurrent: return "recurrent";
    case LayerRole::attention: return "attention";
    case LayerRole::activation: return "activation";
  }
  return "?";
}

std::string_view nonlinearity_kind_name(NonlinearityKind kind) {
  switch (kind) {
    case NonlinearityKind::none: return "none";
    case NonlinearityKind::unknown: return "unknown";
    case NonlinearityKind::relu: return "relu";
    case NonlinearityKind::leaky_relu: return "leaky_relu";
    case NonlinearityKind::relu_like: return "relu_like";
    case NonlinearityKind::selu: return "selu";
    case NonlinearityKind::tanh: return "tanh";
    case NonlinearityKind::sigmoid: return "sigmoid";
    case NonlinearityKind::gates: return "gates";
    case NonlinearityKind::other: return "other";
  }
  return "?";
}

std::optional<FollowingNonlinearity> nonlinearity_of(const nn::Module& m) {
  const double relu_gain = init::calculate_gain(Nonlinearity::relu);
  if (is_type(m, {"ReLU", "ReLU6"})) return make(NonlinearityKind::relu, m, relu_gain, relu_gain, false);
  if (const auto* l = dynamic_cast<const nn::LeakyReLU*>(&m)) return leaky(m, l->options().negative_slope);
  if (const auto* p = dynamic_cast<const nn::PReLU*>(&m)) {
    // The slope the layer starts with: its weight's mean (PyTorch fills it with `init`).
    double slope = p->options().init;
    if (p->weight().defined() && p->weight().numel() > 0) slope = statistics(p->weight()).mean;
    return leaky(m, slope);
  }
  if (const auto* r = dynamic_cast<const nn::RReLU*>(&m)) {
    return leaky(m, (r->options().lower + r->options().upper) / 2.0);
  }
  if (is_type(m, {"GELU", "SiLU", "Mish", "ELU", "CELU", "Hardswish", "Softplus"})) {
    return make(NonlinearityKind::relu_like, m, std::nullopt, relu_gain, true);
  }
  if (m.type_name() == "SELU") {
    return make(NonlinearityKind::selu, m, init::calculate_gain(Nonlinearity::selu), 1.0, false);
  }
  if (m.type_name() == "Tanh") {
    const double gain = init::calculate_gain(Nonlinearity::tanh);
    return make(NonlinearityKind::tanh, m, gain, gain, false);
  }
  if (m.type_name() == "Sigmoid") return make(NonlinearityKind::sigmoid, m, 1.0, 1.0, false);
  if (m.type_name() == "Hardsigmoid") return make(NonlinearityKind::sigmoid, m, std::nullopt, 1.0, true);
  if (is_type(m, {"Hardtanh", "Softsign", "Tanhshrink", "GLU", "Threshold", "Hardshrink", "Softshrink",
                  "LogSigmoid"})) {
    return make(NonlinearityKind::other, m, std::nullopt, 1.0, true);
  }
  return std::nullopt;
}

const LayerInfo* Architecture::find(std::string_view path) const {
  for (const LayerInfo& layer : layers) {
    if (layer.path == path) return &layer;
  }
  return nullptr;
}

Architecture analyze_architecture(nn::Module& model, std::span<const ForwardCall> forward) {
  return Analyzer().run(model, forward);
}

std::string_view order_source_name(OrderSource source) {
  switch (source) {
    case OrderSource::tree: return "tree";
    case OrderSource::forward: return "forward";
    case OrderSource::not_run: return "not_run";
  }
  return "?";
}

std::string parameter_path(std::string_view module_path, std::string_view parameter) {
  if (module_path.empty()) return std::string(parameter);
  std::string path(module_path);
  path += '.';
  path += parameter;
  return path;
}

}  // namespace nninit::diag
