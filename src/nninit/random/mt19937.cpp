#include "nninit/random/mt19937.h"

#include <algorithm>

#include "nninit/random/internal/fill_kernels.h"

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

void MT19937::regenerate_reference(std::uint32_t* state) {
  constexpr int shift = 397;
  constexpr int back = state_size - shift;  // 227
  auto twist = [](std::uint32_t upper, std::uint32_t lower) {
    const std::uint32_t y = (upper & 0x80000000u) | (lower & 0x7fffffffu);
    return (y >> 1) ^ ((lower & 1u) != 0 ? 0x9908b0dfu : 0u);
  };
  int i = 0;
  for (; i < back; ++i) state[i] = state[i + shift] ^ twist(state[i], state[i + 1]);
  for (; i < state_size - 1; ++i) state[i] = state[i - back] ^ twist(state[i], state[i + 1]);
  state[i] = state[i - back] ^ twist(state[i], state[0]);
}

void MT19937::regenerate() {
  fill_kernels::kernels().mt_regenerate(state_.data());
  left_ = state_size;
  next_ = 0;
}

void MT19937::fill(std::uint32_t* out, std::size_t n) {
  const fill_kernels::Kernels& kernels = fill_kernels::kernels();
  while (n > 0) {
    // Calls that do not regenerate read state_[next_ .. next_ + left_ - 2]. A state restored with
    // next_ + left_ > 625 would read past the words (as PyTorch's would): leave it to operator().
    const std::size_t available = static_cast<std::size_t>(left_ - 1);
    if (next_ + available > static_cast<std::size_t>(state_size)) {
      *out++ = (*this)();
      --n;
      continue;
    }
    if (available == 0) {
      // The next call regenerates and then reads word 0: afterwards left_ = 624 and next_ = 1.
      kernels.mt_regenerate(state_.data());
      left_ = state_size + 1;
      next_ = 0;
      continue;
    }
    const std::size_t m = std::min(n, available);
    kernels.mt_temper(state_.data() + next_, out, m);
    left_ -= static_cast<int>(m);
    next_ += m;
    out += m;
    n -= m;
  }
}

void MT19937::discard(std::uint64_t n) {
  const fill_kernels::Kernels& kernels = fill_kernels::kernels();
  while (n > 0) {
    const auto available = static_cast<std::uint64_t>(left_ - 1);
    if (next_ + available > static_cast<std::uint64_t>(state_size)) {
      (*this)();  // a restored state that reads past the words, as in fill()
      --n;
      continue;
    }
    if (n <= available) {
      left_ -= static_cast<int>(n);
      next_ += n;
      return;
    }
    // Skip what is left of this twist, then whole twists; the last one is read up to word n.
    n -= available;
    while (n > static_cast<std::uint64_t>(state_size)) {
      kernels.mt_regenerate(state_.data());
      n -= state_size;
    }
    kernels.mt_regenerate(state_.data());
    left_ = state_size + 1 - static_cast<int>(n);
    next_ = n;
    return;
  }
}

}  // namespace nninit
