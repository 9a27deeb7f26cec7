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

// box_muller::avx_mathfun_log.
NNINIT_VECTOR_INLINE F avx_mathfun_log(F x) {
  const F one = V::set(1.0f);
  const F smallest_normal = V::as_f(V::set_i(0x00800000u));
  x = V::select(V::lt(x, smallest_normal), smallest_normal, x);
  const I bits = V::as_i(x);
  F e = V::add(V::to_f(V::sub_i(V::shr<23>(bits), V::set_i(127u))), one);
  F m = V::as_f(V::or_i(V::and_i(bits, V::set_i(~0x7f800000u)), V::set_i(0x3f000000u)));
  const auto small = V::lt(m, V::set(avx_mathfun::sqrt_half));
  const F addend = V::select(small, m, V::zero());
  m = V::sub(m, one);
  e = V::sub(e, V::select(small, one, V::zero()));
  m = V::add(m, addend);
  const F z = V::mul(m, m);
  F y = V::set(avx_mathfun::log_coefficients[0]);
  for (int k = 1; k < 9; ++k) y = V::fma(y, m, V::set(avx_mathfun::log_coefficients[k]));
  y = V::mul(y, m);
  y = V::fma(y, z, V::mul(e, V::set(avx_mathfun::log_q1)));
  y = V::fma(negate(z), V::set(0.5f), y);
  const F r = V::add(m, y);
  return V::fma(e, V::set(avx_mathfun::log_q2), r);
}

// box_muller::avx_mathfun_sincos.
NNINIT_VECTOR_INLINE void avx_mathfun_sincos(F x, F& sine, F& cosine) {
  I sine_sign = V::and_i(V::as_i(x), V::set_i(0x80000000u));
  x = V::as_f(V::and_i(V::as_i(x), V::set_i(0x7fffffffu)));
  const I octant = V::truncate(V::mul(x, V::set(avx_mathfun::four_over_pi)));
  const I j = V::and_i(V::add_i(octant, V::set_i(1u)), V::set_i(~1u));
  const F y = V::to_f(j);
  const I swap_sign_sine = V::shl<29>(V::and_i(j, V::set_i(4u)));
  const auto sine_polynomial_for_sine = V::eq_i(V::and_i(j, V::set_i(2u)), V::set_i(0u));
  x = V::fma(y, V::set(avx_mathfun::reduction_1), x);
  x = V::fma(y, V::set(avx_mathfun::reduction_2), x);
  x = V::fma(y, V::set(avx_mathfun::reduction_3), x);
  const I cosine_sign = V::shl<29>(V::andnot_i(V::sub_i(j, V::set_i(2u)), V::set_i(4u)));
  sine_sign = V::xor_i(sine_sign, swap_sign_sine);
  const F z = V::mul(x, x);
  F c = V::fma(V::set(avx_mathfun::cos_coefficients[0]), z, V::set(avx_mathfun::cos_coefficients[1]));
  c = V::fma(c, z, V::set(avx_mathfun::cos_coefficients[2]));
  c = V::mul(c, z);
  c = V::fma(c, z, negate(V::mul(z, V::set(0.5f))));
  c = V::add(c, V::set(1.0f));
  F s = V::fma(V::set(avx_mathfun::sin_coefficients[0]), z, V::set(avx_mathfun::sin_coefficients[1]));
  s = V::fma(s, z, V::set(avx_mathfun::sin_coefficients[2]));
  s = V::mul(s, z);
  s = V::fma(s, x, x);
  sine = V::as_f(V::xor_i(V::as_i(V::select(sine_polynomial_for_sine, s, c)), sine_sign));
  cosine = V::as_f(V::xor_i(V::as_i(V::select(sine_polynomial_for_sine, c, s)), cosine_sign));
}

// box_muller::avx_mathfun16 on the pairs (u1, u2) of V::pair_floats / 16 blocks.
NNINIT_VECTOR_INLINE void box_muller_pairs(F u1_draw, F u2, F mean, F std, F& first, F& second) {
  const F u1 = V::sub(V::set(1.0f), u1_draw);
  const F radius = V::sqrt(V::mul(V::set(-2.0f), avx_mathfun_log(u1)));
  F sine;
  F cosine;
  avx_mathfun_sincos(V::mul(V::set(avx_mathfun::two_pi), u2), sine, cosine);
  first = V::fma(V::mul(radius, cosine), std, mean);
  second = V::fma(V::mul(radius, sine), std, mean);
}
