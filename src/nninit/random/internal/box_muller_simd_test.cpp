// The vectorised avx_mathfun Box-Muller (fill_kernels_simd_inl.h) equals the scalar transcription in
// box_muller.cpp bit for bit: the log and sincos on their whole domain in normal_ (every uniform a
// 24-bit draw can give) and on samples of all floats, and the whole normal_ kernel on every possible
// (u1, u2) value.
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "nninit/random/internal/box_muller.h"
#include "nninit/random/internal/fill_kernels.h"

namespace nninit::fill_kernels {
namespace {

std::vector<const Kernels*> fast_tables() {
  std::vector<const Kernels*> tables;
  for (HostIsa level : {HostIsa::avx2, HostIsa::avx512}) {
    if (level <= host_isa()) tables.push_back(&kernels_for(level));
  }
  return tables;
}

void expect_same_bits(const std::vector<float>& ours, const std::vector<float>& reference,
                      const std::vector<float>& inputs, const char* what, const Kernels& k) {
  ASSERT_EQ(ours.size(), reference.size());
  for (std::size_t i = 0; i < ours.size(); ++i) {
    ASSERT_EQ(std::bit_cast<std::uint32_t>(ours[i]), std::bit_cast<std::uint32_t>(reference[i]))
        << host_isa_name(k.level) << " " << what << " of " << inputs[i % inputs.size()] << " (bits "
        << std::hex << std::bit_cast<std::uint32_t>(inputs[i % inputs.size()]) << "): " << ours[i] << " vs "
        << reference[i];
  }
}

// Edge inputs of both functions: zeros, subnormals, the smallest normal, 1 and its neighbours, large
// values, infinities and NaNs, with both signs.
std::vector<float> edge_values() {
  std::vector<float> values;
  for (std::uint32_t bits : {0x0u, 0x1u, 0x7fffffu, 0x800000u, 0x800001u, 0x33800000u, 0x3f000000u,
                             0x3f3504f3u, 0x3f3504f4u, 0x3f7fffffu, 0x3f800000u, 0x3f800001u, 0x40c90fdbu,
                             0x4e000000u, 0x7f7fffffu, 0x7f800000u, 0x7fc00000u}) {
    values.push_back(std::bit_cast<float>(bits));
    values.push_back(std::bit_cast<float>(bits | 0x80000000u));
  }
  return values;
}

TEST(BoxMullerSimd, LogEqualsTheScalarTranscription) {
  // normal_ takes the log of 1 - k * 2^-24, k < 2^24: all of them; then every 3904th float bit pattern
  // (both signs), and the edges.
  std::vector<float> inputs;
  for (std::uint32_t k = 0; k < (1u << 24); ++k) inputs.push_back(1.0f - static_cast<float>(k) * 0x1p-24f);
  for (std::uint64_t bits = 0; bits <= 0xffffffffu; bits += 61 * 64) {
    inputs.push_back(std::bit_cast<float>(static_cast<std::uint32_t>(bits)));
  }
  for (float e : edge_values()) inputs.push_back(e);
  std::vector<float> reference(inputs.size());
  generic_kernels.avx_mathfun_log(inputs.data(), reference.data(), inputs.size());
  for (const Kernels* k : fast_tables()) {
    std::vector<float> ours(inputs.size());
    k->avx_mathfun_log(inputs.data(), ours.data(), inputs.size());
    expect_same_bits(ours, reference, inputs, "log", *k);
  }
}

TEST(BoxMullerSimd, SinCosEqualsTheScalarTranscription) {
  // normal_ takes the sincos of two_pi * k * 2^-24, k < 2^24: all of them; then every 2368th float up to
  // 2^24 in magnitude (the scalar's octant conversion needs |x| * 4/pi < 2^31), and the finite edges.
  std::vector<float> inputs;
  for (std::uint32_t k = 0; k < (1u << 24); ++k) {
    inputs.push_back(box_muller::avx_mathfun::two_pi * (static_cast<float>(k) * 0x1p-24f));
  }
  for (std::uint32_t bits = 0; bits <= 0x4b800000u; bits += 37 * 64) {
    inputs.push_back(std::bit_cast<float>(bits));
    inputs.push_back(-std::bit_cast<float>(bits));
  }
  for (float e : edge_values()) {
    if (std::fabs(e) < 0x1p24f) inputs.push_back(e);
  }
  std::vector<float> sine(inputs.size());
  std::vector<float> cosine(inputs.size());
  generic_kernels.avx_mathfun_sincos(inputs.data(), sine.data(), cosine.data(), inputs.size());
  for (const Kernels* k : fast_tables()) {
    std::vector<float> our_sine(inputs.size());
    std::vector<float> our_cosine(inputs.size());
    k->avx_mathfun_sincos(inputs.data(), our_sine.data(), our_cosine.data(), inputs.size());
    expect_same_bits(our_sine, sine, inputs, "sine", *k);
    expect_same_bits(our_cosine, cosine, inputs, "cosine", *k);
  }
}

TEST(BoxMullerSimd, NormalKernelEqualsTheReferenceOnEveryUniform) {
  // 2^21 blocks of 16 whose first halves take every 24-bit value once and whose second halves take
  // every value once too, in another order (k -> k * 0x9e3779 + 12345 mod 2^24 is a bijection). The
  // high byte of each word, which the kernel must ignore, is random.
  constexpr std::size_t values = std::size_t{1} << 24;
  std::vector<std::uint32_t> words(2 * values);
  std::mt19937 noise(1);
  for (std::size_t k = 0; k < values; ++k) {
    const std::size_t block = k / 8;
    const std::size_t lane = k % 8;
    const auto first = static_cast<std::uint32_t>(k);
    const auto second = static_cast<std::uint32_t>((k * 0x9e3779u + 12345u) & 0xffffffu);
    words[16 * block + lane] = first | (noise() & 0xff000000u);
    words[16 * block + 8 + lane] = second | (noise() & 0xff000000u);
  }
  std::vector<float> reference(words.size());
  generic_kernels.normal_avx_mathfun(words.data(), reference.data(), words.size() / 16, 0.0f, 1.0f, false);
  for (const Kernels* k : fast_tables()) {
    std::vector<float> ours(words.size());
    k->normal_avx_mathfun(words.data(), ours.data(), words.size() / 16, 0.0f, 1.0f, true);
    ASSERT_EQ(std::memcmp(ours.data(), reference.data(), ours.size() * sizeof(float)), 0)
        << host_isa_name(k->level);
  }
}

TEST(BoxMullerSimd, NormalKernelEqualsTheReferenceForAnyMeanStdAndLength) {
  std::vector<std::uint32_t> words(16 * 200 + 16);
  std::mt19937 engine(2);
  for (auto& w : words) w = engine();
  const std::pair<float, float> parameters[] = {{0.0f, 1.0f},    {0.5f, 0.02f}, {-3.0f, 7.5f},
                                                {1e-3f, 1e-30f}, {2.0f, 0.0f},  {-0.0f, 1.0f}};
  for (const Kernels* k : fast_tables()) {
    for (auto [mean, std] : parameters) {
      for (std::size_t blocks : {0u, 1u, 2u, 3u, 5u, 64u, 200u}) {
        for (std::size_t offset : {0u, 16u, 3u}) {
          std::vector<float> ours(16 * blocks + 32, -9.0f);
          std::vector<float> reference(16 * blocks + 32, -9.0f);
          k->normal_avx_mathfun(words.data() + offset, ours.data() + offset, blocks, mean, std, offset == 0);
          generic_kernels.normal_avx_mathfun(words.data() + offset, reference.data() + offset, blocks, mean,
                                             std, false);
          ASSERT_EQ(std::memcmp(ours.data(), reference.data(), ours.size() * sizeof(float)), 0)
              << host_isa_name(k->level) << " mean " << mean << " std " << std << " blocks " << blocks;
        }
      }
    }
  }
}

}  // namespace
}  // namespace nninit::fill_kernels
