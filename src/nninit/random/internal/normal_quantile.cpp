#include "nninit/random/internal/normal_quantile.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <span>

namespace nninit {
namespace {

// AS241's rational approximations (Wichura 1988, PPND16): numerator and denominator coefficients, the
// highest degree first. The central one is in r = 0.180625 - q^2 for |q| = |p - 0.5| <= 0.425; the two tail
// ones in r = sqrt(-log(min(p, 1 - p))) - 1.6 (r <= 5) and r - 5.
constexpr double central_numerator[] = {
    2.5090809287301226727e+3, 3.3430575583588128105e+4, 6.7265770927008700853e+4, 4.5921953931549871457e+4,
    1.3731693765509461125e+4, 1.9715909503065514427e+3, 1.3314166789178437745e+2, 3.3871328727963666080e+0};
constexpr double central_denominator[] = {
    5.2264952788528545610e+3, 2.8729085735721942674e+4, 3.9307895800092710610e+4, 2.1213794301586595867e+4,
    5.3941960214247511077e+3, 6.8718700749205790830e+2, 4.2313330701600911252e+1, 1.0};
constexpr double near_numerator[] = {
    7.7454501427834140764e-4, 2.2723844989269184583e-2, 2.4178072517745061177e-1, 1.2704582524523683826e+0,
    3.6478483247632046050e+0, 5.7694972214606914055e+0, 4.6303378461565452959e+0, 1.4234371107496835773e+0};
constexpr double near_denominator[] = {
    1.0507500716444168432e-9, 5.4759380849953449460e-4, 1.5198666563616457197e-2, 1.4810397642748007459e-1,
    6.8976733498510000455e-1, 1.6763848301838038494e+0, 2.0531916266377588219e+0, 1.0};
constexpr double far_numerator[] = {
    2.0103343992922881327e-7, 2.7115555687434875782e-5, 1.2426609473880784386e-3, 2.6532189526576123093e-2,
    2.9656057182850489123e-1, 1.7848265399172913358e+0, 5.4637849111641143699e+0, 6.6579046435011037772e+0};
constexpr double far_denominator[] = {
    2.0442631033899397856e-15, 1.4215117583164458887e-7, 1.8463183175100546818e-5, 7.8686913114561325910e-4,
    1.4875361290850614853e-2,  1.3692988092273580531e-1, 5.9983220655588793769e-1, 1.0};

double horner(std::span<const double> coefficients, double r) {
  double y = coefficients[0];
  for (std::size_t k = 1; k < coefficients.size(); ++k) y = y * r + coefficients[k];
  return y;
}

// The tail probabilities P(Z < x) and P(Z > x), each accurate where it is small.
double lower_tail(double x) {
  return 0.5 * std::erfc(-x / std::sqrt(2.0));
}
double upper_tail(double x) {
  return 0.5 * std::erfc(x / std::sqrt(2.0));
}

// Beyond this many std on one side, a double's tail probability loses its precision (Q(37) is about
// 6e-300), and the normal tail is taken as its exponential limit.
constexpr double far_tail = 37.0;

// The exponential limit of N(0, 1) restricted to [alpha, beta], alpha > far_tail: alpha + E / alpha with E
// exponential, truncated at alpha * (beta - alpha). The density it drops, exp(-y^2 / 2) for y = x - alpha,
// is within 1 / (2 alpha^2) of 1 where almost all of the mass lies.
double far_upper(double alpha, double beta, double u) {
  const double kept = -std::expm1(-alpha * (beta - alpha));  // 1 when beta is infinite
  return alpha - std::log1p(-u * kept) / alpha;
}

}  // namespace

double normal_quantile(double p) {
  if (!(p > 0.0))
    return p == 0.0 ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::quiet_NaN();
  if (!(p < 1.0))
    return p == 1.0 ? std::numeric_limits<double>::infinity() : std::numeric_limits<double>::quiet_NaN();
  const double q = p - 0.5;
  if (std::fabs(q) <= 0.425) {
    const double r = 0.180625 - q * q;
    const double numerator = horner(central_numerator, r) * q;
    return numerator / horner(central_denominator, r);
  }
  double r = q <= 0.0 ? p : 1.0 - p;
  r = std::sqrt(-std::log(r));
  double x;
  if (r <= 5.0) {
    r = r - 1.6;
    x = horner(near_numerator, r) / horner(near_denominator, r);
  } else {
    r = r - 5.0;
    x = horner(far_numerator, r) / horner(far_denominator, r);
  }
  return q < 0.0 ? -x : x;
}

TruncatedNormalQuantile::TruncatedNormalQuantile(double alpha, double beta) : alpha_(alpha), beta_(beta) {
  if (alpha >= 0.0) {
    side_ = alpha > far_tail ? Side::upper_far : Side::upper;
    first_ = upper_tail(alpha);
    second_ = upper_tail(beta);
  } else if (beta <= 0.0) {
    side_ = beta < -far_tail ? Side::lower_far : Side::lower;
    first_ = lower_tail(alpha);
    second_ = lower_tail(beta);
  } else {
    side_ = Side::middle;
    first_ = lower_tail(alpha);
    second_ = upper_tail(beta);
  }
}

double TruncatedNormalQuantile::operator()(double u) const {
  double x = 0.0;
  switch (side_) {
    case Side::upper:  // Q(x) = Q(beta) + (1 - u) (Q(alpha) - Q(beta)), always <= 1/2
      x = -normal_quantile(second_ + (1.0 - u) * (first_ - second_));
      break;
    case Side::lower:  // Phi(x) = Phi(alpha) + u (Phi(beta) - Phi(alpha)), always <= 1/2
      x = normal_quantile(first_ + u * (second_ - first_));
      break;
    case Side::middle: {  // from whichever tail probability is the smaller
      const double mass = (1.0 - first_) - second_;
      const double below = first_ + u * mass;
      x = below <= 0.5 ? normal_quantile(below) : -normal_quantile(second_ + (1.0 - u) * mass);
      break;
    }
    case Side::upper_far: x = far_upper(alpha_, beta_, u); break;
    case Side::lower_far: x = -far_upper(-beta_, -alpha_, 1.0 - u); break;
  }
  return std::clamp(x, alpha_, beta_);
}

}  // namespace nninit
