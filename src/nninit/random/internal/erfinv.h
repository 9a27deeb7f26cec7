// ATen's calc_erfinv (aten/src/ATen/native/Math.h), the inverse error function behind
// Tensor.erfinv_ and so behind trunc_normal_ up to PyTorch 2.10: a rational initial approximation
// (Pavlis's MATLAB erfinv, 1996) refined by two Newton steps, evaluated in the tensor's precision.
//
// `fused` reproduces the vectorised builds, where GCC contracted each Horner step a*z + b into one
// fma; the generic build has no FMA instructions, so every product is rounded.
#pragma once

#include <cstddef>

namespace nninit {

// `correctly_rounded_erf`: the float erf of the Newton steps is correctly rounded, as the C library's
// erff is from glibc 2.41 on (CORE-MATH); the PyTorch 2.x builds Debian ships run on such a glibc, its
// 1.13 build on glibc 2.36, whose erff is not. nninit computes the correctly rounded erff as erf in double
// rounded to float, and calls the C library's erff for the other.
float calc_erfinv(float y, bool fused, bool correctly_rounded_erf);
double calc_erfinv(double y, bool fused);
// out[i] = calc_erfinv(y[i], ...) for i < n (out may be y): the same operations, several values
// interleaved so that their C library calls overlap.
void calc_erfinv(const float* y, float* out, std::size_t n, bool fused, bool correctly_rounded_erf);
void calc_erfinv(const double* y, double* out, std::size_t n, bool fused);

}  // namespace nninit
