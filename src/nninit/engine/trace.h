// Forward and backward passes through a module tree, recorded layer by layer: the diagnostics' engine.
//
//   Trace t = run_forward(model, {x});          // every module call with its inputs and outputs
//   Gradients g = run_backward(t, grad_output);  // d(input), d(output) of every call, d(parameter)
//
// Everything is computed in float32 on contiguous buffers (GEMM and convolution through OpenBLAS),
// whatever the parameters' dtype: float64, float16 and bfloat16 parameters are read as float32 (a
// float64 model is therefore evaluated in float32, not in double). Integer inputs (Embedding's and
// EmbeddingBag's indices) stay int64. Results match PyTorch's float32 forward and backward within the
// tolerance tests/conformance/README.md derives; they are not bitwise equal (BLAS summation order).
//
// How modules are called, as PyTorch's forward would call them:
//   Sequential          chains its children (each but the last must return one tensor)
//   ModuleList          not callable (NotImplementedError, as in PyTorch)
//   RNN/LSTM/GRU        (input[, h_0[, c_0]]) -> (output, h_n[, c_n]); the cells (input[, h[, c]])
//   MultiheadAttention  (query[, key, value]) -> (attn_output, attn_weights averaged over heads); one
//                       input means self-attention (query = key = value); no masks
//   Bilinear            (input1, input2)
//   TransformerEncoderLayer/Encoder (src), DecoderLayer/Decoder (tgt, memory), Transformer (src, tgt);
//                       no masks
//   EmbeddingBag        (indices[, offsets[, per_sample_weights]])
//   MaxPool/AdaptiveMaxPool with return_indices -> (output, indices)
// Train or eval comes from each module's is_training(), as in PyTorch: BatchNorm normalises with batch
// statistics in train mode and running statistics in eval mode; the dropouts are the identity in eval
// mode. In train mode the random masks (Dropout*, RReLU, the dropout of attention weights and between
// RNN layers) come from nninit's own generator (dropout_mask.h), not from PyTorch's bits.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "nninit/core/tensor.h"
#include "nninit/nn/module.h"

namespace nninit::engine {

struct ForwardOptions {
  // BatchNorm and InstanceNorm in train mode with track_running_stats update running_mean, running_var and
  // num_batches_tracked as PyTorch does. Off by default: a diagnosis does not change the model.
  bool update_running_stats = false;
  // Seed of the masks drawn in train mode (dropout_mask.h).
  std::uint64_t dropout_seed = 0;
};

// Index of a tensor in a Trace (a model input, a module's output, an intermediate value).
using ValueId = std::int64_t;

// One call of one module, in the order calls start (a parent before its children, as named_modules()).
struct ModuleCall {
  std::string
      name;  // the module's dotted name from named_modules(): "" for the model, "0", "layers.1.linear1"
  nn::Module* module = nullptr;
  int depth = 0;  // 0 for the model; children of a call at depth d are at d + 1
  std::vector<ValueId> inputs{};
  std::vector<ValueId> outputs{};
  int recurrent = -1;  // index into Trace::recurrent() for RNN, LSTM and GRU calls
};

// The hidden states of an RNN, LSTM or GRU call at every time step, for statistics over time. Entry
// l * num_directions + d is layer l, direction d (the reverse direction's steps are stored in input order).
struct RecurrentStates {
  std::size_t call = 0;  // index into Trace::calls()
  std::int64_t num_layers = 1;
  std::int64_t num_directions = 1;
  Tensor hidden{};  // (num_layers * num_directions, steps, batch, H_out): each layer's output h_t
  Tensor cell{};    // LSTM only: (num_layers * num_directions, steps, batch, hidden_size): c_t
};

class Trace {
 public:
  Trace();
  ~Trace();
  Trace(Trace&&) noexcept;
  Trace& operator=(Trace&&) noexcept;

  const std::vector<ModuleCall>& calls() const;
  const std::vector<RecurrentStates>& recurrent() const;
  const Tensor& value(ValueId id) const;
  std::vector<Tensor> inputs(const ModuleCall& call) const;
  std::vector<Tensor> outputs(const ModuleCall& call) const;
  // The model's outputs (those of calls()[0]).
  std::vector<Tensor> outputs() const;
  nn::Module& model() const;

  struct State;
  State& state() const { return *state_; }

 private:
  std::unique_ptr<State> state_;
};

// Runs the model on `inputs` and records every module call. A tensor passed more than once (the same
// storage, offset, sizes and strides) is one value whose gradient sums its uses, as in PyTorch. Throws
// ValueError/RuntimeError with the module's name for a wrong input, NotImplementedError for a module without
// a forward (ModuleList).
Trace run_forward(nn::Module& model, const std::vector<Tensor>& inputs, const ForwardOptions& options = {});

// Only the outputs (the trace is dropped): LSUV's repeated forward passes.
std::vector<Tensor> forward(nn::Module& model, const std::vector<Tensor>& inputs,
                            const ForwardOptions& options = {});

struct Gradients {
  // d(loss)/d(model input i), float32; undefined for integer inputs.
  std::vector<Tensor> inputs;
  // d(loss)/d(output j) of calls()[i], the total over all uses of that output; zeros where none flows.
  std::vector<std::vector<Tensor>> call_outputs;
  // d(loss)/d(input j) of calls()[i], the same total, also where that input is no module's output (a
  // residual sum, a functional activation inside a Transformer layer); undefined for integer inputs.
  std::vector<std::vector<Tensor>> call_inputs;
  // Every parameter of model.named_parameters(), in that order and by that name: float32, the parameter's
  // shape, zeros for a parameter the loss does not depend on (PyTorch leaves None there).
  std::vector<NamedTensor> parameters;
  // Per Trace::recurrent() entry: d(loss)/d(h_t) with the layout of RecurrentStates::hidden, the total
  // gradient reaching each step's hidden state (from the outputs, the next step and the next layer).
  std::vector<Tensor> recurrent_hidden;

  // The gradient of one parameter by its named_parameters() name; IndexError for an unknown name.
  const Tensor& parameter(std::string_view name) const;
};

// Backpropagates grad_outputs (one per model output; an undefined tensor counts as zeros) through the
// trace. The trace is not changed: it can be backpropagated again.
Gradients run_backward(const Trace& trace, const std::vector<Tensor>& grad_outputs);
// The same with a gradient for the first output only.
Gradients run_backward(const Trace& trace, const Tensor& grad_output);

}  // namespace nninit::engine
