#include "nninit/core/tensor_statistics.h"

#include <cmath>

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
