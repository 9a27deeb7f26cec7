// The vector type `V` of the avx512 kernels: 16 lanes of AVX-512 (F, BW, DQ, VL), as the operations the
// kernel families (fill_kernels_simd_inl.h, philox_kernels_simd_inl.h) are written in.
//
// No include guard and no includes: a kernel source includes it inside an anonymous namespace, after its
// NNINIT_TARGET_BEGIN (target.h) and <immintrin.h>.

struct V {
  static constexpr int lanes = 16;  // 32-bit lanes
  using F = __m512;
  using I = __m512i;
  using D = __m512d;
  using M = __mmask16;
  using MD = __mmask8;

  static I load_i(const std::uint32_t* p) { return _mm512_loadu_si512(p); }
  static void store_i(std::uint32_t* p, I v) { _mm512_storeu_si512(p, v); }
  static I set_i(std::uint32_t x) { return _mm512_set1_epi32(static_cast<int>(x)); }
  static I set_q(std::uint64_t x) { return _mm512_set1_epi64(static_cast<long long>(x)); }
  static I and_i(I a, I b) { return _mm512_and_si512(a, b); }
  static I or_i(I a, I b) { return _mm512_or_si512(a, b); }
  static I xor_i(I a, I b) { return _mm512_xor_si512(a, b); }
  static I andnot_i(I a, I b) { return _mm512_andnot_si512(a, b); }  // ~a & b
  static I add_i(I a, I b) { return _mm512_add_epi32(a, b); }
  static I sub_i(I a, I b) { return _mm512_sub_epi32(a, b); }
  template <int k>
  static I shr(I a) {
    return _mm512_srli_epi32(a, k);
  }
  template <int k>
  static I shl(I a) {
    return _mm512_slli_epi32(a, k);
  }
  template <int k>
  static I sar(I a) {
    return _mm512_srai_epi32(a, k);
  }
  template <int k>
  static I shr_q(I a) {
    return _mm512_srli_epi64(a, k);
  }
  static M eq_i(I a, I b) { return _mm512_cmpeq_epi32_mask(a, b); }
  static M gt_i(I a, I b) { return _mm512_cmpgt_epi32_mask(a, b); }
  static I select_i(M m, I a, I b) { return _mm512_mask_blend_epi32(m, b, a); }

  static F load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, F v) { _mm512_storeu_ps(p, v); }
  static void stream(float* p, F v) { _mm512_stream_ps(p, v); }
  static F set(float x) { return _mm512_set1_ps(x); }
  static F zero() { return _mm512_setzero_ps(); }
  static F as_f(I v) { return _mm512_castsi512_ps(v); }
  static I as_i(F v) { return _mm512_castps_si512(v); }
  static F to_f(I v) { return _mm512_cvtepi32_ps(v); }
  static I truncate(F v) { return _mm512_cvttps_epi32(v); }
  static F add(F a, F b) { return _mm512_add_ps(a, b); }
  static F sub(F a, F b) { return _mm512_sub_ps(a, b); }
  static F mul(F a, F b) { return _mm512_mul_ps(a, b); }
  static F fma(F a, F b, F c) { return _mm512_fmadd_ps(a, b, c); }
  static F sqrt(F a) { return _mm512_sqrt_ps(a); }
  static M lt(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
  static M eq(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ); }
  static F select(M m, F a, F b) { return _mm512_mask_blend_ps(m, b, a); }

  static D as_d(I v) { return _mm512_castsi512_pd(v); }
  static D set_d(double x) { return _mm512_set1_pd(x); }
  static D add_d(D a, D b) { return _mm512_add_pd(a, b); }
  static D sub_d(D a, D b) { return _mm512_sub_pd(a, b); }
  static D mul_d(D a, D b) { return _mm512_mul_pd(a, b); }
  static D fma_d(D a, D b, D c) { return _mm512_fmadd_pd(a, b, c); }
  static MD eq_d(D a, D b) { return _mm512_cmp_pd_mask(a, b, _CMP_EQ_OQ); }
  static D select_d(MD m, D a, D b) { return _mm512_mask_blend_pd(m, b, a); }
  static void store_d(double* p, D v) { _mm512_storeu_pd(p, v); }
  static void stream_d(double* p, D v) { _mm512_stream_pd(p, v); }

  // Stores the low 16 bits of each lane (values below 2^16) as 16 uint16_t; streams need 32-byte alignment.
  static void store_u16(std::uint16_t* p, I v, bool streaming) {
    const __m256i packed = _mm512_cvtepi32_epi16(v);
    if (streaming) {
      _mm256_stream_si256(reinterpret_cast<__m256i*>(p), packed);
    } else {
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), packed);
    }
  }

  // Box-Muller pairs of two blocks of 16 (`pair_floats` = 32): the words of both first halves, and of
  // both second halves.
  static constexpr int pair_floats = 32;
  static void load_pairs(const std::uint32_t* p, I& first, I& second) {
    const I a = load_i(p);
    const I b = load_i(p + 16);
    first = _mm512_shuffle_i32x4(a, b, 0x44);   // a[0..7] b[0..7]
    second = _mm512_shuffle_i32x4(a, b, 0xee);  // a[8..15] b[8..15]
  }
  static void store_pairs(float* p, F first, F second, bool streaming) {
    const F a = _mm512_shuffle_f32x4(first, second, 0x44);  // first[0..7] second[0..7]
    const F b = _mm512_shuffle_f32x4(first, second, 0xee);  // first[8..15] second[8..15]
    if (streaming) {
      _mm512_stream_ps(p, a);
      _mm512_stream_ps(p + 16, b);
    } else {
      _mm512_storeu_ps(p, a);
      _mm512_storeu_ps(p + 16, b);
    }
  }
  static void fence() { _mm_sfence(); }

  // For Philox: 32 x 32 -> 64-bit products of the even lanes, 64-bit shifts, odd lanes from a second vector,
  // the lane numbers, and masks as sets of lanes.
  static I mul_even_u32(I a, I b) { return _mm512_mul_epu32(a, b); }
  template <int k>
  static I shl_q(I a) {
    return _mm512_slli_epi64(a, k);
  }
  static I blend_odd(I even, I odd) { return _mm512_mask_blend_epi32(0xaaaa, even, odd); }
  static I lane_index() { return _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15); }
  static M all_lanes() { return 0xffff; }
  static M mask_or(M a, M b) { return static_cast<M>(a | b); }
  static M mask_and(M a, M b) { return static_cast<M>(a & b); }
  static bool any(M m) { return m != 0; }
  static int count(M m) { return __builtin_popcount(m); }
};
