// The depth sweep: one deep network under several initialisations, the activation and gradient std at
// every layer: the classic picture of vanishing, exploding and preserved signals.
//
//   const DepthSweep sweep = run_depth_sweep(SweepActivation::relu, {.depth = 20, .width = 128});
//   const double last = sweep.scheme("Kaiming").activation_std.back();  // the std after layer 20
//   std::fputs(report::format_sweep(sweep).c_str(), stdout);  // report/text.h; charts.h draws it
//
// The network is a Sequential of `depth` Linear(width, width) layers, each followed by the activation, and
// no biases (the schemes differ only by their weights). The input x is a (batch, width) N(0, 1) sample and
// the backward pass starts from a unit-variance N(0, 1) gradient on the last activation, both drawn from
// TorchGenerator(seed) in that order. Every scheme then draws its weights, layer by layer, from that
// generator's state after those two draws, so the four normal schemes share one underlying N(0, 1) draw and
// differ only in scale.
//
//   scheme                   each layer's weight                                 std (width n)
//   zeros                    zeros_                                              0
//   small normal (std 0.01)  normal_(std=0.01)                                   0.01
//   large normal (std 1)     normal_(std=1)                                      1
//   Xavier                   xavier_normal_(gain=1) (Glorot and Bengio 2010)     1 / sqrt(n)
//   Kaiming                  kaiming_normal_(nonlinearity='tanh' | 'relu')       (5/3 | sqrt(2)) / sqrt(n)
//   orthogonal               orthogonal_(gain=calculate_gain('tanh' | 'relu'))   the same, orthogonal rows
//   LSUV                     lsuv_ (lsuv.h) on x: orthogonal_, then each layer's output scaled to std 1
// Xavier takes Glorot and Bengio's own gain 1 for both activations, the scheme as the paper states it:
// under ReLU it halves the variance at every layer, and under tanh its variance decays slowly (as about
// 1 / (2 l) at layer l, tanh being contracting), which is what the chart should show. Kaiming and orthogonal
// take the activation's calculate_gain, i.e. PyTorch's recommendation for it; for a square layer Kaiming's
// tanh form equals xavier_normal_(gain=5/3).
//
// Non-finite values: ReLU with N(0, 1) weights multiplies the std by about sqrt(n / 2) per layer
// (11.3 for n = 256) and overflows float32 after about 36 layers. Wherever a layer's values contain an
// infinity or NaN, its std is recorded as +inf, never as a silent NaN or a finite std of what is left. When
// the forward pass overflowed, every gradient std is +inf: a backward pass through inf and NaN activations
// (inf times 0, ReLU masks of NaN) measures nothing, and the exact gradients explode as fast as the
// activations. A std of 0 stays 0: zeros everywhere, and small normal under ReLU, whose activations underflow
// to exact zeros from layer 48 on (width 256), so that ReLU's derivative there, and with it every gradient,
// is exactly 0 as well. The charts' log axis leaves out both (charts.h).
//
// Measured at the defaults (50 layers of width 256, batch 256, seed 0), activation std at layers 1 and 50:
//   tanh: small normal 0.16 -> 1.5e-40, large normal 0.975 -> 0.974 (saturated), Xavier 0.63 -> 0.10,
//         Kaiming 0.76 -> 0.66, orthogonal 0.76 -> 0.65, LSUV 0.63 -> 0.63
//   ReLU: small normal 0.093 -> 0, large normal 9.3 -> +inf (from layer 37), Xavier 0.58 -> 1.4e-8,
//         Kaiming 0.82 -> 0.48 (0.40 at the lowest), orthogonal 0.82 -> 0.32, LSUV 0.58 -> 0.58
// Runtime: both activations at the defaults take 3.4 s in a Release build (tanh 2.1 s, ReLU 1.2 s) on a
// 2-core machine shared with other builds. Most of it is the GEMMs (OpenBLAS): per scheme 50 forward and 100
// backward products of 256 x 256 by 256 x 256.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "nninit/core/tensor.h"

namespace nninit::diag {

enum class SweepActivation { tanh, relu };

std::string_view sweep_activation_name(SweepActivation activation);  // "tanh", "ReLU"

struct DepthSweepOptions {
  int depth = 50;
  int width = 256;
  int batch = 256;
  std::uint64_t seed = 0;
};

struct SweepScheme {
  std::string name{};  // the legend: "zeros", "small normal (std 0.01)", "Xavier", "LSUV", ...
  std::string init{};  // what each layer got, as an init expression: "xavier_normal_(gain=1.0)"
  // Per layer (depth entries, layer 1 first); +inf where the values are not all finite.
  std::vector<double> preactivation_std{};  // the Linear's output, before the activation
  std::vector<double> activation_std{};     // after the activation
  std::vector<double> gradient_std{};       // d(loss) / d(the Linear's input)
};

struct DepthSweep {
  SweepActivation activation = SweepActivation::tanh;
  DepthSweepOptions options{};
  std::vector<SweepScheme> schemes{};  // in the table's order
  // Set by run_block_sweep (block_sweep.h), which stacks the model's own block instead of the Linear layers
  // (then `activation` and `width` say nothing, and each scheme's preactivation_std is empty).
  std::string block{};  // "layers.* (TransformerEncoderLayer)"; empty for the demo
  Shape block_input{};  // the shape the block receives in the model

  // The scheme by name; IndexError for an unknown name.
  const SweepScheme& scheme(std::string_view name) const;
};

// Runs every scheme of the table. ValueError for a depth, width or batch below 1.
DepthSweep run_depth_sweep(SweepActivation activation, const DepthSweepOptions& options = {});

}  // namespace nninit::diag
