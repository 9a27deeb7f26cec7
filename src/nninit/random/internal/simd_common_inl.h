// What every vectorised kernel family uses, written once over a vector type `V` (simd_avx2_inl.h,
// simd_avx512_inl.h): the lane types, the inlining attribute and the alignment that streaming stores need.
//
// No include guard and no includes: a kernel source includes it inside an anonymous namespace, after its
// NNINIT_TARGET_BEGIN (target.h) and its `V`, and #undefs NNINIT_VECTOR_INLINE at its end.

using F = V::F;
using I = V::I;
using D = V::D;

// The vector helpers below are inlined into their kernels (GCC would otherwise pass vectors through memory).
#define NNINIT_VECTOR_INLINE [[gnu::always_inline]] inline

bool aligned_for_streaming(const void* p) {
  return reinterpret_cast<std::uintptr_t>(p) % (sizeof(F)) == 0;
}
