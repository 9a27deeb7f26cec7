#include "nninit/random/box_muller.h"

#include <cmath>

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

}  // namespace
}  // namespace nninit
