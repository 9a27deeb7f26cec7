// The standard normal's quantile function and the truncated normal's, in double precision, for the
// inverse-CDF step of PhiloxGenerator::trunc_normal_ (docs/rng.md §11.6).
//
// Accuracy is kept in the tails: a window far out on one side is handled through that side's tail
// probability (erfc, never 1 - p), and one too far out for a double (beyond about 37 std) through the
// exponential limit of the normal tail. The results depend on the C library's erfc, log, log1p and expm1.
#pragma once

namespace nninit {

// Phi^-1(p) for p in (0, 1): Wichura's algorithm AS241 (PPND16, Applied Statistics 37(3), 1988), relative
// error about 1e-16. For p <= 0.5 it works from p itself, so small p keep their precision. 0 gives -inf and
// 1 gives +inf.
double normal_quantile(double p);

// The quantile function of N(0, 1) restricted to [alpha, beta] (alpha <= beta, either may be infinite):
// maps u in (0, 1) increasingly onto [alpha, beta].
class TruncatedNormalQuantile {
 public:
  TruncatedNormalQuantile(double alpha, double beta);
  double operator()(double u) const;

 private:
  enum class Side { lower, middle, upper, lower_far, upper_far };
  double alpha_;
  double beta_;
  Side side_;
  double first_ = 0.0;   // the tail probability, or CDF, at the near end
  double second_ = 0.0;  // the same at the far end
};

}  // namespace nninit
