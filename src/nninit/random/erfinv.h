// ATen's calc_erfinv (aten/src/ATen/native/Math.h), the inverse error function behind
// Tensor.erfinv_ and so behind trunc_normal_ up to PyTorch 2.10: a rational initial approximation
// (Pavlis's MATLAB erfinv, 1996) refined by two Newton steps, evaluated in the tensor's precision.
//
// `fused` reproduces the vectorised builds, where GCC contracted each Horner step a*z + b into one
// fma; the generic build has no FMA instructions, so every product is rounded.
#pragma once

namespace nninit {

float calc_erfinv(float y, bool fused);
double calc_erfinv(double y, bool fused);

}  // namespace nninit
