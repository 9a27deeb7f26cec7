// The vectorised kernels of philox_kernels.h, written once over a vector type `V` (8 or 16 32-bit lanes).
//
// No include guard and no includes: philox_kernels_avx2.cpp and philox_kernels_avx512.cpp each include this
// file inside an anonymous namespace, after their NNINIT_TARGET_BEGIN (target.h), their `V`,
// simd_common_inl.h and box_muller_simd_inl.h. Blocks are held as a structure of arrays: vector k holds word
// k of V::lanes consecutive blocks, which is the word-major layout of a group, so the 16 / V::lanes vectors
// of blocks of a group store their results without shuffles. Every value is computed, lane by lane, with
// the IEEE operations of the scalar reference in philox_kernels.cpp, in the same order.

// The ten round keys of philox4x32: key + r * (0x9E3779B9, 0xBB67AE85), r = 0 .. 9.
struct RoundKeys {
  std::uint32_t low[10];
  std::uint32_t high[10];
};

RoundKeys round_keys(const PhiloxKey& key) {
  RoundKeys keys{};
  for (std::uint32_t r = 0; r < 10; ++r) {
    keys.low[r] = key[0] + r * 0x9E3779B9u;
    keys.high[r] = key[1] + r * 0xBB67AE85u;
  }
  return keys;
}

struct BlockWords {
  I w[4];
};

// philox4x32 of blocks first .. first + V::lanes - 1, first a multiple of V::lanes (so that no lane's block
// index carries into the high counter word: 2^32 is a multiple of the lane count too).
//
// The blocks of the even lanes and those of the odd lanes run as two interleaved sets, each holding its
// words in the low halves of 64-bit lanes: V::mul_even_u32 then gives a block's whole 64-bit product, its
// low half is in place and its high half one shift away, and what the high halves hold in between is never
// read (the products read only low halves; only low halves are stored). Two shifts and four xors per set
// and round, and the sets' dependency chains overlap.
NNINIT_VECTOR_INLINE BlockWords philox_blocks(const Stream& stream, const RoundKeys& keys,
                                              std::uint64_t first) {
  const I m0 = V::set_i(0xD2511F53u);
  const I m1 = V::set_i(0xCD9E8D57u);
  I c0[2];
  I c1[2];
  I c2[2];
  I c3[2];
  c0[0] = V::add_i(V::set_i(static_cast<std::uint32_t>(first)), V::lane_index());  // 64-bit lane j: 2j
  c0[1] = V::add_i(c0[0], V::set_i(1u));                                           // 64-bit lane j: 2j + 1
  for (int set = 0; set < 2; ++set) {
    c1[set] = V::set_i(static_cast<std::uint32_t>(first >> 32));
    c2[set] = V::set_i(stream.draw);
    c3[set] = V::set_i(stream.attempt);
  }
#pragma GCC unroll 10
  for (int r = 0; r < 10; ++r) {
    const I k0 = V::set_i(keys.low[r]);
    const I k1 = V::set_i(keys.high[r]);
    for (int set = 0; set < 2; ++set) {
      const I product0 = V::mul_even_u32(c0[set], m0);
      const I product1 = V::mul_even_u32(c2[set], m1);
      c0[set] = V::xor_i(V::xor_i(V::shr_q<32>(product1), c1[set]), k0);
      c1[set] = product1;
      c2[set] = V::xor_i(V::xor_i(V::shr_q<32>(product0), c3[set]), k1);
      c3[set] = product0;
    }
  }
  return {{V::blend_odd(c0[0], V::shl_q<32>(c0[1])), V::blend_odd(c1[0], V::shl_q<32>(c1[1])),
           V::blend_odd(c2[0], V::shl_q<32>(c2[1])), V::blend_odd(c3[0], V::shl_q<32>(c3[1]))}};
}

// Calls fn(words, at) for each vector of blocks of the groups, `at` being the position of its lane 0's word 0
// in `out` (group g, vector h: 64 g + h * V::lanes).
template <class Fn>
NNINIT_VECTOR_INLINE void for_each_vector_of_blocks(const Stream& stream, std::uint64_t first_group,
                                                    std::size_t groups, Fn&& fn) {
  const RoundKeys keys = round_keys(stream.key);
  constexpr std::uint64_t vectors = blocks_per_group / V::lanes;
  for (std::size_t g = 0; g < groups; ++g) {
    for (std::uint64_t h = 0; h < vectors; ++h) {
      const std::uint64_t first = (first_group + g) * blocks_per_group + h * V::lanes;
      fn(philox_blocks(stream, keys, first), words_per_group * g + h * V::lanes);
    }
  }
}

NNINIT_VECTOR_INLINE void put(float* p, F v, bool streaming) {
  if (streaming) {
    V::stream(p, v);
  } else {
    V::store(p, v);
  }
}

// (word >> 8) * 2^-24, exact.
NNINIT_VECTOR_INLINE F unit_24(I word) {
  return V::mul(V::to_f(V::shr<8>(word)), V::set(0x1p-24f));
}

void words(const Stream& stream, std::uint64_t first_group, std::size_t groups, std::uint32_t* out) {
  for_each_vector_of_blocks(stream, first_group, groups, [&](const BlockWords& b, std::size_t at) {
    for (int k = 0; k < 4; ++k) V::store_i(out + at + 16 * k, b.w[k]);
  });
}

void uniform_float(const Stream& stream, std::uint64_t first_group, std::size_t groups, float* out,
                   const UniformFloat& p, bool stream_stores) {
  const bool nt = stream_stores && aligned_for_streaming(out);
  const F from = V::set(p.from);
  const F range = V::set(p.range);
  const F to = V::set(p.to);
  const F below_to = V::set(p.below_to);
  for_each_vector_of_blocks(stream, first_group, groups, [&](const BlockWords& b, std::size_t at) {
    for (int k = 0; k < 4; ++k) {
      const F v = V::fma(unit_24(b.w[k]), range, from);
      put(out + at + 16 * k, V::select(V::lt(v, to), v, below_to), nt);
    }
  });
  if (nt) V::fence();
}

// The four element vectors of a vector of blocks: normal_pair on words (0, 1) and (2, 3), both pairs at once.
NNINIT_VECTOR_INLINE void normals(const BlockWords& b, F mean, F std, F (&values)[4]) {
  const F u1[2] = {unit_24(b.w[0]), unit_24(b.w[2])};
  const F u2[2] = {unit_24(b.w[1]), unit_24(b.w[3])};
  F cosines[2];
  F sines[2];
  box_muller_pairs<2>(u1, u2, mean, std, cosines, sines);
  values[0] = cosines[0];
  values[1] = sines[0];
  values[2] = cosines[1];
  values[3] = sines[1];
}

void normal_float(const Stream& stream, std::uint64_t first_group, std::size_t groups, float* out, float mean,
                  float std, bool stream_stores) {
  const bool nt = stream_stores && aligned_for_streaming(out);
  const F mean_v = V::set(mean);
  const F std_v = V::set(std);
  for_each_vector_of_blocks(stream, first_group, groups, [&](const BlockWords& b, std::size_t at) {
    F values[4];
    normals(b, mean_v, std_v, values);
    for (int k = 0; k < 4; ++k) put(out + at + 16 * k, values[k], nt);
  });
  if (nt) V::fence();
}

std::size_t trunc_normal_float(const Stream& stream, std::uint64_t first_group, std::size_t groups,
                               float* out, const TruncNormalFloat& p) {
  const F mean = V::set(p.mean);
  const F std = V::set(p.std);
  const F low = V::set(p.low);
  const F high = V::set(p.high);
  const F nan = V::as_f(V::set_i(0x7fc00000u));
  const RoundKeys keys = round_keys(stream.key);
  std::size_t rejected = 0;
  constexpr std::uint64_t vectors = blocks_per_group / V::lanes;
  for (std::size_t g = 0; g < groups; ++g) {
    for (std::uint64_t h = 0; h < vectors; ++h) {
      const std::uint64_t first = (first_group + g) * blocks_per_group + h * V::lanes;
      F result[4] = {V::zero(), V::zero(), V::zero(), V::zero()};
      V::M pending[4] = {V::all_lanes(), V::all_lanes(), V::all_lanes(), V::all_lanes()};
      for (std::uint32_t attempt = 0; attempt < trunc_normal_attempts; ++attempt) {
        if (!V::any(V::mask_or(V::mask_or(pending[0], pending[1]), V::mask_or(pending[2], pending[3]))))
          break;
        F values[4];
        normals(philox_blocks({stream.key, stream.draw, attempt}, keys, first), mean, std, values);
        for (int k = 0; k < 4; ++k) {
          const V::M outside = V::mask_or(V::lt(values[k], low), V::lt(high, values[k]));
          result[k] = V::select(pending[k], values[k], result[k]);
          pending[k] = V::mask_and(pending[k], outside);
        }
      }
      for (int k = 0; k < 4; ++k) {
        rejected += static_cast<std::size_t>(V::count(pending[k]));
        V::store(out + words_per_group * g + h * V::lanes + 16 * k, V::select(pending[k], nan, result[k]));
      }
    }
  }
  return rejected;
}
