// Compiling a region of a source file for extra instruction sets, with GCC or clang:
//
//   NNINIT_TARGET_BEGIN("avx2,fma")
//   ... functions that may use AVX2 and FMA; called only where host_isa.h found them ...
//   NNINIT_TARGET_END
//
// GCC takes `#pragma GCC target`, which clang ignores; clang takes a target attribute pushed onto every
// function declared in the region. Put every #include before the region, so that no inline function of a
// header is compiled for the extra instruction sets (and then picked by the linker for other callers).
#pragma once

#define NNINIT_PRAGMA(text) _Pragma(#text)
#if defined(__clang__)
#define NNINIT_TARGET_BEGIN(features) \
  NNINIT_PRAGMA(clang attribute push(__attribute__((target(features))), apply_to = function))
#define NNINIT_TARGET_END NNINIT_PRAGMA(clang attribute pop)
#else
#define NNINIT_TARGET_BEGIN(features) NNINIT_PRAGMA(GCC push_options) NNINIT_PRAGMA(GCC target(features))
#define NNINIT_TARGET_END NNINIT_PRAGMA(GCC pop_options)
#endif
