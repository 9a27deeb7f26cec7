// The `auto` preset: the matching rules, applied layer by layer. Each layer's initialisation
// follows from what its output meets next (architecture.h):
//
//   ReLU, ReLU6                 kaiming_normal_(nonlinearity='relu')            He et al. 2015
//   LeakyReLU(s), PReLU, RReLU  kaiming_normal_(a=s, nonlinearity='leaky_relu')
//   GELU, SiLU, Mish, ELU, ...  kaiming_normal_(nonlinearity='relu')            an approximation
//                                                                               (architecture.h)
//   SELU                        lecun_normal_()                                 Klambauer et al. 2017
//   Tanh                        xavier_uniform_(gain=calculate_gain('tanh'))    Glorot and Bengio 2010
//   Sigmoid, Hardsigmoid        xavier_uniform_()
//   no nonlinearity, others     lecun_normal_() (variance kept, gain 1)
//   the output layer            xavier_uniform_()
//   biases                      zeros_()
//   normalisation               weight ones_(), bias zeros_()
//   embeddings, attention and   normal_(std=0.02) (GPT-2, BERT), biases zeros_()
//   Transformer* linears
//   LSTM/GRU/RNN (and cells)    weight_ih* xavier_uniform_(), weight_hh* orthogonal_() (Saxe et al. 2013),
//                               weight_hr* xavier_uniform_(); LSTM bias_* forget_gate_bias_(1.0)
//                               (Jozefowicz et al. 2015); GRU and RNN bias_* zeros_()
//
// Tanh takes the uniform form because it is Glorot and Bengio's own "normalized initialization" and its
// bounded weights never push a tanh unit far into saturation; the normal form has the same std.
//
// Left as they are (no rule): PReLU's weight (a slope, not a scale), MultiheadAttention's bias_k and
// bias_v, an Embedding with padding_idx (normal_ would overwrite the padding row's zeros) and layers whose
// successor the module tree does not show (children of a ModuleList).
//
// A rule applies one function per parameter (the first matching rule wins), so forget_gate_bias_ sets the
// forget rows (bias_ih to 1, bias_hh to 0) and leaves the other gates' biases at PyTorch's default
// U(+-1/sqrt(H)); zeroing those as well takes zeros_ before this rule set.
//
// The rules are plain values; applying them is expr::apply_rules' work (`nninit init --preset auto`):
//
//   for (const AutoRule& r : auto_rules_explained(*model))
//     std::printf("%s  # %s\n", r.rule.text.c_str(), r.explanation.c_str());
//   const std::vector<expr::Rule> rules = auto_rules(*model);
//   expr::apply_rules(*model, rules, generator);
#pragma once

#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nninit/diag/architecture.h"
#include "nninit/expr/rules.h"
#include "nninit/nn/module.h"

namespace nninit::diag {

// What the preset chooses for one parameter.
struct Recommendation {
  std::string glob{};         // the parameter-name glob of the rule: "weight", "bias", "weight_hh*", "bias_*"
  std::string expression{};   // an init expression nninit accepts: "kaiming_normal_(nonlinearity='relu')"
  std::string scheme{};       // for people: "Kaiming (ReLU)", "Xavier (gain 5/3)", "zeros"
  std::string explanation{};  // why, in one sentence
  // The standard deviation the expression gives this tensor (NaN where it has no fixed std: orthogonal_,
  // forget_gate_bias_, ones_).
  double expected_std = std::numeric_limits<double>::quiet_NaN();
};

// The recommendation for one parameter of a layer (`name` is its own name, "weight", "bias_ih_l0"), or
// nullopt when the preset leaves it alone.
std::optional<Recommendation> recommend(const LayerInfo& layer, std::string_view name,
                                        const Tensor& parameter);

// One rule of the preset, with the reason for it.
struct AutoRule {
  expr::Rule rule;
  std::string explanation;
};

// The preset as rules: one `Type.glob=EXPR` rule where every instance of a type gets the same expression for
// a parameter, path rules (`0.weight=...`) otherwise; path rules first. Every rule parses with
// expr::parse_rule and is meant for expr::apply_rules.
std::vector<AutoRule> auto_rules_explained(nn::Module& model);
std::vector<expr::Rule> auto_rules(nn::Module& model);

// A rule pattern for the parameters `glob` of the module at `module_path` that parse_rule reads as a path
// (never as Type.param): "0.weight", "encoder.layers.0.linear1.bias", "[M]ixed.weight".
std::string path_pattern(std::string_view module_path, std::string_view glob);

}  // namespace nninit::diag
