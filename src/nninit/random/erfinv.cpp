#include "nninit/random/erfinv.h"

#include <cmath>
#include <limits>
#include <type_traits>

namespace nninit {
namespace {

template <class T>
T multiply_add(T a, T b, T c, bool fused) {
  return fused ? std::fma(a, b, c) : a * b + c;
}

template <class T>
T erf_of(T x, bool correctly_rounded) {
  if constexpr (std::is_same_v<T, float>) {
    if (correctly_rounded) return static_cast<float>(std::erf(static_cast<double>(x)));
  }
  return std::erf(x);
}

template <class T>
T erfinv_impl(T y, bool fused, bool correctly_rounded_erf) {
  // Coefficients of the rational approximation, rounded to T as ATen's T(...) initialisers do.
  const T a[4] = {T(0.886226899), T(-1.645349621), T(0.914624893), T(-0.140543331)};
  const T b[4] = {T(-2.118377725), T(1.442710462), T(-0.329097515), T(0.012229801)};
  const T c[4] = {T(-1.970840454), T(-1.624906493), T(3.429567803), T(1.641345311)};
  const T d[2] = {T(3.543889200), T(1.637067800)};
  const T central_range = T(0.7);
  const T y_abs = std::abs(y);
  if (y_abs > T(1)) return std::numeric_limits<T>::quiet_NaN();
  if (y_abs == T(1)) return std::copysign(std::numeric_limits<T>::infinity(), y);
  T x;
  if (y_abs <= central_range) {
    const T z = y * y;
    const T num =
        multiply_add(multiply_add(multiply_add(a[3], z, a[2], fused), z, a[1], fused), z, a[0], fused);
    const T dem = multiply_add(
        multiply_add(multiply_add(multiply_add(b[3], z, b[2], fused), z, b[1], fused), z, b[0], fused), z,
        T(1), fused);
    x = y * num / dem;
  } else {
    const T z = std::sqrt(-std::log((T(1) - y_abs) / T(2)));
    const T num =
        multiply_add(multiply_add(multiply_add(c[3], z, c[2], fused), z, c[1], fused), z, c[0], fused);
    const T dem = multiply_add(multiply_add(d[1], z, d[0], fused), z, T(1), fused);
    x = std::copysign(num, y) / dem;
  }
  // Two Newton-Raphson steps; 2/sqrt(pi) is rounded to T from T(2) / T(sqrt(pi)).
  const T two_over_sqrt_pi = T(2) / static_cast<T>(std::sqrt(3.14159265358979323846));
  x = x - (erf_of(x, correctly_rounded_erf) - y) / (two_over_sqrt_pi * std::exp(-x * x));
  x = x - (erf_of(x, correctly_rounded_erf) - y) / (two_over_sqrt_pi * std::exp(-x * x));
  return x;
}

}  // namespace

float calc_erfinv(float y, bool fused, bool correctly_rounded_erf) {
  return erfinv_impl<float>(y, fused, correctly_rounded_erf);
}
double calc_erfinv(double y, bool fused) {
  return erfinv_impl<double>(y, fused, false);
}

}  // namespace nninit
