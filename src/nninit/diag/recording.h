// A recorded forward and backward pass: what the diagnosis reads, whoever recorded it. nninit's own engine
// records one with record_pass(); the Python package records the same from PyTorch's forward and backward
// hooks on the user's own nn.Module. diagnose() (diagnose.h) only reads this record.
//
//   Recording r = record_pass(model, {x}, {.gradient_seed = 0, .train = true});
//   Diagnosis d = diagnose(r);
//
// Every tensor is float32 or int64 (integer inputs), as the engine computes them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nninit/core/tensor.h"
#include "nninit/nn/module.h"

namespace nninit::diag {

// A recurrent layer's hidden states at every time step, per layer and direction (entry l * directions + d),
// with the gradient reaching each.
struct RecurrentRecord {
  std::int64_t num_layers = 1;
  std::int64_t num_directions = 1;
  Tensor hidden{};           // (num_layers * num_directions, steps, batch, H): each layer's output h_t
  Tensor hidden_gradient{};  // the same layout: d(loss)/d(h_t), from the outputs, the next step and layer
};

// One call of one module, in the order calls start (a parent before its children).
struct CallRecord {
  std::string name{};           // the module's dotted path ("" for the model itself, "0", "layers.1.linear1")
  std::string type{};           // its class name ("Linear")
  int depth = 0;                // 0 for the model; children of a call at depth d are at d + 1
  bool has_parameters = false;  // the module has parameters of its own
  Tensor input{};               // its first input (undefined where none is a tensor)
  std::vector<Tensor> outputs{};  // its outputs (undefined where one is not a tensor)
  Tensor input_gradient{};        // the total gradient reaching its first input (undefined: none)
  Tensor output_gradient{};       // the total gradient reaching its first output
  std::optional<RecurrentRecord> recurrent{};
};

struct Recording {
  std::vector<Tensor> inputs{};  // the model's inputs
  bool train = false;            // the mode the pass ran in
  std::string gradient_note{};   // how the backward pass was seeded, in words
  std::vector<CallRecord> calls{};
  std::vector<NamedTensor> parameters{};           // named_parameters() order
  std::vector<NamedTensor> parameter_gradients{};  // the same names and order
};

struct RecordOptions {
  // Seed of the N(0, 1) gradient drawn at each float output (nninit's own TorchGenerator, independent of
  // the model's).
  std::uint64_t gradient_seed = 0;
  // Train mode (BatchNorm with batch statistics, dropout active) or eval mode. The model's own mode is
  // restored afterwards.
  bool train = false;
};

// Runs the model forward on `inputs` through nninit's engine and backward from a unit-variance random
// gradient at each float output, and records every module call. The model's parameters are not changed.
// Throws what engine::run_forward throws for inputs that do not fit.
Recording record_pass(nn::Module& model, const std::vector<Tensor>& inputs,
                      const RecordOptions& options = {});

}  // namespace nninit::diag
