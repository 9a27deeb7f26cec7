// The vectorised kernels of fill_kernels.h, written once over a vector type `V` (8 or 16 float lanes).
//
// No include guard and no includes: fill_kernels_avx2.cpp and fill_kernels_avx512.cpp each include this
// file inside an anonymous namespace, after their NNINIT_TARGET_BEGIN (target.h), their `V` (simd_avx2_inl.h
// or simd_avx512_inl.h), simd_common_inl.h and box_muller_simd_inl.h. Every kernel performs, lane by lane,
// exactly the IEEE operations of its scalar reference in fill_kernels.cpp / box_muller.cpp, in the same
// order: one fma where the reference has std::fma, a separate multiply and add where it has `a * b + c` (the
// library is built with -ffp-contract=off). Elements left over after the last whole vector go through the
// same vector code on a padded copy.

// ---- MT19937 -------------------------------------------------------------------------------------------

std::uint32_t twist_scalar(std::uint32_t current, std::uint32_t next, std::uint32_t far) {
  const std::uint32_t y = (current & 0x80000000u) | (next & 0x7fffffffu);
  return far ^ (y >> 1) ^ ((next & 1u) != 0 ? 0x9908b0dfu : 0u);
}

NNINIT_VECTOR_INLINE I twist(I current, I next, I far) {
  const I y = V::or_i(V::and_i(current, V::set_i(0x80000000u)), V::and_i(next, V::set_i(0x7fffffffu)));
  const I odd = V::sar<31>(V::shl<31>(next));  // all ones where `next` is odd
  return V::xor_i(far, V::xor_i(V::shr<1>(y), V::and_i(odd, V::set_i(0x9908b0dfu))));
}

// MT19937::regenerate_reference's three segments, V::lanes words at a time. A vector of segment 1 reads
// old words only (i + lanes <= 227 keeps i + 397 + lanes - 1 <= 623); one of segment 2 reads new words
// i - 227 .., all written by earlier vectors since lanes <= 227.
void mt_regenerate(std::uint32_t* mt) {
  constexpr int n = MT19937::state_size;
  constexpr int shift = 397;
  constexpr int back = n - shift;
  int i = 0;
  for (; i + V::lanes <= back; i += V::lanes) {
    V::store_i(mt + i, twist(V::load_i(mt + i), V::load_i(mt + i + 1), V::load_i(mt + i + shift)));
  }
  for (; i < back; ++i) mt[i] = twist_scalar(mt[i], mt[i + 1], mt[i + shift]);
  for (; i + V::lanes <= n - 1; i += V::lanes) {
    V::store_i(mt + i, twist(V::load_i(mt + i), V::load_i(mt + i + 1), V::load_i(mt + i - back)));
  }
  for (; i < n - 1; ++i) mt[i] = twist_scalar(mt[i], mt[i + 1], mt[i - back]);
  mt[n - 1] = twist_scalar(mt[n - 1], mt[0], mt[n - 1 - back]);
}

NNINIT_VECTOR_INLINE I temper(I y) {
  y = V::xor_i(y, V::shr<11>(y));
  y = V::xor_i(y, V::and_i(V::shl<7>(y), V::set_i(0x9d2c5680u)));
  y = V::xor_i(y, V::and_i(V::shl<15>(y), V::set_i(0xefc60000u)));
  return V::xor_i(y, V::shr<18>(y));
}

void mt_temper(const std::uint32_t* state, std::uint32_t* out, std::size_t n) {
  std::size_t i = 0;
  for (; i + V::lanes <= n; i += V::lanes) V::store_i(out + i, temper(V::load_i(state + i)));
  for (; i < n; ++i) out[i] = MT19937::temper(state[i]);
}

// ---- uniform_ --------------------------------------------------------------------------------------------

// Calls lanes_of(words, out, streaming) for each whole vector of the n outputs (words_per_vector words
// in, values_per_vector values out), then once more on a zero-padded copy of what is left.
template <class Out, int words_per_vector, int values_per_vector, class Lanes>
void for_each_vector(const std::uint32_t* words, Out* out, std::size_t n, bool stream, Lanes&& lanes_of) {
  const bool nt = stream && aligned_for_streaming(out);
  std::size_t i = 0;
  const std::size_t words_per_value = words_per_vector / values_per_vector;
  for (; i + values_per_vector <= n; i += values_per_vector)
    lanes_of(words + i * words_per_value, out + i, nt);
  if (i < n) {
    alignas(64) std::uint32_t padded_words[words_per_vector] = {};
    alignas(64) Out padded_out[values_per_vector];
    std::memcpy(padded_words, words + i * words_per_value, (n - i) * words_per_value * sizeof(std::uint32_t));
    lanes_of(padded_words, padded_out, false);
    std::memcpy(out + i, padded_out, (n - i) * sizeof(Out));
  }
  if (nt) V::fence();
}

template <bool fused, bool clamp>
void uniform_float_loop(const std::uint32_t* words, float* out, std::size_t n, const UniformFloat& p,
                        bool stream) {
  const I mask = V::set_i(p.mask);
  const F scale = V::set(p.scale);
  const F from = V::set(p.from);
  const F range = V::set(p.range);
  const F to = V::set(p.to);
  for_each_vector<float, V::lanes, V::lanes>(
      words, out, n, stream, [&](const std::uint32_t* w, float* o, bool nt) {
        const F x = V::mul(V::to_f(V::and_i(V::load_i(w), mask)), scale);
        F v = fused ? V::fma(x, range, from) : V::add(V::mul(x, range), from);
        if (clamp) v = V::select(V::eq(v, to), from, v);
        if (nt) {
          V::stream(o, v);
        } else {
          V::store(o, v);
        }
      });
}

void uniform_float(const std::uint32_t* words, float* out, std::size_t n, const UniformFloat& p,
                   bool stream) {
  if (p.fused) {
    if (p.clamp) return uniform_float_loop<true, true>(words, out, n, p, stream);
    return uniform_float_loop<true, false>(words, out, n, p, stream);
  }
  if (p.clamp) return uniform_float_loop<false, true>(words, out, n, p, stream);
  return uniform_float_loop<false, false>(words, out, n, p, stream);
}

// Each 64-bit lane holds a word pair (first in the low half): x = (first & (2^21 - 1)) * 2^-21 +
// second * 2^-53, both parts converted exactly through the 2^52 exponent trick and the sum exact (it
// has at most 53 significant bits), which is the reference's (double)(r & (2^53 - 1)) * 2^-53.
template <bool fused, bool clamp>
void uniform_double_loop(const std::uint32_t* words, double* out, std::size_t n, const UniformDouble& p,
                         bool stream) {
  const I low21 = V::set_q(0x1fffffu);
  const I exponent52 = V::set_q(0x4330000000000000u);
  const D two52 = V::set_d(0x1p52);
  const D from = V::set_d(p.from);
  const D range = V::set_d(p.to - p.from);
  const D to = V::set_d(p.to);
  for_each_vector<double, V::lanes, V::lanes / 2>(
      words, out, n, stream, [&](const std::uint32_t* w, double* o, bool nt) {
        const I pairs = V::load_i(w);
        const D high = V::sub_d(V::as_d(V::or_i(V::and_i(pairs, low21), exponent52)), two52);
        const D low = V::sub_d(V::as_d(V::or_i(V::shr_q<32>(pairs), exponent52)), two52);
        const D x = V::add_d(V::mul_d(high, V::set_d(0x1p-21)), V::mul_d(low, V::set_d(0x1p-53)));
        D v = fused ? V::fma_d(x, range, from) : V::add_d(V::mul_d(x, range), from);
        if (clamp) v = V::select_d(V::eq_d(v, to), from, v);
        if (nt) {
          V::stream_d(o, v);
        } else {
          V::store_d(o, v);
        }
      });
}

void uniform_double(const std::uint32_t* words, double* out, std::size_t n, const UniformDouble& p,
                    bool stream) {
  if (p.fused) {
    if (p.clamp) return uniform_double_loop<true, true>(words, out, n, p, stream);
    return uniform_double_loop<true, false>(words, out, n, p, stream);
  }
  if (p.clamp) return uniform_double_loop<false, true>(words, out, n, p, stream);
  return uniform_double_loop<false, false>(words, out, n, p, stream);
}

// ---- float to Half / BFloat16 ----------------------------------------------------------------------------

// core/dtype.cpp's float_to_bfloat16_bits: add 0x7fff plus the lowest kept bit, keep the high half;
// NaN becomes 0x7fc0.
NNINIT_VECTOR_INLINE I bfloat16_bits(I x) {
  const I rounded =
      V::shr<16>(V::add_i(x, V::add_i(V::set_i(0x7fffu), V::and_i(V::shr<16>(x), V::set_i(1u)))));
  const auto is_nan = V::gt_i(V::and_i(x, V::set_i(0x7fffffffu)), V::set_i(0x7f800000u));
  return V::select_i(is_nan, V::set_i(0x7fc0u), rounded);
}

// core/dtype.cpp's float_to_half_bits. Normal results: rebias, add 0xfff plus the lowest kept bit, drop
// 13 bits. Results below 2^-14: m + 0.5f rounds m to a multiple of 2^-24 (the spacing of floats in
// [0.5, 1)) to nearest even, which is the reference's rounded shift, and the bits above 0.5f count
// units of 2^-24. Overflow gives infinity, NaN 0x7e00; the sign is put back last.
NNINIT_VECTOR_INLINE I half_bits(I x) {
  const I sign = V::and_i(V::shr<16>(x), V::set_i(0x8000u));
  const I magnitude = V::and_i(x, V::set_i(0x7fffffffu));
  const I rebiased = V::sub_i(magnitude, V::set_i((127u - 15u) << 23));
  const I normal = V::shr<13>(
      V::add_i(rebiased, V::add_i(V::set_i(0x0fffu), V::and_i(V::shr<13>(rebiased), V::set_i(1u)))));
  const I subnormal = V::sub_i(V::as_i(V::add(V::as_f(magnitude), V::set(0.5f))), V::set_i(0x3f000000u));
  I bits = V::select_i(V::gt_i(V::set_i(0x38800000u), magnitude), subnormal, normal);
  bits = V::select_i(V::gt_i(magnitude, V::set_i(0x477fefffu)), V::set_i(0x7c00u), bits);
  bits = V::select_i(V::gt_i(magnitude, V::set_i(0x7f800000u)), V::set_i(0x7e00u), bits);
  return V::or_i(bits, sign);
}

void narrow16(const float* in, std::uint16_t* out, std::size_t n, const Narrow& p, bool stream) {
  const bool half = p.dtype == DType::float16;
  // Equal as floats: the same bits, or both zeros; a NaN equals nothing.
  const std::uint32_t to = p.to_bits;
  const bool to_is_nan =
      half ? (to & 0x7c00u) == 0x7c00u && (to & 0x3ffu) != 0 : (to & 0x7f80u) == 0x7f80u && (to & 0x7fu) != 0;
  const bool replace = p.replace && !to_is_nan;
  const bool to_is_zero = (to & 0x7fffu) == 0;
  const I key_mask = V::set_i(to_is_zero ? 0x7fffu : 0xffffu);
  const I key = V::set_i(to_is_zero ? 0u : to);
  const I from = V::set_i(p.from_bits);
  // Streams store 2 * V::lanes bytes, so they need half a vector's alignment.
  const bool nt = stream && reinterpret_cast<std::uintptr_t>(out) % (sizeof(F) / 2) == 0;
  auto lanes_of = [&](const float* x, std::uint16_t* o, bool streaming) {
    const I bits32 = V::as_i(V::load(x));
    I bits = half ? half_bits(bits32) : bfloat16_bits(bits32);
    if (replace) bits = V::select_i(V::eq_i(V::and_i(bits, key_mask), key), from, bits);
    V::store_u16(o, bits, streaming);
  };
  std::size_t i = 0;
  for (; i + V::lanes <= n; i += V::lanes) lanes_of(in + i, out + i, nt);
  if (i < n) {
    alignas(64) float padded_in[V::lanes] = {};
    alignas(64) std::uint16_t padded_out[V::lanes];
    std::memcpy(padded_in, in + i, (n - i) * sizeof(float));
    lanes_of(padded_in, padded_out, false);
    std::memcpy(out + i, padded_out, (n - i) * sizeof(std::uint16_t));
  }
  if (nt) V::fence();
}

void normal_avx_mathfun(const std::uint32_t* words, float* out, std::size_t blocks, float mean, float std,
                        bool stream) {
  const F mean_v = V::set(mean);
  const F std_v = V::set(std);
  const I mask = V::set_i(0xffffffu);
  const F scale = V::set(0x1p-24f);
  auto lanes_of = [&](const std::uint32_t* w, float* o, bool streaming) {
    I first_words;
    I second_words;
    V::load_pairs(w, first_words, second_words);
    const F u1 = V::mul(V::to_f(V::and_i(first_words, mask)), scale);
    const F u2 = V::mul(V::to_f(V::and_i(second_words, mask)), scale);
    F first;
    F second;
    box_muller_pairs(u1, u2, mean_v, std_v, first, second);
    V::store_pairs(o, first, second, streaming);
  };
  const std::size_t n = 16 * blocks;
  const bool nt = stream && aligned_for_streaming(out);
  std::size_t i = 0;
  for (; i + V::pair_floats <= n; i += V::pair_floats) lanes_of(words + i, out + i, nt);
  if (i < n) {
    alignas(64) std::uint32_t padded_words[V::pair_floats] = {};
    alignas(64) float padded_out[V::pair_floats];
    std::memcpy(padded_words, words + i, (n - i) * sizeof(std::uint32_t));
    lanes_of(padded_words, padded_out, false);
    std::memcpy(out + i, padded_out, (n - i) * sizeof(float));
  }
  if (nt) V::fence();
}

void avx_mathfun_log_n(const float* x, float* out, std::size_t n) {
  std::size_t i = 0;
  for (; i + V::lanes <= n; i += V::lanes) V::store(out + i, avx_mathfun_log(V::load(x + i)));
  if (i < n) {
    alignas(64) float padded[V::lanes] = {};
    std::memcpy(padded, x + i, (n - i) * sizeof(float));
    V::store(padded, avx_mathfun_log(V::load(padded)));
    std::memcpy(out + i, padded, (n - i) * sizeof(float));
  }
}

void avx_mathfun_sincos_n(const float* x, float* sine, float* cosine, std::size_t n) {
  alignas(64) float padded[V::lanes] = {};
  alignas(64) float padded_sine[V::lanes];
  alignas(64) float padded_cosine[V::lanes];
  for (std::size_t i = 0; i < n; i += V::lanes) {
    const std::size_t m = std::min<std::size_t>(V::lanes, n - i);
    std::memcpy(padded, x + i, m * sizeof(float));
    F s;
    F c;
    avx_mathfun_sincos(V::load(padded), s, c);
    V::store(padded_sine, s);
    V::store(padded_cosine, c);
    std::memcpy(sine + i, padded_sine, m * sizeof(float));
    std::memcpy(cosine + i, padded_cosine, m * sizeof(float));
  }
}
