// nninit's random numbers for train-mode forward passes: dropout masks, RReLU slopes, the dropout of
// attention weights and between RNN layers. These are not PyTorch's bits (PyTorch draws its masks from
// its global generator through vectorised Bernoulli kernels that nninit does not reproduce); conformance
// tests compare in eval mode or with p = 0.
//
// A mask value is a pure function of (seed, stream, index), so it does not depend on threads, on
// chunking or on the other layers. `stream` numbers the random uses of one forward pass in the order they
// happen (0, 1, 2, ...); `index` is the element's row-major index in the masked tensor (or the feature
// map's index for the feature dropouts).
//
//   mix64(z)               SplitMix64's output function (Steele, Lea and Flood 2014):
//                          z += 0x9e3779b97f4a7c15; z = (z ^ z>>30) * 0xbf58476d1ce4e5b9;
//                          z = (z ^ z>>27) * 0x94d049bb133111eb; z ^ z>>31
//   bits(seed, stream, i)  mix64(mix64(seed ^ mix64(stream)) + i)
//   uniform(...)           (bits >> 40) * 2^-24, in [0, 1) with 24 random bits
// An element is dropped when uniform < p.
#pragma once

#include <cstdint>

namespace nninit::engine {

constexpr std::uint64_t mix64(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

constexpr std::uint64_t mask_stream_key(std::uint64_t seed, std::uint64_t stream) {
  return mix64(seed ^ mix64(stream));
}

constexpr float mask_uniform(std::uint64_t key, std::uint64_t index) {
  return static_cast<float>(mix64(key + index) >> 40) * (1.0f / 16777216.0f);
}

// SplitMix64's first output for seed 1234567 is 6457827717110365317 (its published test vector).
static_assert(mix64(1234567) == 6457827717110365317ULL);

}  // namespace nninit::engine
