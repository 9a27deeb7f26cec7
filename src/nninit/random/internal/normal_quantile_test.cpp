// normal_quantile against Python's statistics.NormalDist().inv_cdf (the same algorithm, AS241), and the
// truncated normal's quantile against the CDF it inverts, in every kind of window.
#include "nninit/random/internal/normal_quantile.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

namespace nninit {
namespace {

TEST(NormalQuantile, EqualsPythonsNormalDist) {
  // /usr/bin/python3 -c "from statistics import NormalDist; print(NormalDist().inv_cdf(p).hex())"
  // (Python 3.11.2, Debian 12), for each p below.
  const std::pair<double, double> cases[] = {
      {1e-300, -0x1.286074064c26ep+5}, {1e-20, -0x1.2865170b43a4bp+3},    {1e-10, -0x1.97203597a2154p+2},
      {0.001, -0x1.8b8cbb7204470p+1},  {0.02, -0x1.06e13e8aadfdbp+1},     {0.07, -0x1.79cd70d9c27f0p+0},
      {0.075, -0x1.7085226d3e523p+0},  {0.3, -0x1.0c7e39582c5fap-1},      {0.5, 0.0},
      {0.6, 0x1.036d6c4a04b5ap-2},     {0.925, 0x1.7085226d3e524p+0},     {0.93, 0x1.79cd70d9c27f3p+0},
      {0.999, 0x1.8b8cbb7204470p+1},   {1 - 1e-12, 0x1.c2350895b2ea4p+2},
  };
  for (auto [p, expected] : cases) EXPECT_DOUBLE_EQ(normal_quantile(p), expected) << p;
  EXPECT_EQ(normal_quantile(0.0), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(normal_quantile(1.0), std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(normal_quantile(-0.5)));
}

// P(Z < x) and P(Z > x) through erfc, accurate in their small tails.
double lower(double x) {
  return 0.5 * std::erfc(-x / std::sqrt(2.0));
}
double upper(double x) {
  return 0.5 * std::erfc(x / std::sqrt(2.0));
}

TEST(TruncatedNormalQuantile, InvertsTheTruncatedCdf) {
  struct Window {
    double alpha;
    double beta;
  };
  const Window windows[] = {{-2, 2},  {-1, 2.5},       {0.5, 0.7},    {3, 4},     {6, INFINITY}, {12, 13},
                            {-9, -8}, {-INFINITY, -5}, {-1e-9, 1e-9}, {-0.3, 30}, {0, INFINITY}};
  for (const Window& w : windows) {
    // Each side in its own tail, so that the check keeps its precision where the quantile does.
    const bool upper_side = w.alpha >= 0 || (w.beta > 0 && w.alpha > -w.beta);
    const double mass = upper_side ? upper(w.alpha) - upper(w.beta) : lower(w.beta) - lower(w.alpha);
    // The check's own cancellation: differences of probabilities near 1/2 over a small mass.
    const double tolerance = 1e-9 + 1e-15 / mass;
    double previous = -INFINITY;
    for (double u : {1e-12, 1e-6, 0.001, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999, 1 - 1e-6, 1 - 1e-12}) {
      const double x = TruncatedNormalQuantile(w.alpha, w.beta)(u);
      ASSERT_TRUE(std::isfinite(x));
      ASSERT_GE(x, w.alpha);
      ASSERT_LE(x, w.beta);
      ASSERT_GE(x, previous) << "not increasing in u";
      previous = x;
      // The fraction of the window's mass below x is u.
      const double fraction = upper_side ? 1.0 - (upper(x) - upper(w.beta)) / (upper(w.alpha) - upper(w.beta))
                                         : (lower(x) - lower(w.alpha)) / (lower(w.beta) - lower(w.alpha));
      EXPECT_NEAR(fraction, u, tolerance) << w.alpha << " " << w.beta << " u " << u;
    }
  }
}

TEST(TruncatedNormalQuantile, FarTailsUseTheExponentialLimit) {
  // 40 std out, the window's mass underflows a double's tail probability. Given Z > alpha, Z - alpha is
  // close to exponential with rate alpha: the median is alpha + log(2) / alpha.
  const TruncatedNormalQuantile far(40.0, INFINITY);
  EXPECT_NEAR(far(0.5), 40.0 + std::log(2.0) / 40.0, 1e-6);
  const TruncatedNormalQuantile narrow(40.0, 40.01);
  const TruncatedNormalQuantile mirrored(-40.01, -40.0);
  for (double u : {1e-9, 0.3, 0.5, 0.9, 1 - 1e-9}) {
    EXPECT_GE(narrow(u), 40.0);
    EXPECT_LE(narrow(u), 40.01);
    EXPECT_DOUBLE_EQ(mirrored(u), -narrow(1.0 - u));
  }
  EXPECT_EQ(TruncatedNormalQuantile(2.0, 2.0)(0.3), 2.0);
}

}  // namespace
}  // namespace nninit
