// The avx_mathfun Box-Muller of box_muller.h, vectorised over a vector type `V`: its log and sincos and the
// transform of one pair, lane by lane the scalar transcription of box_muller.cpp (box_muller_simd_test.cpp
// holds them equal on their whole domain in the fills), apart from the kernels that use them.
//
// No include guard and no includes: a kernel source includes it inside an anonymous namespace, after its
// `V` and simd_common_inl.h.

namespace avx_mathfun = box_muller::avx_mathfun;

NNINIT_VECTOR_INLINE F negate(F x) {
  return V::as_f(V::xor_i(V::as_i(x), V::set_i(0x80000000u)));
}

// box_muller::avx_mathfun_log of n vectors in place. The n computations are independent and written step
// by step, so that their long dependency chains (the Horner steps above all) interleave.
template <int n>
NNINIT_VECTOR_INLINE void avx_mathfun_log(F* x) {
  const F one = V::set(1.0f);
  const F smallest_normal = V::as_f(V::set_i(0x00800000u));
  F e[n];
  F m[n];
  F z[n];
  F y[n];
  for (int j = 0; j < n; ++j) {
    const I bits = V::as_i(V::select(V::lt(x[j], smallest_normal), smallest_normal, x[j]));
    e[j] = V::add(V::to_f(V::sub_i(V::shr<23>(bits), V::set_i(127u))), one);
    m[j] = V::as_f(V::or_i(V::and_i(bits, V::set_i(~0x7f800000u)), V::set_i(0x3f000000u)));
    const auto small = V::lt(m[j], V::set(avx_mathfun::sqrt_half));
    const F addend = V::select(small, m[j], V::zero());
    m[j] = V::sub(m[j], one);
    e[j] = V::sub(e[j], V::select(small, one, V::zero()));
    m[j] = V::add(m[j], addend);
    z[j] = V::mul(m[j], m[j]);
    y[j] = V::set(avx_mathfun::log_coefficients[0]);
  }
  for (int k = 1; k < 9; ++k) {
    for (int j = 0; j < n; ++j) y[j] = V::fma(y[j], m[j], V::set(avx_mathfun::log_coefficients[k]));
  }
  for (int j = 0; j < n; ++j) {
    y[j] = V::mul(y[j], m[j]);
    y[j] = V::fma(y[j], z[j], V::mul(e[j], V::set(avx_mathfun::log_q1)));
    y[j] = V::fma(negate(z[j]), V::set(0.5f), y[j]);
    const F r = V::add(m[j], y[j]);
    x[j] = V::fma(e[j], V::set(avx_mathfun::log_q2), r);
  }
}

NNINIT_VECTOR_INLINE F avx_mathfun_log(F x) {
  avx_mathfun_log<1>(&x);
  return x;
}

// box_muller::avx_mathfun_sincos of n vectors, step by step as avx_mathfun_log<n>.
template <int n>
NNINIT_VECTOR_INLINE void avx_mathfun_sincos(const F* angle, F* sine, F* cosine) {
  F x[n];
  I j_octant[n];
  I sine_sign[n];
  I cosine_sign[n];
  for (int i = 0; i < n; ++i) {
    sine_sign[i] = V::and_i(V::as_i(angle[i]), V::set_i(0x80000000u));
    x[i] = V::as_f(V::and_i(V::as_i(angle[i]), V::set_i(0x7fffffffu)));
    const I octant = V::truncate(V::mul(x[i], V::set(avx_mathfun::four_over_pi)));
    j_octant[i] = V::and_i(V::add_i(octant, V::set_i(1u)), V::set_i(~1u));
  }
  for (int i = 0; i < n; ++i) {
    const F y = V::to_f(j_octant[i]);
    x[i] = V::fma(y, V::set(avx_mathfun::reduction_1), x[i]);
    x[i] = V::fma(y, V::set(avx_mathfun::reduction_2), x[i]);
    x[i] = V::fma(y, V::set(avx_mathfun::reduction_3), x[i]);
    const I swap_sign_sine = V::shl<29>(V::and_i(j_octant[i], V::set_i(4u)));
    cosine_sign[i] = V::shl<29>(V::andnot_i(V::sub_i(j_octant[i], V::set_i(2u)), V::set_i(4u)));
    sine_sign[i] = V::xor_i(sine_sign[i], swap_sign_sine);
  }
  for (int i = 0; i < n; ++i) {
    const auto sine_polynomial_for_sine = V::eq_i(V::and_i(j_octant[i], V::set_i(2u)), V::set_i(0u));
    const F z = V::mul(x[i], x[i]);
    F c = V::fma(V::set(avx_mathfun::cos_coefficients[0]), z, V::set(avx_mathfun::cos_coefficients[1]));
    c = V::fma(c, z, V::set(avx_mathfun::cos_coefficients[2]));
    c = V::mul(c, z);
    c = V::fma(c, z, negate(V::mul(z, V::set(0.5f))));
    c = V::add(c, V::set(1.0f));
    F s = V::fma(V::set(avx_mathfun::sin_coefficients[0]), z, V::set(avx_mathfun::sin_coefficients[1]));
    s = V::fma(s, z, V::set(avx_mathfun::sin_coefficients[2]));
    s = V::mul(s, z);
    s = V::fma(s, x[i], x[i]);
    sine[i] = V::as_f(V::xor_i(V::as_i(V::select(sine_polynomial_for_sine, s, c)), sine_sign[i]));
    cosine[i] = V::as_f(V::xor_i(V::as_i(V::select(sine_polynomial_for_sine, c, s)), cosine_sign[i]));
  }
}

NNINIT_VECTOR_INLINE void avx_mathfun_sincos(F x, F& sine, F& cosine) {
  avx_mathfun_sincos<1>(&x, &sine, &cosine);
}

// box_muller::avx_mathfun16's transform of n vectors of pairs (u1 = 1 - u1_draw, u2): the cosine output
// to first[j], the sine output to second[j].
template <int n>
NNINIT_VECTOR_INLINE void box_muller_pairs(const F* u1_draw, const F* u2, F mean, F std, F* first,
                                           F* second) {
  F radius[n];
  F angle[n];
  for (int j = 0; j < n; ++j) {
    radius[j] = V::sub(V::set(1.0f), u1_draw[j]);
    angle[j] = V::mul(V::set(avx_mathfun::two_pi), u2[j]);
  }
  avx_mathfun_log<n>(radius);
  F sine[n];
  F cosine[n];
  avx_mathfun_sincos<n>(angle, sine, cosine);
  for (int j = 0; j < n; ++j) {
    radius[j] = V::sqrt(V::mul(V::set(-2.0f), radius[j]));
    first[j] = V::fma(V::mul(radius[j], cosine[j]), std, mean);
    second[j] = V::fma(V::mul(radius[j], sine[j]), std, mean);
  }
}

NNINIT_VECTOR_INLINE void box_muller_pairs(F u1_draw, F u2, F mean, F std, F& first, F& second) {
  box_muller_pairs<1>(&u1_draw, &u2, mean, std, &first, &second);
}
