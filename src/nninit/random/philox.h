// Philox streams: nninit's counter-based engine (docs/rng.md §11).
//
// Philox4x32-10 (Salmon, Moraes, Dror and Shaw, "Parallel random numbers: as easy as 1, 2, 3", SC 2011)
// is a pure function from a 128-bit counter and a 64-bit key to 128 random bits. PhiloxGenerator keys it
// with a seed and a parameter's name and counts with the element's row-major index in that parameter, so
// element i of parameter P is a pure function of (seed, P, i): the same bytes whatever the thread count,
// the instruction set, the order in which parameters are initialised, or how a parameter is cut into
// pieces. These are nninit's bits, not PyTorch's (TorchGenerator is PyTorch's).
//
// A PhiloxGenerator is one parameter's stream. Its Generator calls are numbered (draws()): the first
// call after stream() is draw 0, and each call, even on an empty tensor, takes the next number, so the
// temporaries of a scheme that draws twice are independent. Make the stream right before initialising
// its parameter; then what an init function writes depends on (seed, name, shape) only.
//
// Example: model construction or rule application, one stream per parameter, named as
// named_parameters() names it.
//
//   const PhiloxGenerator philox(1234);
//   for (const NamedTensor& p : model.named_parameters()) {
//     PhiloxGenerator stream = philox.stream(p.name);
//     if (p.tensor.dim() >= 2) init::kaiming_uniform_(p.tensor, {.a = std::sqrt(5.0)}, stream);  // weights
//   }
//
//   // Rows 128..255 of "encoder.weight" (512 x 768), equal to those rows of the whole tensor's
//   // normal_(0, 0.02), without making the whole tensor:
//   const Tensor shard = Tensor::empty({128, 768});
//   philox_fill_slice(philox.stream("encoder.weight"), shard, PhiloxSlice::narrow({512, 768}, 0, 128, 128),
//                     PhiloxNormal{.std = 0.02});
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "nninit/core/tensor.h"
#include "nninit/random/generator.h"

namespace nninit {

using PhiloxCounter = std::array<std::uint32_t, 4>;
using PhiloxKey = std::array<std::uint32_t, 2>;

// Philox4x32-10: ten rounds of two 32x32 -> 64-bit products (multipliers 0xD2511F53 and 0xCD9E8D57),
// their halves xored with the other words and the round key, the key bumped by the Weyl constants
// 0x9E3779B9 (golden ratio) and 0xBB67AE85 (sqrt(3) - 1) between rounds (Salmon et al. 2011, §4).
constexpr PhiloxCounter philox4x32(PhiloxCounter counter, PhiloxKey key) {
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      key[0] += 0x9E3779B9u;
      key[1] += 0xBB67AE85u;
    }
    const std::uint64_t product0 = std::uint64_t{0xD2511F53u} * counter[0];
    const std::uint64_t product1 = std::uint64_t{0xCD9E8D57u} * counter[2];
    counter = {static_cast<std::uint32_t>(product1 >> 32) ^ counter[1] ^ key[0],
               static_cast<std::uint32_t>(product1),
               static_cast<std::uint32_t>(product0 >> 32) ^ counter[3] ^ key[1],
               static_cast<std::uint32_t>(product0)};
  }
  return counter;
}

// Random123's known answer for the counter and key of all ones (kat_vectors, "philox4x32 10 ffffffff
// ..."; tests/data/philox_known_answers.txt holds all three).
static_assert(philox4x32({0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu}, {0xffffffffu, 0xffffffffu}) ==
              PhiloxCounter{0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu});

// FNV-1a, 64 bits (Fowler, Noll and Vo): h = 0xcbf29ce484222325; per byte, h = (h ^ byte) * 0x100000001b3.
constexpr std::uint64_t fnv1a_64(std::string_view bytes) {
  std::uint64_t hash = 0xcbf29ce484222325u;
  for (const char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3u;
  }
  return hash;
}

// SplitMix64's output function (Steele, Lea and Flood 2014), a bijection of 64-bit values.
constexpr std::uint64_t splitmix64(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15u;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}

// The key of a parameter's stream (docs/rng.md §11.2): k = splitmix64(seed ^ splitmix64(fnv1a_64(name)))
// with the name's UTF-8 bytes, split into its low and high 32 bits. For one seed, names with different
// hashes get different keys (each step is a bijection).
constexpr PhiloxKey philox_key(std::uint64_t seed, std::string_view parameter_name) {
  const std::uint64_t k = splitmix64(seed ^ splitmix64(fnv1a_64(parameter_name)));
  return {static_cast<std::uint32_t>(k), static_cast<std::uint32_t>(k >> 32)};
}

// Where a filled tensor's elements lie in the whole parameter: the tensor's element (k_0, ..., k_{d-1})
// is the whole's element with row-major index offset + k_0 * strides[0] + ... + k_{d-1} * strides[d-1].
struct PhiloxSlice {
  Shape whole;    // the whole parameter's shape
  Shape sizes;    // the filled tensor's shape
  Shape strides;  // per dimension of the filled tensor, in steps of the whole's row-major index
  std::int64_t offset = 0;

  // The filled tensor is the whole parameter.
  static PhiloxSlice all(const Shape& whole);
  // whole.narrow(dim, start, length): a range of rows, of columns, of any one dimension.
  static PhiloxSlice narrow(const Shape& whole, std::int64_t dim, std::int64_t start, std::int64_t length);
  // The view `part` of the contiguous tensor `whole` (sharing its storage): any slice, transpose or
  // permutation that Tensor's view methods make.
  static PhiloxSlice of(const Tensor& part, const Tensor& whole);
};

// The distributions of PhiloxGenerator's calls, as values for philox_fill_slice.
struct PhiloxUniform {  // uniform_(from, to)
  double from = 0.0;
  double to = 1.0;
};
struct PhiloxNormal {  // normal_(mean, std)
  double mean = 0.0;
  double std = 1.0;
};
struct PhiloxTruncNormal {  // trunc_normal_(mean, std, a, b)
  double mean = 0.0;
  double std = 1.0;
  double a = -2.0;
  double b = 2.0;
};
struct PhiloxRandom {  // random_(from, to), int64
  std::int64_t from = 0;
  std::int64_t to = 0;
};
using PhiloxDistribution = std::variant<PhiloxUniform, PhiloxNormal, PhiloxTruncNormal, PhiloxRandom>;

class PhiloxGenerator final : public Generator {
 public:
  // The stream of `parameter_name` (UTF-8; "" is a name like any other) under `seed`, at draw 0.
  explicit PhiloxGenerator(std::uint64_t seed, std::string_view parameter_name = {});

  // The stream of another parameter under the same seed, at draw 0.
  PhiloxGenerator stream(std::string_view parameter_name) const {
    return PhiloxGenerator(seed_, parameter_name);
  }

  std::uint64_t seed() const { return seed_; }
  const std::string& parameter_name() const { return parameter_name_; }
  PhiloxKey key() const { return key_; }
  // The number of calls made so far; the next call draws with this index (counter word 2, §11.3).
  std::uint32_t draws() const { return draws_; }
  // Advances the stream as `count` calls would, without drawing (RuntimeError past 2^32 - 1 draws).
  void skip_draws(std::uint32_t count);

  // Element values by the row-major index of `tensor` (any view; its memory layout does not matter),
  // computed in float32 (float32, float16, bfloat16; the 16-bit values are the float32 ones rounded once)
  // or float64 (docs/rng.md §11.4 - §11.7).
  std::unique_ptr<Generator> clone() const override { return std::make_unique<PhiloxGenerator>(*this); }
  void uniform_(const Tensor& tensor, double from, double to) override;  // [from, to), float bounds
  void normal_(const Tensor& tensor, double mean, double std) override;
  void trunc_normal_(const Tensor& tensor, double mean, double std, double a, double b) override;
  void random_(const Tensor& tensor, std::int64_t from, std::int64_t to) override;  // int64 only
  // The indices 0..n-1 ordered by 64-bit Philox keys (ties by index).
  Tensor randperm(std::int64_t n) override;

 private:
  // Fills the whole tensor with draw draws() and counts the draw.
  void draw(const Tensor& tensor, const PhiloxDistribution& distribution);

  std::uint64_t seed_;
  std::string parameter_name_;
  PhiloxKey key_;
  std::uint32_t draws_ = 0;
};

// Fills `part` with the values that `stream`'s next call with `distribution` would give the whole
// parameter's elements at `where`. The stream does not advance: filling every piece of a parameter
// this way, from one stream or from copies of it, yields the whole tensor's values. Checks and errors
// are those of the corresponding PhiloxGenerator call; part.sizes() must equal where.sizes.
void philox_fill_slice(const PhiloxGenerator& stream, const Tensor& part, const PhiloxSlice& where,
                       const PhiloxDistribution& distribution);

}  // namespace nninit
