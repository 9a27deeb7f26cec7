// Per-layer kernels: the forward and backward computation of one leaf module. A kernel object serves one
// call: forward() computes the outputs and keeps what backward() needs; backward() returns the gradients
// of the inputs and adds the parameters' gradients through its context. Containers and the Transformer
// layers have no kernel: trace.cpp and composite.cpp run them as programs over their children.
//
// Tensors passed to and returned from kernels are contiguous; floating-point ones are float32.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "nninit/core/tensor.h"
#include "nninit/engine/trace.h"
#include "nninit/nn/module.h"

namespace nninit::engine {

class ForwardContext {
 public:
  virtual ~ForwardContext() = default;
  virtual const ForwardOptions& options() const = 0;
  // A module's own parameter or buffer `name` as a contiguous float32 tensor: the tensor itself when it
  // already is one, a converted copy otherwise. Undefined when it is registered as None.
  virtual Tensor parameter(const nn::Module& module, std::string_view name) = 0;
  // The key of a fresh random stream (dropout_mask.h), one per random use, in call order.
  virtual std::uint64_t next_random_key() = 0;
  // Hidden states over time of the current call (RNN, LSTM, GRU); `call` is filled in by the trace.
  virtual void record_recurrent(RecurrentStates states) = 0;
};

class BackwardContext {
 public:
  virtual ~BackwardContext() = default;
  // Adds `grad` (float32, the parameter's shape) to the gradient of the module's parameter `name`.
  virtual void accumulate(const nn::Module& module, std::string_view name, const Tensor& grad) = 0;
  // d(loss)/d(h_t) of the current call, with the layout of RecurrentStates::hidden.
  virtual void record_recurrent_grad(Tensor hidden_grad) = 0;
};

class Kernel {
 public:
  virtual ~Kernel() = default;
  virtual std::vector<Tensor> forward(const std::vector<Tensor>& inputs, ForwardContext& context) = 0;
  // grad_outputs has one defined float32 tensor per output (zeros where nothing flows). Returns at most one
  // entry per input, in order: undefined (or missing) where no gradient flows, as for integer inputs.
  virtual std::vector<Tensor> backward(const std::vector<Tensor>& grad_outputs,
                                       BackwardContext& context) const = 0;
};

// The kernel for a leaf module, chosen by its class (dynamic_cast); null when there is none.
std::unique_ptr<Kernel> make_kernel(nn::Module& module);

// Kernels for the glue between the children of composite modules.
std::unique_ptr<Kernel> make_add_kernel();  // (a, b) -> a + b, same shapes

}  // namespace nninit::engine
