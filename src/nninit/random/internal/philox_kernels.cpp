// The scalar reference kernels (the `generic` table) and the choice of table.
#include "nninit/random/internal/philox_kernels.h"

#include <cmath>

#include "nninit/random/internal/box_muller.h"

namespace nninit::philox_kernels {

float uniform_value(std::uint32_t word, const UniformFloat& p) {
  const float x = static_cast<float>(word >> 8) * 0x1p-24f;
  const float v = std::fma(x, p.range, p.from);
  return v >= p.to ? p.below_to : v;
}

void normal_pair(std::uint32_t first, std::uint32_t second, float mean, float std, float& cos_value,
                 float& sin_value) {
  const float u1 = 1.0f - static_cast<float>(first >> 8) * 0x1p-24f;
  const float u2 = static_cast<float>(second >> 8) * 0x1p-24f;
  const float radius = std::sqrt(-2.0f * box_muller::avx_mathfun_log(u1));
  float sine;
  float cosine;
  box_muller::avx_mathfun_sincos(box_muller::avx_mathfun::two_pi * u2, sine, cosine);
  cos_value = std::fma(radius * cosine, std, mean);
  sin_value = std::fma(radius * sine, std, mean);
}

namespace {

// Calls fn(g, l, words) for block l of each group g, words being that block's four words.
template <class Fn>
void for_each_block(const Stream& stream, std::uint64_t first_group, std::size_t groups, Fn&& fn) {
  for (std::size_t g = 0; g < groups; ++g) {
    for (std::uint64_t l = 0; l < blocks_per_group; ++l) {
      fn(g, l, block(stream, (first_group + g) * blocks_per_group + l));
    }
  }
}

void words(const Stream& stream, std::uint64_t first_group, std::size_t groups, std::uint32_t* out) {
  for_each_block(stream, first_group, groups, [&](std::size_t g, std::uint64_t l, const PhiloxCounter& w) {
    for (std::uint64_t k = 0; k < 4; ++k) out[words_per_group * g + 16 * k + l] = w[k];
  });
}

void uniform_float(const Stream& stream, std::uint64_t first_group, std::size_t groups, float* out,
                   const UniformFloat& p, bool) {
  for_each_block(stream, first_group, groups, [&](std::size_t g, std::uint64_t l, const PhiloxCounter& w) {
    for (std::uint64_t k = 0; k < 4; ++k) out[words_per_group * g + 16 * k + l] = uniform_value(w[k], p);
  });
}

void normal_float(const Stream& stream, std::uint64_t first_group, std::size_t groups, float* out, float mean,
                  float std, bool) {
  for_each_block(stream, first_group, groups, [&](std::size_t g, std::uint64_t l, const PhiloxCounter& w) {
    float* o = out + words_per_group * g + l;
    normal_pair(w[0], w[1], mean, std, o[0], o[16]);
    normal_pair(w[2], w[3], mean, std, o[32], o[48]);
  });
}

std::size_t trunc_normal_float(const Stream& stream, std::uint64_t first_group, std::size_t groups,
                               float* out, const TruncNormalFloat& p) {
  std::size_t rejected = 0;
  for (std::size_t g = 0; g < groups; ++g) {
    float* o = out + words_per_group * g;
    bool pending[words_per_group];
    for (bool& b : pending) b = true;
    for (std::uint32_t attempt = 0; attempt < trunc_normal_attempts; ++attempt) {
      float values[words_per_group];
      normal_float({stream.key, stream.draw, attempt}, first_group + g, 1, values, p.mean, p.std, false);
      for (std::uint64_t e = 0; e < words_per_group; ++e) {
        if (pending[e] && values[e] >= p.low && values[e] <= p.high) {
          o[e] = values[e];
          pending[e] = false;
        }
      }
    }
    for (std::uint64_t e = 0; e < words_per_group; ++e) {
      if (pending[e]) {
        o[e] = NAN;
        ++rejected;
      }
    }
  }
  return rejected;
}

}  // namespace

const Kernels generic_kernels = {HostIsa::generic, words, uniform_float, normal_float, trunc_normal_float};

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

}  // namespace nninit::philox_kernels
