// The avx2 table: fill_kernels_simd_inl.h over the 8-lane AVX2 vectors of simd_avx2_inl.h (with FMA).
//
// Everything after the target pragma is compiled for AVX2 + FMA and has internal linkage, so no inline
// function compiled for AVX2 can be picked up by code that runs on a CPU without it; all headers come
// before the pragma for the same reason. These functions run only when host_isa.h found AVX2 and FMA.
#include <immintrin.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "nninit/random/internal/box_muller.h"
#include "nninit/random/internal/fill_kernels.h"
#include "nninit/random/internal/target.h"
#include "nninit/random/mt19937.h"

NNINIT_TARGET_BEGIN("avx2,fma")

namespace nninit::fill_kernels {
namespace {

// In this order: the vector type, what every kernel uses, the Box-Muller pieces, the kernels.
#include "nninit/random/internal/simd_avx2_inl.h"

#include "nninit/random/internal/simd_common_inl.h"

#include "nninit/random/internal/box_muller_simd_inl.h"

#include "nninit/random/internal/fill_kernels_simd_inl.h"

#undef NNINIT_VECTOR_INLINE

}  // namespace

const Kernels avx2_kernels = {HostIsa::avx2,      mt_regenerate,     mt_temper,
                              uniform_float,      uniform_double,    narrow16,
                              normal_avx_mathfun, avx_mathfun_log_n, avx_mathfun_sincos_n};

}  // namespace nninit::fill_kernels

NNINIT_TARGET_END
