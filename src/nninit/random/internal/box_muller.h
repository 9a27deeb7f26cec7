// The Box-Muller transforms of PyTorch's normal_ fill path, one block of 16 values at a time.
//
// Every variant reads 16 uniforms u[0..15] from `block` and overwrites them with normals: the pair
// (u[j], u[j+8]) becomes (r*cos(theta), r*sin(theta)) scaled by std and shifted by mean, with
// r = sqrt(-2*log(1 - u[j])) and theta = 2*pi*u[j+8] (docs/rng.md §3.1). They differ in
// arithmetic, and each is written so that its roundings are explicit: the compiler never contracts
// (the library is built with -ffp-contract=off) and every fused multiply-add is a std::fma.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "nninit/core/dtype.h"

namespace nninit::box_muller {

// Constants of the Cephes-derived avx_mathfun.h (Pommier/Garberoglio), as float-rounded literals; shared
// with the vectorised transcription in fill_kernels_simd_inl.h.
namespace avx_mathfun {
inline constexpr float log_coefficients[] = {7.0376836292e-2f,  -1.1514610310e-1f, 1.1676998740e-1f,
                                             -1.2420140846e-1f, 1.4249322787e-1f,  -1.6668057665e-1f,
                                             2.0000714765e-1f,  -2.4999993993e-1f, 3.3333331174e-1f};
inline constexpr float log_q1 = -2.12194440e-4f;
inline constexpr float log_q2 = 0.693359375f;
inline constexpr float sqrt_half = 0.707106781186547524f;
inline constexpr float four_over_pi = 1.27323954473516f;
inline constexpr float reduction_1 = -0.78515625f;
inline constexpr float reduction_2 = -2.4187564849853515625e-4f;
inline constexpr float reduction_3 = -3.77489497744594108e-8f;
inline constexpr float sin_coefficients[] = {-1.9515295891e-4f, 8.3321608736e-3f, -1.6666654611e-1f};
inline constexpr float cos_coefficients[] = {2.443315711809948e-5f, -1.388731625493765e-3f,
                                             4.166664568298827e-2f};
// theta = two_pi * u2 in float: c10::pi<double> * 2 rounded to float.
inline constexpr float two_pi = static_cast<float>(2.0 * 3.14159265358979323846);
}  // namespace avx_mathfun

// ATen's scalar normal_fill_16<float> (the generic capability): glibc logf/cosf/sinf, theta computed
// in double and rounded to float. `fused` selects fmaf(c, std, mean) over c*std + mean.
void glibc_float16(float* block, float mean, float std, bool fused);

// ATen's normal_fill_16_AVX2 (avx2 and avx512 capabilities): the avx_mathfun log and sincos with the
// multiply-adds that GCC fused in PyTorch's builds, then fma(r*cos, std, mean).
void avx_mathfun16(float* block, float mean, float std);
// The avx_mathfun pieces, exposed for tests: log for x in (0, 1], sincos for x >= 0.
float avx_mathfun_log(float x);
void avx_mathfun_sincos(float x, float& sine, float& cosine);

// ATen's scalar normal_fill_16<double>: glibc log/cos/sin/sqrt in double.
void glibc_double16(double* block, double mean, double std, bool fused);

// ATen's scalar normal_fill_16<T> for T = Half or BFloat16 (PyTorch 1.13 to 2.12). How it rounds
// depends on which std:: math overloads c10 provides for T:
//  - `rounds_each_op`: std::log/cos/sin/sqrt of T return T and T*T, T+T return T, so every operation
//    rounds to T and nothing can be fused (BFloat16 always; Half from 2.1, when c10's reduced-float
//    math templates covered Half too);
//  - otherwise (Half in 1.13 and 2.0): the math runs in float and only the named intermediates u1,
//    radius, theta and the result are rounded to T; `fused` contracts c * std + mean as GCC did in the
//    vectorised builds.
template <class T>
void reduced16(T* block, T mean, T std, bool rounds_each_op, bool fused);

// reduced16 with its C library calls tabulated, for large fills. That path's uniforms have 11 (Half) or 8
// (BFloat16) bits, so u1 and u2 take 2048 or 256 values: log and sqrt of each u1 and cos and sin of each
// theta are computed once, and a value then costs one product and a few roundings. Same bits as reduced16.
template <class T>
class Reduced16Table {
 public:
  // uniforms[k]: the T the fill stores for a word whose low bits are k (a power-of-two count of them).
  Reduced16Table(std::span<const T> uniforms, bool rounds_each_op);
  // One block: words[0..15]'s low bits index the uniforms; 16 normals to out, as reduced16 computes them.
  void block(const std::uint32_t* words, T* out, T mean, T std, bool fused) const;
  // The pair (u1 = uniforms[k1], u2 = uniforms[k2]) gives first = the cos output and second = the sin one.
  void pair(std::uint32_t k1, std::uint32_t k2, float mean, float std, bool fused, T& first, T& second) const;
  std::uint32_t mask() const { return mask_; }

 private:
  std::uint32_t mask_;
  bool rounds_each_op_;
  std::vector<float> radius_;  // by u1's index: radius, rounded to T
  std::vector<float> cosine_;  // by u2's index: cos(theta) (rounded to T where every op rounds)
  std::vector<float> sine_;
};

// Both outputs of every (u1, u2) pair for one mean and std: 2 x 65536 values for BFloat16's 8-bit uniforms
// (256 KiB), so that a value costs a lookup. Worth its 131072 evaluations from about a million values on.
template <class T>
class Reduced16PairTable {
 public:
  Reduced16PairTable(const Reduced16Table<T>& table, T mean, T std, bool fused);
  void block(const std::uint32_t* words, T* out) const;

 private:
  std::uint32_t mask_;
  int bits_;
  std::vector<T> first_;  // by k1 << bits | k2
  std::vector<T> second_;
};

}  // namespace nninit::box_muller
