// The avx512 table: fill_kernels_simd_inl.h over the 16-lane AVX-512 vectors of simd_avx512_inl.h.
//
// As in fill_kernels_avx2.cpp: all headers before the target pragma, everything after it internal, and
// these functions run only when host_isa.h found the instruction sets.
//
// GCC 12's AVX-512 intrinsics start some results from _mm512_undefined_*(), which it then reports as
// uninitialised (GCC bug 105593, fixed in GCC 13).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "nninit/random/internal/box_muller.h"
#include "nninit/random/internal/fill_kernels.h"
#include "nninit/random/internal/target.h"
#include "nninit/random/mt19937.h"

NNINIT_TARGET_BEGIN("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")

namespace nninit::fill_kernels {
namespace {

// In this order: the vector type, what every kernel uses, the Box-Muller pieces, the kernels.
#include "nninit/random/internal/simd_avx512_inl.h"

#include "nninit/random/internal/simd_common_inl.h"

#include "nninit/random/internal/box_muller_simd_inl.h"

#include "nninit/random/internal/fill_kernels_simd_inl.h"

#undef NNINIT_VECTOR_INLINE

}  // namespace

const Kernels avx512_kernels = {HostIsa::avx512,    mt_regenerate,     mt_temper,
                                uniform_float,      uniform_double,    narrow16,
                                normal_avx_mathfun, avx_mathfun_log_n, avx_mathfun_sincos_n};

}  // namespace nninit::fill_kernels

NNINIT_TARGET_END
