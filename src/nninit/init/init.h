// Every function of torch.nn.init, with PyTorch's defaults, draws, errors and warnings.
//
// Each function fills `tensor` in place (a handle: views work, as in PyTorch) and returns it. Random
// schemes draw from `generator`, by default the process-wide default_generator(), which is what
// PyTorch does when no generator= is passed. With a TorchGenerator the bits equal PyTorch's for the
// generator's release and capability (docs/rng.md).
//
//   nn::Linear layer({.in_features = 784, .out_features = 256});  // PyTorch's default init
//   init::kaiming_normal_(layer.weight(), {.mode = init::FanMode::fan_out,
//                                          .nonlinearity = init::Nonlinearity::relu});
//   init::zeros_(layer.bias());
//   TorchGenerator g(42);                                          // g = torch.Generator().manual_seed(42)
//   init::trunc_normal_(layer.weight(), {.std = 0.02}, g);        // trunc_normal_(w, std=.02, generator=g)
#pragma once

#include <cstdint>
#include <optional>

#include "nninit/core/tensor.h"
#include "nninit/init/fan.h"
#include "nninit/random/torch_generator.h"

namespace nninit::init {

struct UniformOptions {
  double a = 0.0;  // lower bound
  double b = 1.0;  // upper bound
};
struct NormalOptions {
  double mean = 0.0;
  double std = 1.0;
};
struct TruncNormalOptions {
  double mean = 0.0;
  double std = 1.0;
  double a = -2.0;  // absolute lower cut-off (not in units of std)
  double b = 2.0;   // absolute upper cut-off
};
struct XavierOptions {
  double gain = 1.0;
};
struct KaimingOptions {
  // Negative slope of the rectifier after this layer (leaky_relu only); nullopt means 0.01, as
  // calculate_gain(param=None).
  std::optional<double> a = 0.0;
  FanMode mode = FanMode::fan_in;
  Nonlinearity nonlinearity = Nonlinearity::leaky_relu;
};
struct OrthogonalOptions {
  double gain = 1.0;
};
struct SparseOptions {
  double sparsity = 0.0;  // fraction of each column set to zero
  double std = 0.01;
};
struct DiracOptions {
  std::int64_t groups = 1;
};

// U(a, b).
Tensor uniform_(const Tensor& tensor, UniformOptions options = {},
                Generator& generator = default_generator());
// N(mean, std^2).
Tensor normal_(const Tensor& tensor, NormalOptions options = {}, Generator& generator = default_generator());
// N(mean, std^2) restricted to [a, b]. Warns when mean lies more than 2 std outside [a, b].
Tensor trunc_normal_(const Tensor& tensor, TruncNormalOptions options = {},
                     Generator& generator = default_generator());
// Fill with `value`; a value outside the dtype's finite range is an error (as c10::checked_convert, whose
// wording depends on the release).
Tensor constant_(const Tensor& tensor, double value,
                 const TorchRelease& release = default_generator().release());
Tensor ones_(const Tensor& tensor);
Tensor zeros_(const Tensor& tensor);
// The identity matrix (2-D only), ones on the main diagonal of a rectangular matrix.
// PyTorch 1.13 has no bfloat16 kernel for it (`release` says which release to follow).
Tensor eye_(const Tensor& tensor, const TorchRelease& release = default_generator().release());
// The Dirac delta for convolution weights (3-D to 5-D): each group's first min(out/groups, in)
// channels pass their input channel through the kernel centre.
Tensor dirac_(const Tensor& tensor, DiracOptions options = {});
// Glorot and Bengio (2010), "Understanding the difficulty of training deep feedforward neural
// networks": std = gain * sqrt(2 / (fan_in + fan_out)); the uniform bound is sqrt(3) * std.
Tensor xavier_uniform_(const Tensor& tensor, XavierOptions options = {},
                       Generator& generator = default_generator());
Tensor xavier_normal_(const Tensor& tensor, XavierOptions options = {},
                      Generator& generator = default_generator());
// He et al. (2015), "Delving deep into rectifiers": std = gain / sqrt(fan), fan chosen by mode; the
// uniform bound is sqrt(3) * std. A tensor with a zero-size dimension warns and is left untouched.
Tensor kaiming_uniform_(const Tensor& tensor, KaimingOptions options = {},
                        Generator& generator = default_generator());
Tensor kaiming_normal_(const Tensor& tensor, KaimingOptions options = {},
                       Generator& generator = default_generator());
// Saxe et al. (2013), "Exact solutions to the nonlinear dynamics of learning in deep linear neural
// networks": a (semi-)orthogonal matrix from the QR factorisation of a normal matrix (LAPACK), signs
// fixed by diag(R) (Mezzadri 2006), trailing dimensions flattened, times gain.
Tensor orthogonal_(const Tensor& tensor, OrthogonalOptions options = {},
                   Generator& generator = default_generator());
// Martens (2010), "Deep learning via Hessian-free optimization": N(0, std^2), then ceil(sparsity * rows)
// entries of every column set to zero. The rows to zero come from randperm on default_generator(),
// whatever `generator` is: PyTorch calls torch.randperm without its generator= here.
Tensor sparse_(const Tensor& tensor, SparseOptions options, Generator& generator = default_generator());

}  // namespace nninit::init
