// LSUV, layer-sequential unit-variance initialisation (Mishkin and Matas 2015, "All you need is a good
// init", arXiv:1511.06422, Algorithm 1): orthogonal weights, then, layer by layer in forward order, each
// weight divided by the std of the layer's output on a batch until that std is the target.
//
//   std::vector<Tensor> x = random_inputs(*model, {{256, 784}}, generator);  // diagnose.h, or real data
//   LsuvReport r = lsuv_(*model, x, generator);  // x: a batch of real inputs (or of their distribution)
//   std::fputs(report::format_lsuv(r).c_str(), stdout);                      // report/text.h
//   check_initialization(*model, {.lsuv = r.layers});                        // the lint, told what LSUV did
//
// The layers it scales: Linear, Bilinear, Conv1d/2d/3d and ConvTranspose1d/2d/3d, the paper's fully
// connected and convolutional layers, wherever they sit. Inside a TransformerEncoderLayer/DecoderLayer that
// is linear1, linear2 and the attention's out_proj: their output scale is what the residual sum and the
// LayerNorm after it receive, so a unit std there is the same contract as in a plain network. out_proj is
// no module call of its own (the attention kernel applies it), so it is measured on the MultiheadAttention's
// output, which is out_proj's output.
// Given the orthogonal start only, and listed in LsuvReport::skipped:
//   - RNN, LSTM, GRU and their cells: their weight_ih*, weight_hh* (and weight_hr*) matrices get orthogonal_
//     (gain 1; Saxe et al. 2013's recommendation for recurrent weights), their biases stay. They are not
//     scaled: a gated output is bounded by 1 (sigmoid times tanh) and usually far below it, so dividing
//     weight_ih until the output std is 1 would only drive the gates into saturation; the paper does not
//     cover recurrent layers. A model made of recurrent layers alone (an LSTM) therefore gets the orthogonal
//     start and no scaling.
// Left as they are and listed in LsuvReport::skipped:
//   - MultiheadAttention's input projections (in_proj_weight, or q/k/v_proj_weight): q, k and v are no
//     layer's output, and their scale sets the softmax temperature rather than a signal's variance.
// Embeddings and normalisation layers are not touched.
//
// Steps (the paper's):
//   1. every scaled layer's weight gets orthogonal_ (gain 1, drawn from `generator` in named_modules()
//      order) and, with zero_biases, its bias 0, so that the scaling alone sets the output scale; a layer
//      whose output stays zero (step 2) keeps these values;
//   2. in the order the forward pass first calls the layers: measure the std of the layer's output (all
//      elements together: batch, units and positions, torch.std with n - 1), and while
//      |var / target_std^2 - 1| >= tolerance and fewer than max_iterations divisions were made, divide the
//      weight by std / target_std and measure again.
// The stop test is relative so that tolerance means the same for every target; for the paper's target 1 it
// is its |Var - 1| < Tol_var. With zero biases the output is proportional to the weight, so one division
// reaches the target up to float32 rounding; a bias makes it take more.
//
// A layer whose output on the batch has zero variance (dead inputs) or non-finite values cannot be scaled:
// it is reported in `skipped` with the reason, and nothing is divided by 0 or by a non-finite std. A layer
// called more than once (shared) is scaled at its first call; a layer whose weight is the same tensor as an
// earlier layer's (tied) is not scaled again. A layer the forward pass never calls is reported as skipped.
//
// The model runs as it is: in train mode BatchNorm uses batch statistics (running statistics are not
// updated) and dropout masks come from ForwardOptions' default seed, the same masks on every pass where
// PyTorch would draw fresh ones. Cost: the children of a Sequential are run one after another, so each
// layer's input comes from the previous layer's output at the price of one layer; other containers
// (Transformer layers, TransformerEncoder) are run again once per layer they contain. Each iteration runs the
// layer alone.
#pragma once

#include <string>
#include <vector>

#include "nninit/core/tensor.h"
#include "nninit/nn/module.h"
#include "nninit/random/generator.h"

namespace nninit::diag {

struct LsuvOptions {
  double target_std = 1.0;  // the output std each layer is scaled to
  double tolerance = 0.1;   // stop when |var / target_std^2 - 1| < tolerance (the paper's Tol_var)
  int max_iterations = 10;  // divisions per layer at most (the paper's T_max)
  bool orthogonal_start = true;
  bool zero_biases = true;
};

struct LsuvLayer {
  std::string path{};        // module path: "0", "layers.1.linear1", "self_attn.out_proj"
  std::string parameter{};   // the scaled parameter's path: "0.weight"
  double initial_std = 0.0;  // output std before the first division (after the orthogonal start)
  double final_std = 0.0;    // output std after the last division
  int iterations = 0;        // divisions made
  bool converged = false;    // the final std is within tolerance
};

struct LsuvSkip {
  std::string path{};    // module path
  std::string reason{};  // why it was left as it is
};

struct LsuvReport {
  std::vector<LsuvLayer> layers{};  // in the order they were scaled (forward order)
  std::vector<LsuvSkip> skipped{};
};

// Runs LSUV on `model` with the batch `inputs` (the model's forward arguments). ValueError when the options
// are out of range or the model has no layer LSUV scales or starts orthogonal; the forward pass's own errors
// (a wrong shape, an integer input to a Linear) are raised before anything in the model changes.
LsuvReport lsuv_(nn::Module& model, const std::vector<Tensor>& inputs, Generator& generator,
                 const LsuvOptions& options = {});

}  // namespace nninit::diag
