// Helpers shared by the nn layer tests (test code only).
#pragma once

#include <bit>
#include <cstdint>
#include <exception>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "nninit/core/error.h"
#include "nninit/nn/module.h"
#include "nninit/random/torch_generator.h"

namespace nninit::nn::testing {

// The first `count` elements (row-major) as float32 bit patterns: "3f800000 bf800000".
inline std::string hex32(const Tensor& t, std::int64_t count) {
  std::vector<std::string> out;
  const std::vector<double> values = t.flatten().to_doubles();
  for (std::int64_t i = 0; i < count; ++i) {
    out.push_back(fmt::format(
        "{:08x}", std::bit_cast<std::uint32_t>(static_cast<float>(values[static_cast<std::size_t>(i)]))));
  }
  return fmt::format("{}", fmt::join(out, " "));
}

// "name [sizes] dtype" for each entry, e.g. "weight [4, 3] float32".
inline std::vector<std::string> describe(const std::vector<NamedTensor>& named) {
  std::vector<std::string> out;
  for (const NamedTensor& n : named) {
    out.push_back(
        fmt::format("{} {} {}", n.name, shape_string(n.tensor.sizes()), dtype_name(n.tensor.dtype())));
  }
  return out;
}

inline std::vector<std::string> names(const std::vector<NamedTensor>& named) {
  std::vector<std::string> out;
  for (const NamedTensor& n : named) out.push_back(n.name);
  return out;
}

// The hex bits of the next torch.rand(1): PyTorch's tests below print it after construction, which
// pins down how many words the construction drew.
inline std::string next_rand(TorchGenerator& generator) {
  Tensor next = Tensor::empty({1});
  generator.uniform_(next, 0, 1);
  return hex32(next, 1);
}

// "ValueError: Conv2d: groups must be a positive integer", or "no error".
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return fmt::format("{}: {}", python_name(e.kind()), e.what());
  }
  return "no error";
}

// A generator imitating `version` (with the default capability).
inline TorchGenerator torch_at(int major, int minor, std::uint64_t seed = 0) {
  return TorchGenerator(seed, {.version = {major, minor}});
}

}  // namespace nninit::nn::testing
