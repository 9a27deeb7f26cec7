#include "nninit/random/internal/box_muller.h"

#include <cmath>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace nninit {
namespace {

// The avx_mathfun approximations are accurate to a few ulp against glibc over their domains; this
// guards the transcription of the constants and branches, while the exact bits are checked against
// PyTorch by the known-answer and conformance tests.
TEST(BoxMuller, AvxMathfunLogIsAccurate) {
  for (float x = 0x1p-24f; x <= 1.0f; x *= 1.0137f) {
    const float ours = box_muller::avx_mathfun_log(x);
    const double exact = std::log(static_cast<double>(x));
    ASSERT_NEAR(ours, exact, 4e-7 * std::fabs(exact) + 1e-7) << x;
  }
  EXPECT_EQ(box_muller::avx_mathfun_log(1.0f), 0.0f);
}

TEST(BoxMuller, AvxMathfunSinCosIsAccurate) {
  for (float x = 0.0f; x < 6.2832f; x += 0.001f) {
    float s;
    float c;
    box_muller::avx_mathfun_sincos(x, s, c);
    ASSERT_NEAR(s, std::sin(static_cast<double>(x)), 3e-7) << x;
    ASSERT_NEAR(c, std::cos(static_cast<double>(x)), 3e-7) << x;
  }
}

TEST(BoxMuller, PairsLandInBothHalves) {
  float block[16];
  for (int i = 0; i < 16; ++i) block[i] = 0.0625f * static_cast<float>(i);
  float reference[16];
  std::copy(block, block + 16, reference);
  box_muller::avx_mathfun16(block, 0.0f, 1.0f);
  for (int j = 0; j < 8; ++j) {
    const double r = std::sqrt(-2.0 * std::log(1.0 - reference[j]));
    const double theta = 2 * M_PI * reference[j + 8];
    EXPECT_NEAR(block[j], r * std::cos(theta), 1e-5);
    EXPECT_NEAR(block[j + 8], r * std::sin(theta), 1e-5);
  }
}

// The tabulated 16-bit transforms against reduced16 itself, on every (u1, u2) pair of BFloat16's 8-bit
// uniforms and on every u1 with a spread of u2 for Half's 11-bit ones, for both ways of rounding, with and
// without the fused multiply-add, and a few means and stds (0 and a negative mean included).
template <class T>
void expect_tables_match_reduced16(int digits, std::uint32_t k2_stride) {
  const std::uint32_t n = 1u << digits;
  std::vector<T> uniforms;
  for (std::uint32_t k = 0; k < n; ++k) uniforms.push_back(T(static_cast<float>(k) / static_cast<float>(n)));
  const std::pair<float, float> scales[] = {{0.0f, 1.0f}, {0.5f, 0.02f}, {-3.0f, 7.5f}, {1.0f, 0.0f}};
  for (const bool rounds_each_op : {true, false}) {
    const box_muller::Reduced16Table<T> table(uniforms, rounds_each_op);
    for (const bool fused : {false, true}) {
      for (const auto& [mean_f, std_f] : scales) {
        const T mean(mean_f), std(std_f);
        std::optional<box_muller::Reduced16PairTable<T>> pairs;
        if constexpr (std::is_same_v<T, BFloat16>) pairs.emplace(table, mean, std, fused);
        for (std::uint32_t k1 = 0; k1 < n; ++k1) {
          for (std::uint32_t k2 = k1 % k2_stride; k2 < n; k2 += k2_stride) {
            // One block holding the pair at (j, j + 8) = (3, 11); the words carry high bits the mask drops.
            std::uint32_t words[16];
            T block[16];
            for (int i = 0; i < 16; ++i) {
              const std::uint32_t k = i == 3    ? k1
                                      : i == 11 ? k2
                                                : (k1 * 31 + k2 * 7 + static_cast<std::uint32_t>(i)) % n;
              words[i] = k | 0xabcd0000u;
              block[i] = uniforms[k];
            }
            box_muller::reduced16<T>(block, mean, std, rounds_each_op, fused);
            T out[16];
            table.block(words, out, mean, std, fused);
            for (int i = 0; i < 16; ++i) {
              ASSERT_EQ(out[i].bits, block[i].bits)
                  << "k1 " << k1 << " k2 " << k2 << " at " << i << " rounds " << rounds_each_op << " fused "
                  << fused << " mean " << mean_f;
            }
            if constexpr (std::is_same_v<T, BFloat16>) {
              pairs->block(words, out);
              for (int i = 0; i < 16; ++i)
                ASSERT_EQ(out[i].bits, block[i].bits) << "pair table, k1 " << k1 << " k2 " << k2;
            }
          }
        }
      }
    }
  }
}

TEST(BoxMuller, TabulatedBFloat16TransformIsReduced16OnEveryPair) {
  expect_tables_match_reduced16<BFloat16>(8, 1);
}

TEST(BoxMuller, TabulatedHalfTransformIsReduced16) {
  expect_tables_match_reduced16<Half>(11, 61);
}

}  // namespace
}  // namespace nninit
