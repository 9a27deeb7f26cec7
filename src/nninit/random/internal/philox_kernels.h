// The inner loops of PhiloxGenerator's float32 fills, as one table of kernels per CPU level (host_isa.h).
//
// Kernels work on groups (docs/rng.md §11.3): group g is the 16 Philox blocks 16g .. 16g + 15 of one
// stream, block b being philox4x32({b mod 2^32, b >> 32, draw, attempt}, key), and its 64 words are laid
// out word-major, out[16k + l] = word k of block 16g + l. A float32 fill turns group g into the whole
// parameter's elements 64g .. 64g + 63 in that same layout, so vectors of 8 or 16 lanes compute
// consecutive elements without shuffles, and every lane count gives the same bits.
//
// The `generic` table holds the scalar references (philox_kernels.cpp), written with the one-element
// transforms below; the `avx2` and `avx512` tables (philox_kernels_simd_inl.h) perform the same IEEE
// operations in the same order (each fma is one fma; the library is built with -ffp-contract=off), and
// philox_kernels_test.cpp holds every kernel equal to its reference. `stream` asks for non-temporal
// stores; a kernel ignores it when `out` is not aligned to a whole vector.
#pragma once

#include <cstddef>
#include <cstdint>

#include "nninit/random/host_isa.h"
#include "nninit/random/philox.h"

namespace nninit::philox_kernels {

inline constexpr std::uint64_t blocks_per_group = 16;
inline constexpr std::uint64_t words_per_group = 64;
// trunc_normal_ tries this many normal draws (attempts 0..3) before its inverse CDF, whose uniform
// comes from attempt 4 (§11.6).
inline constexpr std::uint32_t trunc_normal_attempts = 4;

// Everything of a block's counter except the block index.
struct Stream {
  PhiloxKey key{};
  std::uint32_t draw = 0;     // counter word 2
  std::uint32_t attempt = 0;  // counter word 3
};

inline PhiloxCounter block(const Stream& stream, std::uint64_t index) {
  return philox4x32({static_cast<std::uint32_t>(index), static_cast<std::uint32_t>(index >> 32), stream.draw,
                     stream.attempt},
                    stream.key);
}

// uniform_: x = (word >> 8) * 2^-24, v = fma(x, range, from); a v that rounded up to `to` becomes
// below_to, the largest float under `to` (or `from` when from == to).
struct UniformFloat {
  float from = 0.0f;
  float range = 1.0f;
  float to = 1.0f;
  float below_to = 0x1.fffffep-1f;
};

// trunc_normal_'s draws: normal_(mean, std) values accepted when low <= v <= high.
struct TruncNormalFloat {
  float mean = 0.0f;
  float std = 1.0f;
  float low = -2.0f;
  float high = 2.0f;
};

// The one-element transforms (§11.4, §11.5), shared by the scalar references and the per-element path.
float uniform_value(std::uint32_t word, const UniformFloat& params);
// Box-Muller on a word pair with the avx_mathfun log and sincos (box_muller.h): u1 = 1 - (first >> 8) *
// 2^-24 in (0, 1], u2 = (second >> 8) * 2^-24, r = sqrt(-2 log u1), theta = 2pi * u2; cos_value =
// fma(r * cos theta, std, mean), sin_value = fma(r * sin theta, std, mean).
void normal_pair(std::uint32_t first, std::uint32_t second, float mean, float std, float& cos_value,
                 float& sin_value);

struct Kernels {
  HostIsa level;
  // The words of groups first_group .. first_group + groups - 1 (64 per group, word-major).
  void (*words)(const Stream& stream, std::uint64_t first_group, std::size_t groups, std::uint32_t* out);
  // Element 16k + l of a group: uniform_value(word k of block l).
  void (*uniform_float)(const Stream& stream, std::uint64_t first_group, std::size_t groups, float* out,
                        const UniformFloat& params, bool stream_stores);
  // Elements l and 16 + l: normal_pair(word 0, word 1 of block l); 32 + l and 48 + l: words 2 and 3.
  void (*normal_float)(const Stream& stream, std::uint64_t first_group, std::size_t groups, float* out,
                       float mean, float std, bool stream_stores);
  // Each element takes the first of attempts 0 .. trunc_normal_attempts - 1 (stream.attempt is ignored)
  // whose normal_float value lies in [low, high]; an element none of them accepts is written as NaN, for
  // the caller's inverse CDF. Returns the number of NaNs written.
  std::size_t (*trunc_normal_float)(const Stream& stream, std::uint64_t first_group, std::size_t groups,
                                    float* out, const TruncNormalFloat& params);
};

// The table for a level; a level above detected_host_isa() gives the detected one's.
const Kernels& kernels_for(HostIsa level);
// The table for host_isa(): what the fills use.
const Kernels& kernels();

extern const Kernels generic_kernels;
extern const Kernels avx2_kernels;
extern const Kernels avx512_kernels;

}  // namespace nninit::philox_kernels
