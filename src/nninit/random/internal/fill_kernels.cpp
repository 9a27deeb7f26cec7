// The scalar reference kernels (the `generic` table) and the choice of table.
#include "nninit/random/internal/fill_kernels.h"

#include <cmath>

#include "nninit/random/internal/box_muller.h"
#include "nninit/random/mt19937.h"

namespace nninit::fill_kernels {
namespace {

void mt_temper(const std::uint32_t* state, std::uint32_t* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = MT19937::temper(state[i]);
}

void uniform_float(const std::uint32_t* words, float* out, std::size_t n, const UniformFloat& p, bool) {
  for (std::size_t i = 0; i < n; ++i) {
    const float x = static_cast<float>(words[i] & p.mask) * p.scale;
    const float v = p.fused ? std::fma(x, p.range, p.from) : x * p.range + p.from;
    out[i] = p.clamp && v == p.to ? p.from : v;
  }
}

void uniform_double(const std::uint32_t* words, double* out, std::size_t n, const UniformDouble& p, bool) {
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t r = (std::uint64_t{words[2 * i]} << 32) | words[2 * i + 1];
    const double x = static_cast<double>(r & ((std::uint64_t{1} << 53) - 1)) * 0x1p-53;
    const double v = p.fused ? std::fma(x, p.to - p.from, p.from) : x * (p.to - p.from) + p.from;
    out[i] = p.clamp && v == p.to ? p.from : v;
  }
}

void narrow16(const float* in, std::uint16_t* out, std::size_t n, const Narrow& p, bool) {
  const bool half = p.dtype == DType::float16;
  const float to = half ? half_bits_to_float(p.to_bits) : bfloat16_bits_to_float(p.to_bits);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint16_t bits = half ? float_to_half_bits(in[i]) : float_to_bfloat16_bits(in[i]);
    const float value = half ? half_bits_to_float(bits) : bfloat16_bits_to_float(bits);
    out[i] = p.replace && value == to ? p.from_bits : bits;
  }
}

void normal_avx_mathfun(const std::uint32_t* words, float* out, std::size_t blocks, float mean, float std,
                        bool) {
  for (std::size_t b = 0; b < blocks; ++b) {
    float* block = out + 16 * b;
    for (int i = 0; i < 16; ++i) block[i] = static_cast<float>(words[16 * b + i] & 0xffffffu) * 0x1p-24f;
    box_muller::avx_mathfun16(block, mean, std);
  }
}

void avx_mathfun_log(const float* x, float* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = box_muller::avx_mathfun_log(x[i]);
}

void avx_mathfun_sincos(const float* x, float* sine, float* cosine, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) box_muller::avx_mathfun_sincos(x[i], sine[i], cosine[i]);
}

}  // namespace

const Kernels generic_kernels = {HostIsa::generic,   MT19937::regenerate_reference,
                                 mt_temper,          uniform_float,
                                 uniform_double,     narrow16,
                                 normal_avx_mathfun, avx_mathfun_log,
                                 avx_mathfun_sincos};

const Kernels& kernels_for(HostIsa level) {
#if defined(__x86_64__)
  if (level > detected_host_isa()) level = detected_host_isa();
  if (level == HostIsa::avx512) return avx512_kernels;
  if (level == HostIsa::avx2) return avx2_kernels;
#else
  (void)level;
#endif
  return generic_kernels;
}

const Kernels& kernels() {
  return kernels_for(host_isa());
}

}  // namespace nninit::fill_kernels
