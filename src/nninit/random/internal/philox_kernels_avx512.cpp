// The avx512 table of philox_kernels.h: philox_kernels_simd_inl.h over the 16-lane AVX-512 vectors of
// simd_avx512_inl.h.
//
// As in fill_kernels_avx512.cpp: all headers before the target pragma, everything after it internal, and
// these functions run only when host_isa.h found the instruction sets.
//
// GCC 12's AVX-512 intrinsics start some results from _mm512_undefined_*(), which it then reports as
// uninitialised (GCC bug 105593, fixed in GCC 13).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <cstddef>
#include <cstdint>

#include "nninit/random/internal/box_muller.h"
#include "nninit/random/internal/philox_kernels.h"
#include "nninit/random/internal/target.h"

NNINIT_TARGET_BEGIN("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")

namespace nninit::philox_kernels {
namespace {

// In this order: the vector type, what every kernel uses, the Box-Muller pieces, the kernels.
#include "nninit/random/internal/simd_avx512_inl.h"

#include "nninit/random/internal/simd_common_inl.h"

#include "nninit/random/internal/box_muller_simd_inl.h"

#include "nninit/random/internal/philox_kernels_simd_inl.h"

#undef NNINIT_VECTOR_INLINE

}  // namespace

const Kernels avx512_kernels = {HostIsa::avx512, words, uniform_float, normal_float, trunc_normal_float};

}  // namespace nninit::philox_kernels

NNINIT_TARGET_END
