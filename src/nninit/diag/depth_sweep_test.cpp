#include "nninit/diag/depth_sweep.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "nninit/core/error.h"

namespace nninit::diag {
namespace {

// The classic claims are checked on 50 layers of width 128 with a batch of 64 (the defaults' depth, a
// quarter of their work), computed once per activation for all the tests.
constexpr DepthSweepOptions claims{.depth = 50, .width = 128, .batch = 64, .seed = 0};

const DepthSweep& tanh_sweep() {
  static const DepthSweep sweep = run_depth_sweep(SweepActivation::tanh, claims);
  return sweep;
}
const DepthSweep& relu_sweep() {
  static const DepthSweep sweep = run_depth_sweep(SweepActivation::relu, claims);
  return sweep;
}

constexpr double infinity = std::numeric_limits<double>::infinity();

double smallest(const std::vector<double>& values) {
  return *std::min_element(values.begin(), values.end());
}
double largest(const std::vector<double>& values) {
  return *std::max_element(values.begin(), values.end());
}

TEST(DepthSweep, EverySchemeHasOneEntryPerLayer) {
  for (const DepthSweep* sweep : {&tanh_sweep(), &relu_sweep()}) {
    std::vector<std::string> names;
    for (const SweepScheme& s : sweep->schemes) {
      names.push_back(s.name);
      EXPECT_EQ(s.preactivation_std.size(), 50u) << s.name;
      EXPECT_EQ(s.activation_std.size(), 50u) << s.name;
      EXPECT_EQ(s.gradient_std.size(), 50u) << s.name;
      for (const std::vector<double>* values : {&s.preactivation_std, &s.activation_std, &s.gradient_std}) {
        for (double v : *values) EXPECT_FALSE(std::isnan(v)) << s.name;
      }
    }
    EXPECT_EQ(names, (std::vector<std::string>{"zeros", "small normal (std 0.01)", "large normal (std 1)",
                                               "Xavier", "Kaiming", "orthogonal", "LSUV"}));
  }
  EXPECT_EQ(tanh_sweep().scheme("Kaiming").init, "kaiming_normal_(nonlinearity='tanh')");
  EXPECT_EQ(relu_sweep().scheme("orthogonal").init, "orthogonal_(gain=calculate_gain('relu'))");
}

TEST(DepthSweep, ZerosGiveExactZerosAndZeroGradients) {
  for (const DepthSweep* sweep : {&tanh_sweep(), &relu_sweep()}) {
    const SweepScheme& zeros = sweep->scheme("zeros");
    for (std::size_t k = 0; k < 50; ++k) {
      EXPECT_EQ(zeros.preactivation_std[k], 0.0);
      EXPECT_EQ(zeros.activation_std[k], 0.0);
      EXPECT_EQ(zeros.gradient_std[k], 0.0);
    }
  }
}

TEST(DepthSweep, TanhSmallNormalVanishes) {
  // Each layer multiplies the std by about 0.01 * sqrt(128) = 0.11: 10^-47 after 50 layers, below float32.
  const SweepScheme& small = tanh_sweep().scheme("small normal (std 0.01)");
  EXPECT_NEAR(small.activation_std[0], 0.11, 0.01);
  EXPECT_LT(small.activation_std[49], 1e-30 * small.activation_std[0]);
  EXPECT_LT(small.activation_std[9], 1e-7);
  // The gradient vanishes on its way back the same way.
  EXPECT_LT(small.gradient_std[0], 1e-30 * small.gradient_std[49]);
}

TEST(DepthSweep, TanhLargeNormalSaturates) {
  // Pre-activations of std sqrt(128) = 11 put almost every unit at +-1; |tanh| < 1, so std > 0.9 means
  // most values sit near the bounds.
  const SweepScheme& large = tanh_sweep().scheme("large normal (std 1)");
  EXPECT_GT(smallest(large.activation_std), 0.9);
  EXPECT_NEAR(large.preactivation_std[49], std::sqrt(128.0) * 0.96, 1.5);
}

TEST(DepthSweep, TanhXavierDecaysSlowlyKaimingAndOrthogonalHold) {
  // Xavier (gain 1) starts at E[tanh(z)^2]^(1/2) = 0.63 and decays as about 1 / sqrt(2 l): a moderate band
  // (measured 0.081 to 0.63), where small normal lost 30 orders of magnitude.
  const SweepScheme& xavier = tanh_sweep().scheme("Xavier");
  EXPECT_NEAR(xavier.activation_std[0], 0.63, 0.02);
  EXPECT_GT(smallest(xavier.activation_std), 0.05);
  EXPECT_LT(xavier.activation_std[49], 0.2);
  // Gain 5/3 has a fixed point: every layer's std stays near 0.65 (measured 0.64 to 0.76).
  for (const char* name : {"Kaiming", "orthogonal"}) {
    const SweepScheme& s = tanh_sweep().scheme(name);
    EXPECT_GT(smallest(s.activation_std), 0.55) << name;
    EXPECT_LT(largest(s.activation_std), 0.85) << name;
  }
}

TEST(DepthSweep, ReluKaimingHoldsWithinAFactor) {
  // Kaiming keeps the variance in expectation; one finite-width network drifts as a random walk in log
  // scale. Measured: within a factor 2.2 of layer 1 at every layer (at most 3.7 over seeds 0 to 7).
  const SweepScheme& kaiming = relu_sweep().scheme("Kaiming");
  const double first = kaiming.activation_std[0];
  EXPECT_NEAR(first, 0.83, 0.05);  // relu(N(0, 2)): sqrt(2) * sqrt(1/2 - 1/(2 pi))
  EXPECT_GT(smallest(kaiming.activation_std), first / 4);
  EXPECT_LT(largest(kaiming.activation_std), first * 4);
  const double last_gradient = kaiming.gradient_std[49];
  EXPECT_GT(smallest(kaiming.gradient_std), last_gradient / 4);
  EXPECT_LT(largest(kaiming.gradient_std), last_gradient * 4);
}

TEST(DepthSweep, ReluXavierHalvesTheVariancePerLayer) {
  // Gain 1 under ReLU: Var halves at every layer, std * (1/sqrt(2))^49 = 4.4e-8 from layer 1 to 50
  // (measured 2.4e-8), and the gradient shrinks the same way going back.
  const SweepScheme& xavier = relu_sweep().scheme("Xavier");
  const double predicted = std::pow(0.5, 49 / 2.0);
  const double ratio = xavier.activation_std[49] / xavier.activation_std[0];
  EXPECT_GT(ratio, predicted / 20);
  EXPECT_LT(ratio, predicted * 20);
  const double gradient_ratio = xavier.gradient_std[0] / xavier.gradient_std[49];
  EXPECT_GT(gradient_ratio, predicted / 20);
  EXPECT_LT(gradient_ratio, predicted * 20);
}

TEST(DepthSweep, ReluLargeNormalOverflowsToInfinity) {
  // About sqrt(128 / 2) = 8 per layer: 8^43 passes float32's 3.4e38.
  const SweepScheme& large = relu_sweep().scheme("large normal (std 1)");
  EXPECT_NEAR(large.activation_std[1] / large.activation_std[0], 8.0, 1.5);
  EXPECT_EQ(large.activation_std[49], infinity);
  EXPECT_EQ(large.preactivation_std[49], infinity);
  EXPECT_TRUE(std::isfinite(large.activation_std[30]));
  // The backward pass through infinite activations is no measurement: every gradient is +inf.
  for (double g : large.gradient_std) EXPECT_EQ(g, infinity);
}

TEST(DepthSweep, LsuvGivesUnitOutputStdAtEveryLayer) {
  for (const DepthSweep* sweep : {&tanh_sweep(), &relu_sweep()}) {
    const SweepScheme& lsuv = sweep->scheme("LSUV");
    for (std::size_t k = 0; k < 50; ++k) {
      const double var = lsuv.preactivation_std[k] * lsuv.preactivation_std[k];
      EXPECT_LT(std::fabs(var - 1.0), 0.1) << sweep_activation_name(sweep->activation) << " layer " << k + 1;
    }
  }
  // Unit pre-activations give tanh's 0.63 at every layer.
  const SweepScheme& lsuv = tanh_sweep().scheme("LSUV");
  EXPECT_GT(smallest(lsuv.activation_std), 0.6);
  EXPECT_LT(largest(lsuv.activation_std), 0.66);
}

TEST(DepthSweep, SameSeedSameNumbers) {
  const DepthSweepOptions small{.depth = 6, .width = 16, .batch = 8, .seed = 3};
  const DepthSweep a = run_depth_sweep(SweepActivation::relu, small);
  const DepthSweep b = run_depth_sweep(SweepActivation::relu, small);
  DepthSweepOptions other = small;
  other.seed = 4;
  const DepthSweep c = run_depth_sweep(SweepActivation::relu, other);
  for (std::size_t i = 0; i < a.schemes.size(); ++i) {
    EXPECT_EQ(a.schemes[i].activation_std, b.schemes[i].activation_std) << a.schemes[i].name;
    EXPECT_EQ(a.schemes[i].gradient_std, b.schemes[i].gradient_std) << a.schemes[i].name;
  }
  EXPECT_NE(a.scheme("Kaiming").activation_std, c.scheme("Kaiming").activation_std);
}

TEST(DepthSweep, Errors) {
  EXPECT_THROW(run_depth_sweep(SweepActivation::tanh, {.depth = 0}), ValueError);
  EXPECT_THROW(run_depth_sweep(SweepActivation::tanh, {.width = 0}), ValueError);
  EXPECT_THROW(run_depth_sweep(SweepActivation::tanh, {.batch = -1}), ValueError);
  EXPECT_THROW(relu_sweep().scheme("Glorot"), IndexError);
}

}  // namespace
}  // namespace nninit::diag
