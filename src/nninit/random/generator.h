// The one interface init code draws from. Two engines implement it: TorchGenerator (PyTorch's
// mt19937 and CPU distributions, bit for bit) and PhiloxGenerator (counter-based streams keyed by a
// seed and a parameter's name, docs/rng.md §11). Init code never asks which engine it has.
//
// Tensors are handles: a fill writes through the handle into the shared storage, so the methods take
// `const Tensor&` (as libtorch's in-place ops do) and accept views.
//
// Every generator also names the PyTorch release whose semantics its user follows (release()): the
// release decides draws as well as checks (a Conv with fan_in == 0 draws its bias from 2.12 on), so one
// source answers both, and a model is never built with the checks of one release and the draws of another.
//
//   TorchGenerator g(0, {.version = {1, 13}});   // torch.manual_seed(0) in PyTorch 1.13
//   nn::Linear layer({.in_features = 4, .out_features = 3}, g);   // 1.13's draws and checks
//   g.normal_(x, 0.0, 1.0);                        // x.normal_() as 1.13 computes it
#pragma once

#include <cstdint>
#include <memory>

#include "nninit/core/tensor.h"
#include "nninit/core/torch_release.h"

namespace nninit {

class Generator {
 public:
  virtual ~Generator() = default;

  // Fills with U[from, to). Errors as PyTorch's uniform_: from > to, bounds outside the dtype's range.
  virtual void uniform_(const Tensor& tensor, double from, double to) = 0;
  // Fills with N(mean, std^2). std must be >= 0.
  virtual void normal_(const Tensor& tensor, double mean, double std) = 0;
  // Fills with N(mean, std^2) truncated to [a, b] (absolute bounds, as nn.init.trunc_normal_).
  virtual void trunc_normal_(const Tensor& tensor, double mean, double std, double a, double b) = 0;
  // A random permutation of 0..n-1 as an int64 tensor.
  virtual Tensor randperm(std::int64_t n) = 0;
  // torch.Tensor.random_(from, to) on an int64 tensor: integers uniform in [from, to). Other dtypes are a
  // TypeError; from >= to is PyTorch's RuntimeError.
  virtual void random_(const Tensor& tensor, std::int64_t from, std::int64_t to) = 0;

  // A copy in the same state: its draws are the ones this generator would make next.
  virtual std::unique_ptr<Generator> clone() const = 0;

  // While set, a generator may leave the values of uniform_ and normal_ uncomputed (the tensor's contents
  // are then unspecified) as long as it checks and advances exactly as it would otherwise: what an
  // InitRecording asks when it only needs the generator's state after a call (init/recording.h).
  // TorchGenerator skips its fill paths; other generators compute the values anyway.
  virtual void set_values_unneeded(bool unneeded) { (void)unneeded; }

  // The PyTorch release whose semantics the draws and the modules built with this generator follow.
  virtual const TorchRelease& release() const { return TorchRelease::newest(); }
};

}  // namespace nninit
