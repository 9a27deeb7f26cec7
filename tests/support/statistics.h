// Statistical checks for tests: the one-sample Kolmogorov-Smirnov test and moment checks. Tests use
// fixed seeds, so each check is deterministic; the thresholds are set so that a correct sampler passes
// and a wrong scale, shift or shape fails by a wide margin.
#pragma once

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

namespace nninit::testing {

inline double normal_cdf(double x) {
  return 0.5 * std::erfc(-x / std::sqrt(2.0));
}

// Largest distance between the empirical CDF of `sample` and `cdf`.
inline double ks_statistic(std::vector<double> sample, const std::function<double(double)>& cdf) {
  std::sort(sample.begin(), sample.end());
  const auto n = static_cast<double>(sample.size());
  double d = 0;
  for (std::size_t i = 0; i < sample.size(); ++i) {
    const double f = cdf(sample[i]);
    d = std::max({d, static_cast<double>(i + 1) / n - f, f - static_cast<double>(i) / n});
  }
  return d;
}

// Asymptotic p-value of the KS statistic d for n samples (Kolmogorov's distribution with Stephens's
// small-sample correction, Stephens 1970).
inline double ks_p_value(double d, std::size_t n) {
  const double root_n = std::sqrt(static_cast<double>(n));
  const double lambda = (root_n + 0.12 + 0.11 / root_n) * d;
  double sum = 0;
  for (int j = 1; j <= 100; ++j) {
    const double term = std::exp(-2.0 * j * j * lambda * lambda);
    sum += (j % 2 == 1 ? 2.0 : -2.0) * term;
    if (term < 1e-12) break;
  }
  return std::clamp(sum, 0.0, 1.0);
}

inline double ks_p_value(const std::vector<double>& sample, const std::function<double(double)>& cdf) {
  return ks_p_value(ks_statistic(sample, cdf), sample.size());
}

struct Moments {
  double mean = 0;
  double variance = 0;
};

inline Moments moments(const std::vector<double>& sample) {
  Moments m;
  for (double x : sample) m.mean += x;
  m.mean /= static_cast<double>(sample.size());
  for (double x : sample) m.variance += (x - m.mean) * (x - m.mean);
  m.variance /= static_cast<double>(sample.size() - 1);
  return m;
}

// CDF of N(mean, std^2) truncated to [a, b].
inline std::function<double(double)> truncated_normal_cdf(double mean, double std, double a, double b) {
  const double lo = normal_cdf((a - mean) / std);
  const double hi = normal_cdf((b - mean) / std);
  return [=](double x) {
    if (x <= a) return 0.0;
    if (x >= b) return 1.0;
    return (normal_cdf((x - mean) / std) - lo) / (hi - lo);
  };
}

inline std::function<double(double)> uniform_cdf(double a, double b) {
  return [=](double x) { return std::clamp((x - a) / (b - a), 0.0, 1.0); };
}

inline std::function<double(double)> normal_cdf_of(double mean, double std) {
  return [=](double x) { return normal_cdf((x - mean) / std); };
}

}  // namespace nninit::testing
