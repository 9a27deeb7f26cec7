#include "nninit/core/tensor_statistics.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

namespace nninit {
namespace {

TEST(Statistics, MomentsAndZeros) {
  const double values[] = {0.0, 1.0, 2.0, 3.0, 0.0, -6.0};
  const Tensor t = Tensor::from_values(values, {2, 3});
  const TensorStatistics s = statistics(t.t());  // a view gives the same statistics
  EXPECT_EQ(s.count, 6);
  EXPECT_DOUBLE_EQ(s.mean, 0.0);
  // /usr/bin/python3 -c "import torch; print(torch.tensor([0., 1, 2, 3, 0, -6],
  // dtype=torch.float64).std().item())" prints 3.1622776601683795 (PyTorch 1.13; the sample standard
  // deviation).
  EXPECT_NEAR(s.std, 3.1622776601683795, 1e-15);
  EXPECT_EQ(s.min, -6.0);
  EXPECT_EQ(s.max, 3.0);
  EXPECT_DOUBLE_EQ(s.zero_fraction, 2.0 / 6.0);
}

TEST(Statistics, NonFiniteValuesAreCountedApart) {
  const double values[] = {1.0, INFINITY, NAN, 3.0};
  const TensorStatistics s = statistics(Tensor::from_values(values, {4}));
  EXPECT_EQ(s.count, 2);
  EXPECT_EQ(s.non_finite, 2);
  EXPECT_DOUBLE_EQ(s.mean, 2.0);
}

TEST(Statistics, NonFiniteValuesInLongRunsAndStridedViews) {
  // Long enough for several blocks; the statistics of the finite values are those of 0, 1, 2, ... with the
  // NaN and infinities left out, and -0.0 counts as a zero.
  std::vector<double> values(5000);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<double>(i % 100);
  values[3000] = NAN;
  values[4095] = INFINITY;
  values[4096] = -INFINITY;
  values[17] = -0.0;
  const Tensor t = Tensor::from_values(values, {50, 100}, DType::float32);
  const TensorStatistics s = statistics(t);
  EXPECT_EQ(s.non_finite, 3);
  EXPECT_EQ(s.count, 4997);
  EXPECT_EQ(s.min, 0.0);
  EXPECT_EQ(s.max, 99.0);
  // 50 zeros (one per row of 100), less the one at 3000 that became NaN, plus the -0.0 at 17.
  EXPECT_DOUBLE_EQ(s.zero_fraction, 50.0 / 4997.0);
  double sum = 0.0;
  for (const double v : values) sum += std::isfinite(v) ? v : 0.0;
  EXPECT_NEAR(s.mean, sum / 4997.0, 1e-12);
  // The transposed view visits the same elements in another order: the same statistics.
  const TensorStatistics transposed = statistics(t.t());
  EXPECT_EQ(transposed.non_finite, 3);
  EXPECT_NEAR(transposed.mean, s.mean, 1e-12);
  EXPECT_NEAR(transposed.std, s.std, 1e-12);
}

TEST(Statistics, LongTensorsAreSummarisedInChunksWithTheSameResult) {
  // More than three chunks of 2^20 elements, the last one partial, with a NaN and an infinity in the middle
  // chunks: the chunked summary agrees with a plain double pass.
  const std::int64_t n = (std::int64_t{7} << 19) + 12339;  // a multiple of 5
  const Tensor t = Tensor::empty({n});
  float* data = t.data_ptr<float>();
  double sum = 0.0;
  double min = INFINITY;
  double max = -INFINITY;
  std::int64_t zeros = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    data[i] = static_cast<float>((i * 7919) % 2001 - 1000) * 0.001f + 3.0f;
    if (i % 1000 == 0) data[i] = 0.0f;
  }
  data[1500000] = NAN;
  data[2600000] = INFINITY;
  for (std::int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(data[i])) continue;
    sum += data[i];
    min = std::min<double>(min, data[i]);
    max = std::max<double>(max, data[i]);
    zeros += data[i] == 0.0f ? 1 : 0;
  }
  const std::int64_t count = n - 2;
  const double mean = sum / static_cast<double>(count);
  double squares = 0.0;
  for (std::int64_t i = 0; i < n; ++i) {
    if (std::isfinite(data[i])) squares += (data[i] - mean) * (data[i] - mean);
  }
  const TensorStatistics s = statistics(t);
  EXPECT_EQ(s.count, count);
  EXPECT_EQ(s.non_finite, 2);
  EXPECT_NEAR(s.mean, mean, 1e-12);
  EXPECT_NEAR(s.std, std::sqrt(squares / static_cast<double>(count - 1)), 1e-12);
  EXPECT_EQ(s.min, min);
  EXPECT_EQ(s.max, max);
  EXPECT_DOUBLE_EQ(s.zero_fraction, static_cast<double>(zeros) / static_cast<double>(count));
  // A strided view of the same memory takes the one-pass route: the same statistics.
  const TensorStatistics strided = statistics(t.view({n / 5, 5}).t());
  EXPECT_EQ(strided.count, count);
  EXPECT_NEAR(strided.mean, s.mean, 1e-12);
  EXPECT_NEAR(strided.std, s.std, 1e-12);
}

TEST(Statistics, EmptyAndScalar) {
  EXPECT_EQ(statistics(Tensor::empty({0, 3})).count, 0);
  const TensorStatistics one = statistics(Tensor::full({}, 5.0));
  EXPECT_EQ(one.count, 1);
  EXPECT_EQ(one.std, 0.0);
}

TEST(Statistics, LargeOffsetKeepsPrecision) {
  std::vector<double> values(100001);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = 1e6 + (i % 2 == 0 ? 1.0 : -1.0);
  const TensorStatistics s = statistics(Tensor::from_values(values, {100001}, DType::float64));
  EXPECT_NEAR(s.mean, 1e6 + 1.0 / 100001, 1e-9);
  EXPECT_NEAR(s.std, 1.0, 1e-5);
}

}  // namespace
}  // namespace nninit
