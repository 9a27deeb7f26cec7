#include "nninit/random/mt19937.h"

namespace nninit {

void MT19937::seed_with(std::uint64_t seed) {
  state_[0] = static_cast<std::uint32_t>(seed);
  for (std::uint32_t j = 1; j < state_size; ++j) {
    const std::uint32_t previous = state_[j - 1];
    state_[j] = 1812433253u * (previous ^ (previous >> 30)) + j;
  }
  left_ = 1;
  next_ = 0;
}

void MT19937::restore(const std::array<std::uint32_t, state_size>& words, int left, std::uint64_t next) {
  state_ = words;
  left_ = left;
  next_ = next;
}

void MT19937::regenerate() {
  constexpr int shift = 397;
  constexpr std::uint32_t matrix_a = 0x9908b0dfu;
  auto twist = [](std::uint32_t upper, std::uint32_t lower) {
    const std::uint32_t y = (upper & 0x80000000u) | (lower & 0x7fffffffu);
    return (y >> 1) ^ ((lower & 1u) != 0 ? matrix_a : 0u);
  };
  // Word i depends on the new word i-227 once i >= 227, as in the sequential definition.
  for (int i = 0; i < state_size; ++i) {
    const auto k = static_cast<std::size_t>(i);
    const auto k1 = static_cast<std::size_t>((i + 1) % state_size);
    const auto km = static_cast<std::size_t>((i + shift) % state_size);
    state_[k] = state_[km] ^ twist(state_[k], state_[k1]);
  }
  left_ = state_size;
  next_ = 0;
}

}  // namespace nninit
