// The avx2 table of philox_kernels.h: philox_kernels_simd_inl.h over the 8-lane AVX2 vectors of
// simd_avx2_inl.h (with FMA).
//
// As in fill_kernels_avx2.cpp: all headers before the target pragma, everything after it internal, and
// these functions run only when host_isa.h found AVX2 and FMA.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "nninit/random/internal/box_muller.h"
#include "nninit/random/internal/philox_kernels.h"
#include "nninit/random/internal/target.h"

NNINIT_TARGET_BEGIN("avx2,fma")

namespace nninit::philox_kernels {
namespace {

// In this order: the vector type, what every kernel uses, the Box-Muller pieces, the kernels.
#include "nninit/random/internal/simd_avx2_inl.h"

#include "nninit/random/internal/simd_common_inl.h"

#include "nninit/random/internal/box_muller_simd_inl.h"

#include "nninit/random/internal/philox_kernels_simd_inl.h"

#undef NNINIT_VECTOR_INLINE

}  // namespace

const Kernels avx2_kernels = {HostIsa::avx2, words, uniform_float, normal_float, trunc_normal_float};

}  // namespace nninit::philox_kernels

NNINIT_TARGET_END
