// Writing one Philox draw into any view of a parameter (docs/rng.md §11.3 - §11.7).
//
// The values of a draw are a function of the whole parameter's row-major element index only. A fill walks
// the tensor's elements in runs of its innermost dimension (after merging what is contiguous in both the
// tensor's storage and the whole's index); a run that steps through consecutive whole indices is computed
// group by group with the kernels of philox_kernels.h, any other run element by element. Runs are split
// over the fill threads (parallel.h), which changes nothing but the speed.
//
// The arguments must have been checked (philox.cpp does it); `where` must describe `part`.
#pragma once

#include <cstdint>

#include "nninit/core/tensor.h"
#include "nninit/random/internal/philox_kernels.h"
#include "nninit/random/philox.h"

namespace nninit::philox_fill {

// Floating dtypes: float32, float16 and bfloat16 are computed in float32 (the 16-bit ones rounded once
// from it), float64 in float64.
void uniform(const philox_kernels::Stream& stream, const Tensor& part, const PhiloxSlice& where, double from,
             double to);
void normal(const philox_kernels::Stream& stream, const Tensor& part, const PhiloxSlice& where, double mean,
            double std);
// std > 0, a <= b, and some value of the computing type lies in [a, b].
void trunc_normal(const philox_kernels::Stream& stream, const Tensor& part, const PhiloxSlice& where,
                  double mean, double std, double a, double b);
// int64; from < to.
void random(const philox_kernels::Stream& stream, const Tensor& part, const PhiloxSlice& where,
            std::int64_t from, std::int64_t to);

// The float32 bounds of trunc_normal_'s window: the smallest float >= a and the largest float <= b.
float float_at_or_above(double a);
float float_at_or_below(double b);

// The 64-bit sort key of element k of a randperm draw: words 0 and 1 of block k.
std::uint64_t permutation_key(const philox_kernels::Stream& stream, std::uint64_t k);

}  // namespace nninit::philox_fill
