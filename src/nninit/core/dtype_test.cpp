#include "nninit/core/dtype.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

namespace nninit {
namespace {

// Reference rounding: widen the candidate halves around x to double and pick the nearest, ties to
// the even bit pattern. Independent of the bit-manipulation under test.
std::uint16_t reference_half(float x) {
  static const std::vector<double> positive_halves = [] {
    std::vector<double> v;
    for (std::uint32_t m = 0; m < 0x7c00; ++m) v.push_back(half_bits_to_float(static_cast<std::uint16_t>(m)));
    v.push_back(65536.0);  // the first value that rounds to infinity is the midpoint below this
    return v;
  }();
  if (std::isnan(x)) return 0x7e00;
  const std::uint16_t sign = std::signbit(x) ? 0x8000 : 0;
  const double target = std::fabs(static_cast<double>(x));
  auto above = std::lower_bound(positive_halves.begin(), positive_halves.end(), target);
  if (above == positive_halves.end()) return sign | 0x7c00;
  auto m = static_cast<std::uint16_t>(above - positive_halves.begin());
  if (m > 0) {
    const double up = *above - target;
    const double down = target - positive_halves[m - 1u];
    if (down < up || (down == up && (m & 1) != 0)) --m;
  }
  return sign | m;
}

TEST(DType, ItemSizesAndNames) {
  EXPECT_EQ(itemsize(DType::float32), 4u);
  EXPECT_EQ(itemsize(DType::float64), 8u);
  EXPECT_EQ(itemsize(DType::float16), 2u);
  EXPECT_EQ(itemsize(DType::bfloat16), 2u);
  EXPECT_EQ(itemsize(DType::int64), 8u);
  EXPECT_EQ(dtype_name(DType::bfloat16), "bfloat16");
  EXPECT_EQ(scalar_type_name(DType::float16), "Half");
  EXPECT_FALSE(is_floating_point(DType::int64));
}

TEST(Half, RoundTripsEveryFiniteHalf) {
  for (std::uint32_t b = 0; b < 0x10000; ++b) {
    const auto bits = static_cast<std::uint16_t>(b);
    if ((bits & 0x7c00) == 0x7c00 && (bits & 0x3ff) != 0) continue;  // NaN payloads are not preserved
    EXPECT_EQ(float_to_half_bits(half_bits_to_float(bits)), bits) << std::hex << b;
  }
}

TEST(Half, RoundsToNearestEvenLikeAnExhaustiveSearch) {
  // Every float between consecutive halves in a range that covers subnormals, normals, ties and overflow.
  const float samples[] = {0.0f,           1e-8f,         2.98e-8f, 2.9802322e-8f, 5.96e-8f,
                           6.1e-5f,        6.097555e-5f,  0.1f,     0.333333f,     1.0f,
                           1.00048828125f, 1.0009765625f, 2049.0f,  2051.0f,       65504.0f,
                           65519.99f,      65520.0f,      1e6f,     -0.1f,         -65520.0f};
  for (float x : samples) EXPECT_EQ(float_to_half_bits(x), reference_half(x)) << x;
  // Sweep the bit patterns at a coarse step over the whole half range.
  for (std::uint32_t bits = 0x33000000; bits < 0x47800000; bits += 0x1357) {
    float x;
    std::memcpy(&x, &bits, 4);
    ASSERT_EQ(float_to_half_bits(x), reference_half(x)) << std::hex << bits;
  }
}

TEST(Half, SpecialValues) {
  EXPECT_EQ(float_to_half_bits(std::numeric_limits<float>::infinity()), 0x7c00);
  EXPECT_EQ(float_to_half_bits(-std::numeric_limits<float>::infinity()), 0xfc00);
  EXPECT_EQ(float_to_half_bits(std::numeric_limits<float>::quiet_NaN()), 0x7e00);
  EXPECT_EQ(float_to_half_bits(-0.0f), 0x8000);
}

TEST(BFloat16, RoundsToNearestEven) {
  EXPECT_EQ(float_to_bfloat16_bits(1.0f), 0x3f80);
  // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties to even (down).
  EXPECT_EQ(float_to_bfloat16_bits(1.00390625f), 0x3f80);
  // 1 + 3*2^-8 is halfway between 1+2^-7 (odd) and 1+2^-6: up to even.
  EXPECT_EQ(float_to_bfloat16_bits(1.01171875f), 0x3f82);
  EXPECT_EQ(float_to_bfloat16_bits(std::numeric_limits<float>::quiet_NaN()), 0x7fc0);
  EXPECT_EQ(bfloat16_bits_to_float(0x3f80), 1.0f);
}

TEST(Narrow, DoubleGoesThroughFloat) {
  // A double just above a float tie: narrowing through float (as c10 does) rounds twice.
  const double x = 1.0 + 0x1p-11 + 0x1p-40;  // float(x) = 1 + 2^-11 exactly, the half tie
  EXPECT_EQ(narrow_to<Half>(x).bits, 0x3c00);
}

}  // namespace
}  // namespace nninit
