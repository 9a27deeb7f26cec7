// Every vectorised kernel of philox_kernels.h equals its scalar reference, bit for bit, at every CPU level
// this machine has (generic always; avx2 and avx512 where the CPU supports them), and the scalar references
// equal philox4x32 and the one-element transforms they are written with.
#include "nninit/random/internal/philox_kernels.h"

#include <bit>
#include <cstring>
#include <random>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace nninit::philox_kernels {
namespace {

std::vector<const Kernels*> fast_tables() {
  std::vector<const Kernels*> tables;
  for (HostIsa level : {HostIsa::avx2, HostIsa::avx512}) {
    if (level <= host_isa()) tables.push_back(&kernels_for(level));
  }
  return tables;
}

// Streams with varied keys, draws and attempts, and first groups around the block index's 2^32 carry
// (group 2^28 starts at block 2^32) and far beyond it.
const Stream streams[] = {{{0u, 0u}, 0, 0},
                          {{0x243f6a88u, 0x85a308d3u}, 1, 0},
                          {{0xffffffffu, 0xffffffffu}, 0xffffffffu, 3},
                          {{0x13198a2eu, 0x03707344u}, 7, 4}};
const std::uint64_t first_groups[] = {
    0, 1, 5, (std::uint64_t{1} << 28) - 1, std::uint64_t{1} << 28, std::uint64_t{1} << 58};
const std::size_t group_counts[] = {1, 2, 3, 17};

template <class T>
void expect_same_bits(const std::vector<T>& ours, const std::vector<T>& reference, const std::string& what) {
  ASSERT_EQ(ours.size(), reference.size());
  for (std::size_t i = 0; i < ours.size(); ++i) {
    ASSERT_EQ(std::memcmp(&ours[i], &reference[i], sizeof(T)), 0)
        << what << ": element " << i << ": " << ours[i] << " vs " << reference[i];
  }
}

std::string label(const Kernels& k, const Stream& s, std::uint64_t g, std::size_t n) {
  return fmt::format("{} key {:08x} draw {} attempt {} first group {} groups {}", host_isa_name(k.level),
                     s.key[0], s.draw, s.attempt, g, n);
}

TEST(PhiloxKernels, ReferenceWordsArePhilox4x32InGroupLayout) {
  for (const Stream& s : streams) {
    for (std::uint64_t g : first_groups) {
      std::vector<std::uint32_t> words(2 * words_per_group);
      generic_kernels.words(s, g, 2, words.data());
      for (std::uint64_t j = 0; j < 2; ++j) {
        for (std::uint64_t l = 0; l < blocks_per_group; ++l) {
          const std::uint64_t b = (g + j) * blocks_per_group + l;
          const PhiloxCounter w = philox4x32(
              {static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(b >> 32), s.draw, s.attempt}, s.key);
          for (std::uint64_t k = 0; k < 4; ++k) ASSERT_EQ(words[words_per_group * j + 16 * k + l], w[k]);
        }
      }
    }
  }
}

TEST(PhiloxKernels, ReferenceValuesAreTheOneElementTransforms) {
  const Stream s = streams[1];
  std::vector<std::uint32_t> words(words_per_group);
  std::vector<float> uniform(words_per_group);
  std::vector<float> normal(words_per_group);
  const UniformFloat u{.from = -1.0f, .range = 3.0f, .to = 2.0f, .below_to = 0x1.fffffep0f};
  generic_kernels.words(s, 9, 1, words.data());
  generic_kernels.uniform_float(s, 9, 1, uniform.data(), u, false);
  generic_kernels.normal_float(s, 9, 1, normal.data(), 0.5f, 2.0f, false);
  for (std::uint64_t l = 0; l < blocks_per_group; ++l) {
    for (std::uint64_t k = 0; k < 4; ++k) EXPECT_EQ(uniform[16 * k + l], uniform_value(words[16 * k + l], u));
    for (std::uint64_t pair = 0; pair < 2; ++pair) {
      float c;
      float sn;
      normal_pair(words[32 * pair + l], words[32 * pair + 16 + l], 0.5f, 2.0f, c, sn);
      EXPECT_EQ(normal[32 * pair + l], c);
      EXPECT_EQ(normal[32 * pair + 16 + l], sn);
    }
  }
}

TEST(PhiloxKernels, WordsEqualTheReference) {
  for (const Kernels* k : fast_tables()) {
    for (const Stream& s : streams) {
      for (std::uint64_t g : first_groups) {
        for (std::size_t n : group_counts) {
          std::vector<std::uint32_t> ours(n * words_per_group);
          std::vector<std::uint32_t> reference(n * words_per_group);
          k->words(s, g, n, ours.data());
          generic_kernels.words(s, g, n, reference.data());
          ASSERT_EQ(ours, reference) << label(*k, s, g, n);
        }
      }
    }
  }
}

TEST(PhiloxKernels, FloatKernelsEqualTheReference) {
  const UniformFloat uniforms[] = {
      {.from = 0.0f, .range = 1.0f, .to = 1.0f, .below_to = 0x1.fffffep-1f},
      {.from = -0.0625f, .range = 0.125f, .to = 0.0625f, .below_to = 0x1.fffffep-5f},
      {.from = 1.0f,
       .range = 0x1p-20f,
       .to = 1.0f + 0x1p-20f,
       .below_to = 1.0f + 7 * 0x1p-23f},  // rounds to `to`
      {.from = -3.0f, .range = 0.0f, .to = -3.0f, .below_to = -3.0f},
  };
  const TruncNormalFloat windows[] = {
      {0.0f, 1.0f, -2.0f, 2.0f}, {0.0f, 1.0f, 0.5f, 0.7f}, {1.0f, 0.5f, 2.5f, 9.0f}};
  for (const Kernels* k : fast_tables()) {
    for (const Stream& s : streams) {
      for (std::uint64_t g : first_groups) {
        for (std::size_t n : group_counts) {
          const std::size_t count = n * words_per_group;
          // One float past the end and a misaligned start, to see that kernels write exactly their groups.
          for (std::size_t misalign : {0u, 1u}) {
            for (bool streaming : {false, true}) {
              for (const UniformFloat& u : uniforms) {
                std::vector<float> ours(count + 2, -7.0f);
                std::vector<float> reference(count + 2, -7.0f);
                k->uniform_float(s, g, n, ours.data() + misalign, u, streaming);
                generic_kernels.uniform_float(s, g, n, reference.data() + misalign, u, false);
                expect_same_bits(ours, reference, "uniform_float " + label(*k, s, g, n));
              }
              std::vector<float> ours(count + 2, -7.0f);
              std::vector<float> reference(count + 2, -7.0f);
              k->normal_float(s, g, n, ours.data() + misalign, 0.25f, 3.0f, streaming);
              generic_kernels.normal_float(s, g, n, reference.data() + misalign, 0.25f, 3.0f, false);
              expect_same_bits(ours, reference, "normal_float " + label(*k, s, g, n));
            }
            for (const TruncNormalFloat& w : windows) {
              std::vector<float> ours(count + 2, -7.0f);
              std::vector<float> reference(count + 2, -7.0f);
              const std::size_t rejected = k->trunc_normal_float(s, g, n, ours.data() + misalign, w);
              EXPECT_EQ(rejected,
                        generic_kernels.trunc_normal_float(s, g, n, reference.data() + misalign, w));
              expect_same_bits(ours, reference, "trunc_normal_float " + label(*k, s, g, n));
            }
          }
        }
      }
    }
  }
}

TEST(PhiloxKernels, TruncNormalTakesTheFirstAcceptedAttempt) {
  const Stream s = streams[1];
  const TruncNormalFloat w{0.0f, 1.0f, 0.5f, 0.7f};
  std::vector<float> out(words_per_group);
  const std::size_t rejected = generic_kernels.trunc_normal_float(s, 3, 1, out.data(), w);
  std::vector<std::vector<float>> attempts(trunc_normal_attempts, std::vector<float>(words_per_group));
  for (std::uint32_t a = 0; a < trunc_normal_attempts; ++a) {
    generic_kernels.normal_float({s.key, s.draw, a}, 3, 1, attempts[a].data(), 0.0f, 1.0f, false);
  }
  std::size_t nans = 0;
  for (std::size_t e = 0; e < words_per_group; ++e) {
    float expected = NAN;
    for (std::uint32_t a = 0; a < trunc_normal_attempts; ++a) {
      if (attempts[a][e] >= w.low && attempts[a][e] <= w.high) {
        expected = attempts[a][e];
        break;
      }
    }
    if (std::isnan(expected)) {
      ++nans;
      EXPECT_TRUE(std::isnan(out[e]));
    } else {
      EXPECT_EQ(out[e], expected);
    }
  }
  EXPECT_EQ(rejected, nans);
  EXPECT_GT(nans, 0u);  // with about 7% of the mass in the window, most elements need the inverse CDF
}

}  // namespace
}  // namespace nninit::philox_kernels
