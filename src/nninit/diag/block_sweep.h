// The depth sweep on the model's own repeated block: the block the model repeats (a TransformerEncoder's
// layers, a Sequential of identical residual blocks), stacked to `depth` copies and run forward and
// backward, with the activation and gradient std after every copy.
//
//   if (const auto block = find_repeated_block(model)) {
//     const DepthSweep sweep = run_block_sweep(model, inputs, *block, initialise, {.depth = 50});
//     // sweep.block == "layers.* (TransformerEncoderLayer)", sweep.schemes.front().activation_std[k]
//   }
//
// The rule (docs/diagnostics.md): the repeated block is found in the first Sequential or ModuleList, in
// named_modules() order (so the outermost), that holds at least two consecutive children with the same
// PyTorch repr (the same classes, sizes and options) and children of their own. A leaf layer (a Linear
// alone, a ReLU) is not a block: `Sequential(Linear, ReLU, Linear, ReLU, Linear)` has none. Where a
// container holds several such runs, the longest one (the first of equal length) is the block.
//
// The stack: copy k (k = 0 .. depth - 1) is a deep copy of the model's block k mod n (n blocks), so that
// parameters no rule re-draws keep the values the model's own blocks have; the copies sit in a Sequential
// under the container's own path, so that their parameters are named as the model's are
// ("layers.7.linear1.weight") and the caller's initialisation (the user's --init rules and preset) reaches
// every copy as it reached the model's blocks, with new draws. The input is an N(0, 1) sample of the shape
// the block's first copy receives in the model (found by a forward pass on the model's inputs), drawn from
// TorchGenerator(seed); the backward pass starts from an N(0, 1) gradient at the last copy's output, drawn
// by record_pass (recording.h) with gradient seed `seed + 1` (with `seed`, a gradient of the input's shape
// would repeat the input's values).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "nninit/core/tensor.h"
#include "nninit/diag/depth_sweep.h"
#include "nninit/nn/module.h"
#include "nninit/random/generator.h"

namespace nninit::diag {

struct RepeatedBlock {
  std::string container{};            // the container's dotted path ("layers"; "" for the model itself)
  std::vector<std::string> blocks{};  // the repeated children's paths, in order ("layers.0", "layers.1")
  std::string type{};                 // the block's class ("TransformerEncoderLayer", "Sequential")
};

// The model's repeated block by the rule above, or nullopt when it has none.
std::optional<RepeatedBlock> find_repeated_block(nn::Module& model);

struct BlockSweepOptions {
  int depth = 50;
  std::uint64_t seed = 0;
  bool train = false;                                // the mode of the passes (dropout, BatchNorm)
  std::string label = "the model's initialisation";  // the one scheme's name
  std::string init = "PyTorch's defaults";           // what the copies got, in words
};

// Re-initialises the stack's parameters (named as the model's): the user's rules, or nothing.
using StackInitialiser = std::function<void(nn::Module& stack, Generator& generator)>;

// The sweep of the block: one scheme (options.label), depth entries per series, `block` and `block_input`
// set. ValueError for a depth below 1 and for a block the model's forward pass does not call with a batched
// first input; what engine::run_forward throws for inputs the model (or the stack) does not take.
DepthSweep run_block_sweep(nn::Module& model, const std::vector<Tensor>& inputs, const RepeatedBlock& block,
                           const StackInitialiser& initialise, const BlockSweepOptions& options = {});

}  // namespace nninit::diag
