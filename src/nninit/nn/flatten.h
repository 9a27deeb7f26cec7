// Flatten and Unflatten: reshaping modules without parameters.
//
//   nn::Flatten flatten;                                                // (N, C, H, W) -> (N, C*H*W)
//   nn::Flatten all({.start_dim = 0});
//   nn::Unflatten unflatten({.dim = 1, .unflattened_size = {1, 28, 28}});  // (N, 784) -> (N, 1, 28, 28)
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "nninit/nn/module.h"

namespace nninit::nn {

// Flatten(start_dim=1, end_dim=-1).
struct FlattenOptions {
  std::int64_t start_dim = 1;
  std::int64_t end_dim = -1;
};

class Flatten : public Layer<Flatten> {
 public:
  explicit Flatten(FlattenOptions options = {}) : Layer("Flatten"), options_(options) {}
  const FlattenOptions& options() const { return options_; }
  std::string extra_repr() const override;

 private:
  FlattenOptions options_;
};

// Unflatten(dim, unflattened_size). PyTorch prints unflattened_size as given, a tuple or a list; nninit
// keeps the sizes only and prints a tuple.
struct UnflattenOptions {
  std::int64_t dim = 0;
  Shape unflattened_size{};
};

class Unflatten : public Layer<Unflatten> {
 public:
  explicit Unflatten(UnflattenOptions options) : Layer("Unflatten"), options_(std::move(options)) {}
  const UnflattenOptions& options() const { return options_; }
  std::string extra_repr() const override;

 private:
  UnflattenOptions options_;
};

}  // namespace nninit::nn
