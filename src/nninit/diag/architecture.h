// Structural analysis of a module tree: for every layer with parameters, what it is (its role) and which
// nonlinearity its output meets next, read from the tree alone (no forward pass). The lint
// (lint.h), the symmetry check (symmetry.h) and the `auto` preset (auto_preset.h) decide from this.
//
// What follows a layer:
//   - in a Sequential (nested Sequentials are read as one chain): the next activation among the layer's
//     later siblings, looking through normalisation, dropout, pooling, Flatten/Unflatten and Identity;
//     a Softmax/LogSoftmax, another parametrised layer, or the end of the model means no nonlinearity
//     (kind `none`); the end of an inner chain continues in the enclosing one;
//   - TransformerEncoderLayer/DecoderLayer: linear1 meets the layer's activation (relu, gelu or the module
//     given); linear2 and the attention output projections end a residual branch (kind `none`);
//   - RNN/LSTM/GRU and their cells: the nonlinearity inside the cell (tanh or relu for RNN; the sigmoid
//     gates and tanh of LSTM and GRU, kind `gates`);
//   - children of a ModuleList or of any other module whose call order the tree does not show: `unknown`.
//
// A recorded forward pass (ForwardCall: a model run in PyTorch, whose classes the tree cannot see into) can
// say more: its leaf calls, in the order they ran, are read as one chain, as a Sequential's children are.
// Each Linear/Bilinear/conv layer outside transformers that ran then takes what follows it, its role
// (output when nothing parametrised ran after it) and its consumer from what ran after it, looking through
// the same modules; a layer called several times takes them when every call agrees, `unknown` when they
// differ. Code the recorder did not see (a null module) may hide a nonlinearity: reached before one, it
// makes what follows `unknown`. Layers that never ran keep the tree's reading (OrderSource::not_run).
//
// Gains. `pytorch_gain` is torch.nn.init.calculate_gain's value where PyTorch has one. `gain` is what nninit
// judges with and the `auto` preset initialises for; it differs from PyTorch's in two places:
//   - SELU: 1 (LeCun normal), not calculate_gain's 3/4. Self-normalising networks need Var(w) = 1/fan_in
//     (Klambauer et al. 2017); PyTorch's own documentation says to use nonlinearity='linear' for them.
//   - GELU, SiLU, Mish, ELU, CELU, Hardswish, Softplus (kind `relu_like`): PyTorch has no gain. nninit
//     uses ReLU's sqrt(2), an approximation (`approximate` is set). For z ~ N(0, 1), the gain that keeps
//     E[f(z)^2] = 1 is 1.53 for GELU, 1.68 for SiLU, 1.49 for Mish, 1.25 for ELU(alpha=1) and 1.74 for
//     Hardswish (numerical integration); none differs from sqrt(2) = 1.41 by more than a factor 1.23,
//     inside the lint's 1.3 tolerance, and these functions are not homogeneous, so no single exact gain
//     exists for every input scale.
//   Hardsigmoid is judged as Sigmoid (gain 1); Hardtanh, Softsign, Tanhshrink, GLU, Threshold, the
//   shrinks and LogSigmoid (kind `other`) as linear (gain 1, approximate): they are the identity or close
//   to it near 0.
//
// The result points into the model (LayerInfo::module): it is valid while the module tree lives and
// keeps its shape.
//
//   const Architecture a = analyze_architecture(*model);
//   for (const LayerInfo& l : a.layers)
//     std::printf("%s -> %s\n", l.path.c_str(), l.following.module.c_str());  // "0 -> ReLU"
//   a.find("0")->following.gain;                  // sqrt(2) when a ReLU follows layer "0"
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "nninit/nn/module.h"

namespace nninit::diag {

enum class LayerRole {
  hidden,         // Linear, Bilinear, Conv*, ConvTranspose* whose output feeds more of the network
  output,         // the last such layer of the model's chain: nothing parametrised after it
  embedding,      // Embedding, EmbeddingBag
  normalization,  // BatchNorm*, InstanceNorm*, LayerNorm, GroupNorm, RMSNorm
  recurrent,      // RNN, LSTM, GRU and their cells
  attention,      // MultiheadAttention and its out_proj
  activation,     // PReLU (its weight is a slope)
};

std::string_view layer_role_name(LayerRole role);  // "hidden", "output", ...

enum class NonlinearityKind {
  none,        // no nonlinearity follows: the model's output, a Softmax, another linear map, a residual sum
  unknown,     // the tree does not say what follows
  relu,        // ReLU, ReLU6
  leaky_relu,  // LeakyReLU(negative_slope), PReLU (its initial weight), RReLU (eval slope (lower+upper)/2)
  relu_like,   // GELU, SiLU, Mish, ELU, CELU, Hardswish, Softplus (see above)
  selu,
  tanh,
  sigmoid,  // Sigmoid, Hardsigmoid
  gates,    // inside an LSTM or GRU cell: sigmoid gates and tanh
  other,    // see above
};

std::string_view nonlinearity_kind_name(NonlinearityKind kind);  // "none", "relu", "leaky_relu", ...

struct FollowingNonlinearity {
  NonlinearityKind kind = NonlinearityKind::none;
  std::string module{};           // what applies it: "ReLU", "LeakyReLU", "tanh" (inside a cell), "" for none
  std::string path{};             // its module path, "" when it is no module of its own
  std::optional<double> slope{};  // negative slope of leaky_relu
  std::optional<double> pytorch_gain{};  // calculate_gain's value; nullopt where PyTorch has no gain
  double gain = 1.0;                     // the gain nninit judges and initialises with
  bool approximate = false;              // `gain` is nninit's approximation, not a derivation
  bool normalized = false;               // a normalisation layer sits between the layer and the nonlinearity
  std::vector<std::string> skipped{};    // the modules looked through, by type ("BatchNorm1d", "Dropout")
};

// Where a layer's neighbours (what follows it, its role, its consumer) were read from.
enum class OrderSource {
  tree,  // the module tree: no forward was given, or the layer's place is fixed by its parent (transformer,
         // recurrent cell, attention)
  forward,  // the recorded forward's calls
  not_run,  // a forward was given but the layer never ran in it: the module tree (registration order)
};

std::string_view order_source_name(OrderSource source);  // "tree", "forward", "not_run"

// One leaf call of a recorded forward pass, in the order calls ran: a module of the model (`path`, and
// `module` the model's own), a functional layer (F.relu, torch.tanh: `path` empty, `module` one that does
// the same), or code the recorder did not see (`module` null: what module hooks cannot see, a function
// nninit does not read as a layer), which may hide a nonlinearity.
struct ForwardCall {
  std::string path{};
  nn::ModulePtr module{};
};

struct LayerInfo {
  std::string path{};  // dotted module path; "" for the model itself
  std::string type{};  // type_name()
  nn::Module* module = nullptr;
  LayerRole role = LayerRole::hidden;
  FollowingNonlinearity following{};
  bool in_transformer = false;       // inside a Transformer* layer or a MultiheadAttention
  bool residual_branch_end = false;  // its output is added to a residual stream (linear2, out_proj)
  // The parametrised layer that reads this layer's output units next in its chain (through activations,
  // normalisation, dropout, pooling and Flatten), for the symmetry check; "" when none or unknown.
  std::string consumer{};
  bool consumer_after_flatten = false;  // a Flatten lies between: each unit feeds a block of its columns
  OrderSource order = OrderSource::tree;
};

struct Architecture {
  std::vector<LayerInfo> layers{};  // every parametrised layer, in named_modules() order
  // Linear, Bilinear and convolution layers outside transformers (hidden or output): the number of
  // weight layers a forward signal crosses.
  int depth = 0;
  bool has_attention = false;  // a MultiheadAttention or Transformer* layer is present

  const LayerInfo* find(std::string_view path) const;
};

// `forward`: the recorded forward's leaf calls (see above); empty: the tree alone.
Architecture analyze_architecture(nn::Module& model, std::span<const ForwardCall> forward = {});

// Whether a module applies an elementwise nonlinearity (ReLU, Tanh, PReLU, ...), and which.
std::optional<FollowingNonlinearity> nonlinearity_of(const nn::Module& module);

// "0.weight" from ("0", "weight"); "weight" for the root.
std::string parameter_path(std::string_view module_path, std::string_view parameter);

}  // namespace nninit::diag
