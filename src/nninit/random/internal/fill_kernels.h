// The inner loops of TorchGenerator's fills, as one table of kernels per host instruction set (host_isa.h).
//
// Each fill draws a block of mt19937 words into an L1-sized scratch buffer (MT19937::fill) and hands it
// to a kernel that turns words into values and writes them out. The `generic` table holds the scalar
// references, written as plainly as PyTorch's own loops (docs/rng.md §2, §3); the `avx2` and
// `avx512` tables hold vectorised kernels (fill_kernels_simd_inl.h) that give the same bits for every
// input, because they perform the same IEEE operations in the same order (each fma is one fma; the
// library is built with -ffp-contract=off). fill_kernels_test.cpp holds every kernel equal to its
// reference.
//
// `stream` asks for non-temporal stores (large outputs that would only evict the caches); a kernel may
// ignore it, for example when `out` is not aligned to a whole vector.
#pragma once

#include <cstddef>
#include <cstdint>

#include "nninit/core/dtype.h"
#include "nninit/random/host_isa.h"

namespace nninit::fill_kernels {

// Words to floats, one word per value: x = (word & mask) * scale, then x * range + from rounded once
// (fused) or twice, then a result equal to `to` replaced by `from` when `clamp` (docs/rng.md §2).
struct UniformFloat {
  std::uint32_t mask = 0xffffffu;  // the low bits kept: 24 (float32), 11 (Half), 8 (BFloat16)
  float scale = 0x1p-24f;          // 2^-bits
  float from = 0.0f;
  float range = 1.0f;
  float to = 1.0f;
  bool fused = false;
  bool clamp = false;
};

// Word pairs to doubles, as random64(): x = ((first << 32 | second) & (2^53 - 1)) * 2^-53, then
// x * (to - from) + from, fused or not, and the same optional clamp.
struct UniformDouble {
  double from = 0.0;
  double to = 1.0;
  bool fused = false;
  bool clamp = false;
};

// Floats to Half or BFloat16 bits, rounded to nearest even as core/dtype.h rounds; then, when `replace`,
// a result equal as a float to to_bits's value becomes from_bits (PyTorch 2.12's 16-bit clamp).
struct Narrow {
  DType dtype = DType::bfloat16;  // float16 or bfloat16
  bool replace = false;
  std::uint16_t to_bits = 0;
  std::uint16_t from_bits = 0;
};

struct Kernels {
  HostIsa level;
  // MT19937's twist of the 624 state words in place (MT19937::regenerate_reference).
  void (*mt_regenerate)(std::uint32_t* state);
  // out[i] = MT19937::temper(state[i]) for i < n.
  void (*mt_temper)(const std::uint32_t* state, std::uint32_t* out, std::size_t n);
  // out[i] from words[i], i < n (UniformFloat).
  void (*uniform_float)(const std::uint32_t* words, float* out, std::size_t n, const UniformFloat& params,
                        bool stream);
  // out[i] from words[2i] (the high half) and words[2i + 1], i < n (UniformDouble).
  void (*uniform_double)(const std::uint32_t* words, double* out, std::size_t n, const UniformDouble& params,
                         bool stream);
  // out[i] = the 16-bit bits of in[i], i < n (Narrow).
  void (*narrow16)(const float* in, std::uint16_t* out, std::size_t n, const Narrow& params, bool stream);
  // PyTorch's AVX2 normal_ fill on `blocks` blocks of 16: the uniforms (word & 0xffffff) * 2^-24 of
  // words[16b .. 16b + 15] through box_muller::avx_mathfun16 into out[16b .. 16b + 15].
  void (*normal_avx_mathfun)(const std::uint32_t* words, float* out, std::size_t blocks, float mean,
                             float std, bool stream);
  // The two halves of the transform, exposed for tests: box_muller::avx_mathfun_log and
  // box_muller::avx_mathfun_sincos of x[i], i < n.
  void (*avx_mathfun_log)(const float* x, float* out, std::size_t n);
  void (*avx_mathfun_sincos)(const float* x, float* sine, float* cosine, std::size_t n);
};

// The table for a level; a level above detected_host_isa() gives the detected one's.
const Kernels& kernels_for(HostIsa level);
// The table for host_isa(): what the fills use.
const Kernels& kernels();

// The per-level tables (generic is always there; the others only on x86-64 builds).
extern const Kernels generic_kernels;
extern const Kernels avx2_kernels;
extern const Kernels avx512_kernels;

}  // namespace nninit::fill_kernels
