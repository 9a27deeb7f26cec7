// The body of calc_erfinv, written once and compiled twice by erfinv.cpp: for any x86-64 CPU, where
// each std::fma is a call to the C library, and for CPUs with FMA, where it is one instruction. Both give
// the same bits (an fma is exactly rounded either way). No include guard and no includes: erfinv.cpp
// includes it inside a namespace, after the headers it needs.

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

// Coefficients of the rational approximation, rounded to T as ATen's T(...) initialisers do.
template <class T>
struct ErfinvCoefficients {
  const T a[4] = {T(0.886226899), T(-1.645349621), T(0.914624893), T(-0.140543331)};
  const T b[4] = {T(-2.118377725), T(1.442710462), T(-0.329097515), T(0.012229801)};
  const T c[4] = {T(-1.970840454), T(-1.624906493), T(3.429567803), T(1.641345311)};
  const T d[2] = {T(3.543889200), T(1.637067800)};
  const T central_range = T(0.7);
  // 2/sqrt(pi) is rounded to T from T(2) / T(sqrt(pi)).
  const T two_over_sqrt_pi = T(2) / static_cast<T>(std::sqrt(3.14159265358979323846));
};

// The initial approximation for |y| < 1.
template <class T>
T erfinv_initial(T y, bool fused) {
  const ErfinvCoefficients<T> k;
  const T y_abs = std::abs(y);
  if (y_abs <= k.central_range) {
    const T z = y * y;
    const T num = multiply_add(multiply_add(multiply_add(k.a[3], z, k.a[2], fused), z, k.a[1], fused), z,
                               k.a[0], fused);
    const T dem =
        multiply_add(multiply_add(multiply_add(multiply_add(k.b[3], z, k.b[2], fused), z, k.b[1], fused), z,
                                  k.b[0], fused),
                     z, T(1), fused);
    return y * num / dem;
  }
  const T z = std::sqrt(-std::log((T(1) - y_abs) / T(2)));
  const T num =
      multiply_add(multiply_add(multiply_add(k.c[3], z, k.c[2], fused), z, k.c[1], fused), z, k.c[0], fused);
  const T dem = multiply_add(multiply_add(k.d[1], z, k.d[0], fused), z, T(1), fused);
  return std::copysign(num, y) / dem;
}

// The result for |y| >= 1 (NaN above 1, an infinity at 1), which skips the approximation.
template <class T>
bool erfinv_special(T y, T& result) {
  const T y_abs = std::abs(y);
  if (y_abs > T(1)) {
    result = std::numeric_limits<T>::quiet_NaN();
    return true;
  }
  if (y_abs == T(1)) {
    result = std::copysign(std::numeric_limits<T>::infinity(), y);
    return true;
  }
  return false;
}

// calc_erfinv: the approximation, then two Newton-Raphson steps.
template <class T>
T erfinv_impl(T y, bool fused, bool correctly_rounded_erf) {
  T special;
  if (erfinv_special(y, special)) return special;
  const T two_over_sqrt_pi = ErfinvCoefficients<T>{}.two_over_sqrt_pi;
  T x = erfinv_initial(y, fused);
  x = x - (erf_of(x, correctly_rounded_erf) - y) / (two_over_sqrt_pi * std::exp(-x * x));
  x = x - (erf_of(x, correctly_rounded_erf) - y) / (two_over_sqrt_pi * std::exp(-x * x));
  return x;
}

// erfinv_impl of n <= erfinv_lanes values with the steps interleaved across them, so that their
// independent C library calls overlap in the CPU; each value goes through exactly erfinv_impl's
// operations.
inline constexpr int erfinv_lanes = 8;

template <class T>
void erfinv_interleaved(const T* y, T* out, int n, bool fused, bool correctly_rounded_erf) {
  const T two_over_sqrt_pi = ErfinvCoefficients<T>{}.two_over_sqrt_pi;
  T x[erfinv_lanes];
  T erf_x[erfinv_lanes];
  T gaussian[erfinv_lanes];
  bool special[erfinv_lanes];
  for (int i = 0; i < n; ++i) {
    special[i] = erfinv_special(y[i], out[i]);
    x[i] = special[i] ? T(0) : erfinv_initial(y[i], fused);
  }
  for (int step = 0; step < 2; ++step) {
    for (int i = 0; i < n; ++i) erf_x[i] = erf_of(x[i], correctly_rounded_erf);
    for (int i = 0; i < n; ++i) gaussian[i] = std::exp(-x[i] * x[i]);
    for (int i = 0; i < n; ++i) x[i] = x[i] - (erf_x[i] - y[i]) / (two_over_sqrt_pi * gaussian[i]);
  }
  for (int i = 0; i < n; ++i) {
    if (!special[i]) out[i] = x[i];
  }
}
