#include "nninit/random/torch_generator.h"

#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "nninit/core/error.h"

namespace nninit {
namespace {

// Byte offsets of CPUGeneratorImplState (docs/rng.md §1). The legacy POD comes first; the float
// cache follows it.
constexpr std::size_t offset_seed = 0;
constexpr std::size_t offset_left = 8;
constexpr std::size_t offset_seeded = 12;
constexpr std::size_t offset_next = 16;
constexpr std::size_t offset_words = 24;
constexpr std::size_t offset_normal_x = offset_words + 8 * MT19937::state_size;  // 5016
constexpr std::size_t offset_normal_y = offset_normal_x + 8;
constexpr std::size_t offset_normal_rho = offset_normal_y + 8;
constexpr std::size_t offset_normal_is_valid = offset_normal_rho + 8;  // 5040
constexpr std::size_t offset_float_normal = 5048;
constexpr std::size_t offset_float_normal_is_valid = 5052;
static_assert(offset_normal_is_valid + 8 == TorchGenerator::legacy_state_bytes);

template <class T>
void store(std::vector<std::uint8_t>& bytes, std::size_t offset, T value) {
  std::memcpy(bytes.data() + offset, &value, sizeof(T));
}

template <class T>
T load(std::span<const std::uint8_t> bytes, std::size_t offset) {
  T value;
  std::memcpy(&value, bytes.data() + offset, sizeof(T));
  return value;
}

}  // namespace

TorchGenerator::TorchGenerator(std::uint64_t seed, TorchVariant variant)
    : variant_(variant), release_(&TorchRelease::of(variant.version)) {
  manual_seed(seed);
}

void TorchGenerator::manual_seed(std::uint64_t seed) {
  seed_ = seed;
  engine_.seed_with(seed);
  next_double_normal_.reset();
  next_float_normal_.reset();
}

void TorchGenerator::set_variant(TorchVariant variant) {
  variant_ = variant;
  release_ = &TorchRelease::of(variant.version);
}

std::vector<std::uint8_t> TorchGenerator::get_state() const {
  std::vector<std::uint8_t> bytes(state_bytes, 0);
  store<std::uint64_t>(bytes, offset_seed, seed_);
  store<std::int32_t>(bytes, offset_left, engine_.left());
  store<std::int32_t>(bytes, offset_seeded, 1);
  store<std::uint64_t>(bytes, offset_next, engine_.next());
  for (int i = 0; i < MT19937::state_size; ++i) {
    store<std::uint64_t>(bytes, offset_words + 8 * static_cast<std::size_t>(i),
                         engine_.words()[static_cast<std::size_t>(i)]);
  }
  // PyTorch reports the cached double sample in normal_y and squashes normal_x and normal_rho to 0.
  store<double>(bytes, offset_normal_y, next_double_normal_.value_or(0.0));
  store<std::int32_t>(bytes, offset_normal_is_valid, next_double_normal_ ? 1 : 0);
  store<float>(bytes, offset_float_normal, next_float_normal_.value_or(0.0f));
  store<std::uint8_t>(bytes, offset_float_normal_is_valid, next_float_normal_ ? 1 : 0);
  return bytes;
}

void TorchGenerator::set_state(std::span<const std::uint8_t> state) {
  std::optional<double> double_sample;
  std::optional<float> float_sample;
  if (state.size() == legacy_state_bytes) {
    // The legacy layout kept the Box-Muller pair (x, rho); the cached sample is its sine half.
    if (load<std::int32_t>(state, offset_normal_is_valid) != 0) {
      const double rho = load<double>(state, offset_normal_rho);
      const double theta = 2.0 * 3.14159265358979323846 * load<double>(state, offset_normal_x);
      double_sample = rho * std::sin(theta);
    }
  } else if (state.size() == state_bytes) {
    if (load<std::uint8_t>(state, offset_float_normal_is_valid) != 0) {
      float_sample = load<float>(state, offset_float_normal);
    }
    if (load<std::int32_t>(state, offset_normal_is_valid) != 0) {
      double_sample = load<double>(state, offset_normal_y);
    }
  } else {
    throw RuntimeError(
        fmt::format("set_state: Expected either a CPUGeneratorImplStateLegacy of size {} or a "
                    "CPUGeneratorImplState of size {} "
                    "but found the input RNG state size to be {}",
                    legacy_state_bytes, state_bytes, state.size()));
  }
  const auto left = load<std::int32_t>(state, offset_left);
  const auto seeded = load<std::int32_t>(state, offset_seeded);
  // PyTorch narrows `next` to 32 bits before validating it.
  const auto next = static_cast<std::uint32_t>(load<std::uint64_t>(state, offset_next));
  if (seeded == 0 || left <= 0 || left > MT19937::state_size || next > MT19937::state_size) {
    throw RuntimeError("set_state: Invalid mt19937 state");
  }
  std::array<std::uint32_t, MT19937::state_size> words{};
  for (std::size_t i = 0; i < words.size(); ++i) {
    words[i] = static_cast<std::uint32_t>(load<std::uint64_t>(state, offset_words + 8 * i));
  }
  engine_.restore(words, left, next);
  seed_ = load<std::uint64_t>(state, offset_seed);
  next_double_normal_ = double_sample;
  next_float_normal_ = float_sample;
}

TorchGenerator& default_generator() {
  static TorchGenerator generator;
  return generator;
}

}  // namespace nninit
