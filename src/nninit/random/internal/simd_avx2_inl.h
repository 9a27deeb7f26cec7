// The vector type `V` of the avx2 kernels: 8 lanes of AVX2 with FMA, the operations that the kernel
// families (fill_kernels_simd_inl.h, philox_kernels_simd_inl.h) are written in.
//
// No include guard and no includes: a kernel source includes it inside an anonymous namespace, after its
// NNINIT_TARGET_BEGIN (target.h) and <immintrin.h>.

struct V {
  static constexpr int lanes = 8;  // 32-bit lanes
  using F = __m256;
  using I = __m256i;
  using D = __m256d;
  using M = __m256i;   // all-ones lanes where true
  using MD = __m256d;  // the same for doubles

  static I load_i(const std::uint32_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
  static void store_i(std::uint32_t* p, I v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v); }
  static I set_i(std::uint32_t x) { return _mm256_set1_epi32(static_cast<int>(x)); }
  static I set_q(std::uint64_t x) { return _mm256_set1_epi64x(static_cast<long long>(x)); }
  static I and_i(I a, I b) { return _mm256_and_si256(a, b); }
  static I or_i(I a, I b) { return _mm256_or_si256(a, b); }
  static I xor_i(I a, I b) { return _mm256_xor_si256(a, b); }
  static I andnot_i(I a, I b) { return _mm256_andnot_si256(a, b); }  // ~a & b
  static I add_i(I a, I b) { return _mm256_add_epi32(a, b); }
  static I sub_i(I a, I b) { return _mm256_sub_epi32(a, b); }
  template <int k>
  static I shr(I a) {
    return _mm256_srli_epi32(a, k);
  }
  template <int k>
  static I shl(I a) {
    return _mm256_slli_epi32(a, k);
  }
  template <int k>
  static I sar(I a) {
    return _mm256_srai_epi32(a, k);
  }
  template <int k>
  static I shr_q(I a) {
    return _mm256_srli_epi64(a, k);
  }
  static M eq_i(I a, I b) { return _mm256_cmpeq_epi32(a, b); }
  static M gt_i(I a, I b) { return _mm256_cmpgt_epi32(a, b); }
  static I select_i(M m, I a, I b) { return _mm256_blendv_epi8(b, a, m); }

  static F load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, F v) { _mm256_storeu_ps(p, v); }
  static void stream(float* p, F v) { _mm256_stream_ps(p, v); }
  static F set(float x) { return _mm256_set1_ps(x); }
  static F zero() { return _mm256_setzero_ps(); }
  static F as_f(I v) { return _mm256_castsi256_ps(v); }
  static I as_i(F v) { return _mm256_castps_si256(v); }
  static F to_f(I v) { return _mm256_cvtepi32_ps(v); }
  static I truncate(F v) { return _mm256_cvttps_epi32(v); }
  static F add(F a, F b) { return _mm256_add_ps(a, b); }
  static F sub(F a, F b) { return _mm256_sub_ps(a, b); }
  static F mul(F a, F b) { return _mm256_mul_ps(a, b); }
  static F fma(F a, F b, F c) { return _mm256_fmadd_ps(a, b, c); }
  static F sqrt(F a) { return _mm256_sqrt_ps(a); }
  static M lt(F a, F b) { return _mm256_castps_si256(_mm256_cmp_ps(a, b, _CMP_LT_OQ)); }
  static M eq(F a, F b) { return _mm256_castps_si256(_mm256_cmp_ps(a, b, _CMP_EQ_OQ)); }
  static F select(M m, F a, F b) { return _mm256_blendv_ps(b, a, _mm256_castsi256_ps(m)); }

  static D as_d(I v) { return _mm256_castsi256_pd(v); }
  static D set_d(double x) { return _mm256_set1_pd(x); }
  static D add_d(D a, D b) { return _mm256_add_pd(a, b); }
  static D sub_d(D a, D b) { return _mm256_sub_pd(a, b); }
  static D mul_d(D a, D b) { return _mm256_mul_pd(a, b); }
  static D fma_d(D a, D b, D c) { return _mm256_fmadd_pd(a, b, c); }
  static MD eq_d(D a, D b) { return _mm256_cmp_pd(a, b, _CMP_EQ_OQ); }
  static D select_d(MD m, D a, D b) { return _mm256_blendv_pd(b, a, m); }
  static void store_d(double* p, D v) { _mm256_storeu_pd(p, v); }
  static void stream_d(double* p, D v) { _mm256_stream_pd(p, v); }

  // Stores the low 16 bits of each lane (values below 2^16) as 8 uint16_t; streams need 16-byte alignment.
  static void store_u16(std::uint16_t* p, I v, bool streaming) {
    const __m256i packed = _mm256_packus_epi32(v, v);  // per 128-bit half: a0..a3 a0..a3 | b0..b3 b0..b3
    const __m128i low = _mm256_castsi256_si128(_mm256_permute4x64_epi64(packed, 0x08));
    if (streaming) {
      _mm_stream_si128(reinterpret_cast<__m128i*>(p), low);
    } else {
      _mm_storeu_si128(reinterpret_cast<__m128i*>(p), low);
    }
  }

  // Box-Muller pairs: the words of the first and second halves of one block of 16 (`pair_floats`).
  static constexpr int pair_floats = 16;
  static void load_pairs(const std::uint32_t* p, I& first, I& second) {
    first = load_i(p);
    second = load_i(p + 8);
  }
  static void store_pairs(float* p, F first, F second, bool streaming) {
    if (streaming) {
      _mm256_stream_ps(p, first);
      _mm256_stream_ps(p + 8, second);
    } else {
      _mm256_storeu_ps(p, first);
      _mm256_storeu_ps(p + 8, second);
    }
  }
  static void fence() { _mm_sfence(); }

  // For Philox: 32 x 32 -> 64-bit products of the even lanes, 64-bit shifts, odd lanes from a second vector,
  // the lane numbers, and masks as sets of lanes.
  static I mul_even_u32(I a, I b) { return _mm256_mul_epu32(a, b); }
  template <int k>
  static I shl_q(I a) {
    return _mm256_slli_epi64(a, k);
  }
  static I blend_odd(I even, I odd) { return _mm256_blend_epi32(even, odd, 0xaa); }
  static I lane_index() { return _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7); }
  static M all_lanes() { return _mm256_set1_epi32(-1); }
  static M mask_or(M a, M b) { return _mm256_or_si256(a, b); }
  static M mask_and(M a, M b) { return _mm256_and_si256(a, b); }
  static bool any(M m) { return _mm256_testz_si256(m, m) == 0; }
  static int count(M m) {
    return __builtin_popcount(static_cast<unsigned>(_mm256_movemask_ps(_mm256_castsi256_ps(m))));
  }
};
