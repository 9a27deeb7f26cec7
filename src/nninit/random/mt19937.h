// MT19937 (Matsumoto and Nishimura, "Mersenne Twister: a 623-dimensionally equidistributed uniform
// pseudo-random number generator", ACM TOMACS 8(1), 1998), seeded and advanced exactly as PyTorch's
// at::mt19937 does (docs/rng.md §1):
//   - seeding keeps only the low 32 bits of the seed (init_genrand with 1812433253);
//   - `left` starts at 1, so the first draw after seeding regenerates all 624 words;
//   - the output words equal std::mt19937's for the same 32-bit seed.
// The fields mirror PyTorch's layout so that generator states convert byte for byte.
//
// fill() draws many words at once: the same words, and the same state afterwards, as that many calls of
// operator(), but regenerating and tempering whole vectors at a time (fill_kernels.h, runtime CPU
// dispatch). regenerate_reference() is the plain scalar twist that the vectorised ones are tested against.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace nninit {

class MT19937 {
 public:
  static constexpr int state_size = 624;

  explicit MT19937(std::uint64_t seed = 5489) { seed_with(seed); }

  void seed_with(std::uint64_t seed);

  std::uint32_t operator()() {
    if (--left_ == 0) regenerate();
    return temper(state_[static_cast<std::size_t>(next_++)]);
  }

  // out[0..n) = the next n words, exactly as n calls of operator() would give them.
  void fill(std::uint32_t* out, std::size_t n);
  // Advances the state as n calls of operator() would, without tempering words nobody reads; the cost
  // is one twist per 624 words.
  void discard(std::uint64_t n);

  // Raw fields, as stored in PyTorch's generator state.
  const std::array<std::uint32_t, state_size>& words() const { return state_; }
  int left() const { return left_; }
  std::uint64_t next() const { return next_; }
  // Restores raw fields; the caller validates them (0 < left <= 624, next <= 624).
  void restore(const std::array<std::uint32_t, state_size>& words, int left, std::uint64_t next);

  static std::uint32_t temper(std::uint32_t y) {
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
  }

  // The standard twist of all 624 words in place, in three segments so that no index wraps: words
  // [0, 227) read old words i+1 and i+397; words [227, 623) read the new word i-227; word 623 reads
  // the new words 0 and 396.
  static void regenerate_reference(std::uint32_t* state);

 private:
  void regenerate();

  std::array<std::uint32_t, state_size> state_{};
  int left_ = 1;
  std::uint64_t next_ = 0;
};

}  // namespace nninit
