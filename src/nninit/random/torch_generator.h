// PyTorch's CPU generator (CPUGeneratorImpl) and its distributions, bit for bit.
//
// The state is an mt19937 engine, the full 64-bit initial seed and the cached normal samples, laid
// out by get_state() exactly as torch.get_rng_state() returns it (5056 bytes, docs/rng.md §1).
// The distributions follow the paths of docs/rng.md §2-§5 for the named TorchVariant (release and
// CPU capability); the results do not depend on the CPU nninit itself runs on.
//
// Functions and layers take a Generator by reference for the length of the call and keep no pointer to
// it. default_generator() is one process-wide object and takes no lock: draw from it on one thread at a
// time, or give each thread its own TorchGenerator.
//
//   default_generator().manual_seed(0);  // torch.manual_seed(0): what init and nn draw from by default
//   TorchGenerator g(0, {.version = {2, 6}, .capability = TorchCapability::generic});
//   const Tensor x = Tensor::empty({3, 4});
//   g.normal_(x, 0.0, 1.0);              // torch.randn(3, 4) in 2.6, run with ATEN_CPU_CAPABILITY=default
//   const std::vector<std::uint8_t> state = g.get_state();  // torch.get_rng_state(); set_state restores it
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "nninit/core/torch_release.h"
#include "nninit/random/generator.h"
#include "nninit/random/mt19937.h"

namespace nninit {

class TorchGenerator final : public Generator {
 public:
  // torch.Generator()'s seed (c10::default_rng_seed_val).
  static constexpr std::uint64_t default_seed = 67280421310721ull;
  static constexpr std::size_t state_bytes = 5056;         // CPUGeneratorImplState
  static constexpr std::size_t legacy_state_bytes = 5048;  // CPUGeneratorImplStateLegacy

  explicit TorchGenerator(std::uint64_t seed = default_seed, TorchVariant variant = {});

  // torch.manual_seed: a negative Python seed arrives here wrapped modulo 2^64. Only the low 32 bits
  // reach the engine; initial_seed() keeps all 64. Clears both cached normal samples.
  void manual_seed(std::uint64_t seed);
  std::uint64_t initial_seed() const { return seed_; }

  const TorchVariant& variant() const { return variant_; }
  void set_variant(TorchVariant variant);
  const TorchRelease& release() const override { return *release_; }

  // One 32-bit word, and two words as a 64-bit value with the first draw in the high half.
  std::uint32_t random() { return engine_(); }
  std::uint64_t random64() {
    const std::uint64_t high = engine_();
    return (high << 32) | engine_();
  }

  // torch.get_rng_state() bytes, and torch.set_rng_state(): accepts the current 5056-byte layout and
  // the legacy 5048-byte one, with PyTorch's validation and messages.
  std::vector<std::uint8_t> get_state() const;
  void set_state(std::span<const std::uint8_t> state);

  // The raw N(0,1) sample cached by the double normal path (docs/rng.md §3.4).
  std::optional<double>& next_double_normal_sample() { return next_double_normal_; }
  std::optional<float>& next_float_normal_sample() { return next_float_normal_; }

  std::unique_ptr<Generator> clone() const override { return std::make_unique<TorchGenerator>(*this); }
  // uniform_ advances by the words of its elements; normal_'s fill paths (n >= 16, contiguous) by the words
  // of their blocks; everything else (normal_'s per-element path, with its cached sample, trunc_normal_,
  // whose later releases redraw depending on the values) still computes.
  void set_values_unneeded(bool unneeded) override { values_unneeded_ = unneeded; }
  void uniform_(const Tensor& tensor, double from, double to) override;
  void normal_(const Tensor& tensor, double mean, double std) override;
  void trunc_normal_(const Tensor& tensor, double mean, double std, double a, double b) override;
  Tensor randperm(std::int64_t n) override;
  // ATen's random_from_to on CPU (docs/rng.md §5): per element in memory order, random64() % range + from
  // when range = to - from is at least 2^32 (2^28 from 2.7), otherwise random() % range + from.
  void random_(const Tensor& tensor, std::int64_t from, std::int64_t to) override;

 private:
  MT19937 engine_;
  std::uint64_t seed_ = default_seed;
  std::optional<double> next_double_normal_;
  std::optional<float> next_float_normal_;
  TorchVariant variant_;
  const TorchRelease* release_;
  bool values_unneeded_ = false;
};

// The process-wide generator that PyTorch calls the default CPU generator: init functions draw from
// it when given no generator, and sparse_ always takes its randperm from it, as PyTorch does.
// Unlike PyTorch's (seeded from the clock at start-up), it starts from default_seed.
TorchGenerator& default_generator();

}  // namespace nninit
