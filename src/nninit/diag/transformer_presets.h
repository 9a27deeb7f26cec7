// Presets from the papers on initialising deep transformers, as rule sets a user can read and override.
// Each reads the model's stack of blocks (a ModuleList whose blocks hold residual output projections) and
// writes one path rule per kind of parameter (one per layer where the std depends on the layer):
//
//   gpt2      Radford et al. 2019, "Language Models are Unsupervised Multitask Learners" (§2.3): normal(0,
//             0.02) for weights and embeddings; the residual projections at 0.02 / sqrt(2 N) (N blocks, two
//             residual layers each); biases 0, norms 1
//   megatron  Shoeybi et al. 2019, "Megatron-LM" (init_method_normal, scaled_init_method_normal): sigma
//             0.02, output layers sigma / sqrt(2 N); the same numbers as gpt2
//   mitchell  Groeneveld et al. 2024, OLMo (InitFnType.mitchell): trunc_normal_(std=s, a=-3s, b=3s) with
//             s = 1/sqrt(d_in); output projections of block i (from 0) also / sqrt(2 (i + 1)), the depth
//             scaling of Zhang, Titov and Sennrich 2019; embeddings s = 1/sqrt(d_model); biases 0, norms 1
//   deepnorm  Wang et al. 2022, "DeepNet" (Fig. 2): xavier_normal_(gain=beta) for v_proj, the output
//             projections and the MLP, gain 1 for q_proj and k_proj; beta = (8 N)^(-1/4) for a decoder-only
//             or encoder-only stack. DeepNorm's residual scale alpha = (2 N)^(1/4) is a forward change that
//             no initialisation can make
//   t-fixup   Huang et al. 2020, "Improving Transformer Optimization Through Better Initialization":
//             xavier_uniform_ for every weight but the embeddings; v_proj, the output projections and the
//             MLP scaled by 0.67 N^(-1/4), the paper's factor for its encoder blocks (self-attention and MLP,
//             as in these models; its decoder's (9 N)^(-1/4) counts a cross-attention they lack). Embeddings
//             normal(0, d^(-1/2)); the paper scales them by the decoder's (9 N)^(-1/4) in its
//             encoder-decoder model, which a single stack does not have, so nninit scales them by the
//             blocks' 0.67 N^(-1/4) (a choice, not the paper's). T-Fixup also removes the LayerNorms,
//             which rules cannot
//   fixup     Zhang, Dauphin and Ma 2019, "Fixup Initialization": the last layer of each residual branch
//             and an untied output head at 0; the other branch layers He-normal scaled by L^(-1/(2m-2)),
//             with L = 2 N branches of m = 2 layers: std = sqrt(2 / d_in) / sqrt(2 N); biases 0. Fixup's
//             scalar multipliers and biases are parameters these models do not have
//   rezero    Bachlechner et al. 2020, "ReZero is All You Need": every residual branch starts at 0, so
//             each block is the identity. ReZero multiplies the branch by a learnt alpha = 0; these models
//             have no alpha, so the branch's output projection (weight and bias) is zeroed instead: the
//             same function at initialisation, not the same training dynamics
//   skipinit  De and Smith 2020, "Batch Normalization Biases Residual Blocks Towards the Identity
//             Function": the same rules as rezero, for the same reason
//
// A parameter the preset says nothing about keeps the value the model was built with; a tied output head
// is its embedding and gets the embedding's rule. Rules are plain path rules (`*.h.*.attn.c_proj.weight=
// normal_(std=0.02/math.sqrt(2*12))`), so `--init` rules given before them win.
//
//   for (const PresetRule& r : transformer_preset_rules("gpt2", *model)) std::puts(r.rule.text.c_str());
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "nninit/expr/rules.h"
#include "nninit/nn/module.h"

namespace nninit::diag {

struct TransformerPreset {
  std::string name;
  std::string paper;    // where it comes from
  std::string summary;  // what it sets, in one line
};

// The presets above, in that order.
const std::vector<TransformerPreset>& transformer_presets();
// nullptr when `name` is not one of them.
const TransformerPreset* find_transformer_preset(std::string_view name);

struct PresetRule {
  expr::Rule rule;
  std::string explanation;
};

// The rules of preset `name` for `model`. ValueError when the model has no stack of blocks the preset can
// read (or several), and, for deepnorm and t-fixup, when the queries, keys and values are one fused tensor
// (GPT-2's c_attn, MultiheadAttention's in_proj_weight) that a rule cannot split.
std::vector<PresetRule> transformer_preset_rules(std::string_view name, nn::Module& model);

}  // namespace nninit::diag
