#include "nninit/init/beyond_torch.h"

#include <cmath>

#include <gtest/gtest.h>

#include "nninit/core/error.h"

namespace nninit::init {
namespace {

TEST(VarianceScaling, FansFollowTheAxes) {
  const Tensor conv = Tensor::empty({16, 8, 3, 3});
  const Fans pytorch_layout = variance_scaling_fans(conv, {});
  EXPECT_EQ(pytorch_layout.fan_in, 8 * 9);
  EXPECT_EQ(pytorch_layout.fan_out, 16 * 9);
  // A JAX kernel (H, W, in, out) with JAX's axes.
  const Tensor hwio = Tensor::empty({3, 3, 8, 16});
  const Fans jax_layout = variance_scaling_fans(hwio, {.in_axis = {-2}, .out_axis = {-1}});
  EXPECT_EQ(jax_layout.fan_in, 72);
  EXPECT_EQ(jax_layout.fan_out, 144);
  // A batch axis is left out of both fans.
  const Fans batched =
      variance_scaling_fans(Tensor::empty({4, 16, 8}), {.in_axis = {2}, .out_axis = {1}, .batch_axis = {0}});
  EXPECT_EQ(batched.fan_in, 8);
  EXPECT_EQ(batched.fan_out, 16);
  EXPECT_THROW(variance_scaling_fans(Tensor::empty({5}), {}), ValueError);
  EXPECT_THROW(variance_scaling_fans(conv, {.in_axis = {7}}), ValueError);
  EXPECT_THROW(variance_scaling_(conv, {.scale = 0.0}), ValueError);
}

TEST(VarianceScaling, UniformBoundIsExact) {
  // scale 2, fan_in 50 -> variance 0.04, bound sqrt(0.12); the draws equal uniform_ with that bound.
  TorchGenerator g(4);
  Tensor w = Tensor::empty({20, 50});
  variance_scaling_(w, {.scale = 2.0, .distribution = VarianceScalingDistribution::uniform}, g);
  TorchGenerator h(4);
  Tensor u = Tensor::empty({20, 50});
  h.uniform_(u, -std::sqrt(3 * (2.0 / 50)), std::sqrt(3 * (2.0 / 50)));
  EXPECT_EQ(w.to_doubles(), u.to_doubles());
}

TEST(DeltaOrthogonal, CentreTapIsOrthogonalAndTheRestZero) {
  TorchGenerator g(2);
  Tensor w = Tensor::empty({6, 4, 3, 4});
  delta_orthogonal_(w, {.gain = 1.0}, g);
  // Centre is ((3-1)/2, (4-1)/2) = (1, 1).
  for (std::int64_t o = 0; o < 6; ++o) {
    for (std::int64_t i = 0; i < 4; ++i) {
      for (std::int64_t y = 0; y < 3; ++y) {
        for (std::int64_t x = 0; x < 4; ++x) {
          if (y != 1 || x != 1) {
            EXPECT_EQ(w.at({o, i, y, x}), 0.0);
          }
        }
      }
    }
  }
  for (std::int64_t a = 0; a < 4; ++a) {
    for (std::int64_t b = 0; b < 4; ++b) {
      double dot = 0;
      for (std::int64_t o = 0; o < 6; ++o) dot += w.at({o, a, 1, 1}) * w.at({o, b, 1, 1});
      EXPECT_NEAR(dot, a == b ? 1.0 : 0.0, 1e-5);
    }
  }
  EXPECT_THROW(delta_orthogonal_(Tensor::empty({2, 4, 3})), ValueError);  // fewer outputs than inputs
  EXPECT_THROW(delta_orthogonal_(Tensor::empty({4, 4})), ValueError);
}

TEST(TruncNormalTf, BoundsAreInStandardDeviations) {
  TorchGenerator g(8);
  Tensor t = Tensor::empty({2000});
  trunc_normal_tf_(t, {.mean = 3.0, .std = 0.1, .a = -1.5, .b = 1.0}, g);
  for (double x : t.to_doubles()) {
    EXPECT_GE(x, 3.0 - 0.15 - 1e-6);
    EXPECT_LE(x, 3.0 + 0.10 + 1e-6);
  }
}

TEST(Lecun, UniformBoundAndErrors) {
  TorchGenerator g(1);
  Tensor w = Tensor::empty({10, 27});
  lecun_uniform_(w, {}, g);
  const double bound = std::sqrt(3.0 / 27);
  for (double x : w.to_doubles()) EXPECT_LE(std::fabs(x), bound);
  EXPECT_THROW(lecun_normal_(Tensor::empty({4})), ValueError);
  EXPECT_THROW(lecun_uniform_(Tensor::empty({4, 0})), ZeroDivisionError);
}

}  // namespace
}  // namespace nninit::init
