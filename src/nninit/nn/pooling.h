// Pooling layers without parameters: MaxPool1d/2d/3d, AvgPool1d/2d/3d, AdaptiveAvgPool1d/2d/3d and
// AdaptiveMaxPool1d/2d/3d. Sizes take one value for every spatial dimension or one per dimension and
// are kept as given, because PyTorch keeps them as given and prints them so ("kernel_size=2" or
// "kernel_size=(2, 3)"); AvgPool1d alone turns them into tuples. A missing stride is the kernel size.
//
//   nn::MaxPool2d pool({.kernel_size = {2}});                          // stride 2; repr "kernel_size=2"
//   nn::AvgPool2d avg({.kernel_size = {3}, .stride = Shape{2}, .padding = {1}});
//   nn::AdaptiveAvgPool2d global({.output_size = {1}});                // (N, C, 1, 1)
//   nn::AdaptiveMaxPool2d rows({.output_size = {1, std::nullopt}});    // keeps the input's width
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "nninit/nn/module.h"

namespace nninit::nn {

// MaxPool1d/2d/3d(kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False).
struct MaxPoolOptions {
  Shape kernel_size{};
  std::optional<Shape> stride{};
  Shape padding{0};
  Shape dilation{1};
  bool return_indices = false;
  bool ceil_mode = false;
};
using MaxPool1dOptions = MaxPoolOptions;
using MaxPool2dOptions = MaxPoolOptions;
using MaxPool3dOptions = MaxPoolOptions;

// AvgPool1d/2d/3d(kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
// divisor_override=None); AvgPool1d has no divisor_override.
struct AvgPoolOptions {
  Shape kernel_size{};
  std::optional<Shape> stride{};
  Shape padding{0};
  bool ceil_mode = false;
  bool count_include_pad = true;
  std::optional<std::int64_t> divisor_override{};
};
using AvgPool1dOptions = AvgPoolOptions;
using AvgPool2dOptions = AvgPoolOptions;
using AvgPool3dOptions = AvgPoolOptions;

// An adaptive output size: one entry for every dimension or one per dimension; None keeps the input's.
using OutputSize = std::vector<std::optional<std::int64_t>>;

struct AdaptiveAvgPoolOptions {
  OutputSize output_size{};
};
struct AdaptiveMaxPoolOptions {
  OutputSize output_size{};
  bool return_indices = false;
};
using AdaptiveAvgPool1dOptions = AdaptiveAvgPoolOptions;
using AdaptiveAvgPool2dOptions = AdaptiveAvgPoolOptions;
using AdaptiveAvgPool3dOptions = AdaptiveAvgPoolOptions;
using AdaptiveMaxPool1dOptions = AdaptiveMaxPoolOptions;
using AdaptiveMaxPool2dOptions = AdaptiveMaxPoolOptions;
using AdaptiveMaxPool3dOptions = AdaptiveMaxPoolOptions;

// The shared bases (PyTorch's _MaxPoolNd, _AvgPoolNd, _AdaptiveAvgPoolNd, _AdaptiveMaxPoolNd). Each
// checks that every size has 1 or `dims` values (a ValueError naming the layer).
class MaxPoolNd : public Module {
 public:
  MaxPoolNd(std::string type_name, std::size_t dims, MaxPoolOptions options);
  const MaxPoolOptions& options() const { return options_; }  // stride filled in
  std::string extra_repr() const override;

 private:
  MaxPoolOptions options_;
};

class AvgPoolNd : public Module {
 public:
  AvgPoolNd(std::string type_name, std::size_t dims, AvgPoolOptions options);
  const AvgPoolOptions& options() const { return options_; }  // stride filled in
  std::string extra_repr() const override;

 private:
  AvgPoolOptions options_;
  bool as_tuples_ = false;
};

class AdaptiveAvgPoolNd : public Module {
 public:
  AdaptiveAvgPoolNd(std::string type_name, std::size_t dims, AdaptiveAvgPoolOptions options);
  const AdaptiveAvgPoolOptions& options() const { return options_; }
  std::string extra_repr() const override;

 private:
  AdaptiveAvgPoolOptions options_;
};

class AdaptiveMaxPoolNd : public Module {
 public:
  AdaptiveMaxPoolNd(std::string type_name, std::size_t dims, AdaptiveMaxPoolOptions options);
  const AdaptiveMaxPoolOptions& options() const { return options_; }
  std::string extra_repr() const override;

 private:
  AdaptiveMaxPoolOptions options_;
};

class MaxPool1d : public Layer<MaxPool1d, MaxPoolNd> {
 public:
  explicit MaxPool1d(MaxPoolOptions options) : Layer("MaxPool1d", 1, std::move(options)) {}
};
class MaxPool2d : public Layer<MaxPool2d, MaxPoolNd> {
 public:
  explicit MaxPool2d(MaxPoolOptions options) : Layer("MaxPool2d", 2, std::move(options)) {}
};
class MaxPool3d : public Layer<MaxPool3d, MaxPoolNd> {
 public:
  explicit MaxPool3d(MaxPoolOptions options) : Layer("MaxPool3d", 3, std::move(options)) {}
};
class AvgPool1d : public Layer<AvgPool1d, AvgPoolNd> {
 public:
  // A divisor_override is Python's TypeError for an unexpected keyword, as AvgPool1d has none.
  explicit AvgPool1d(AvgPoolOptions options) : Layer("AvgPool1d", 1, std::move(options)) {}
};
class AvgPool2d : public Layer<AvgPool2d, AvgPoolNd> {
 public:
  explicit AvgPool2d(AvgPoolOptions options) : Layer("AvgPool2d", 2, std::move(options)) {}
};
class AvgPool3d : public Layer<AvgPool3d, AvgPoolNd> {
 public:
  explicit AvgPool3d(AvgPoolOptions options) : Layer("AvgPool3d", 3, std::move(options)) {}
};
class AdaptiveAvgPool1d : public Layer<AdaptiveAvgPool1d, AdaptiveAvgPoolNd> {
 public:
  explicit AdaptiveAvgPool1d(AdaptiveAvgPoolOptions options)
      : Layer("AdaptiveAvgPool1d", 1, std::move(options)) {}
};
class AdaptiveAvgPool2d : public Layer<AdaptiveAvgPool2d, AdaptiveAvgPoolNd> {
 public:
  explicit AdaptiveAvgPool2d(AdaptiveAvgPoolOptions options)
      : Layer("AdaptiveAvgPool2d", 2, std::move(options)) {}
};
class AdaptiveAvgPool3d : public Layer<AdaptiveAvgPool3d, AdaptiveAvgPoolNd> {
 public:
  explicit AdaptiveAvgPool3d(AdaptiveAvgPoolOptions options)
      : Layer("AdaptiveAvgPool3d", 3, std::move(options)) {}
};
class AdaptiveMaxPool1d : public Layer<AdaptiveMaxPool1d, AdaptiveMaxPoolNd> {
 public:
  explicit AdaptiveMaxPool1d(AdaptiveMaxPoolOptions options)
      : Layer("AdaptiveMaxPool1d", 1, std::move(options)) {}
};
class AdaptiveMaxPool2d : public Layer<AdaptiveMaxPool2d, AdaptiveMaxPoolNd> {
 public:
  explicit AdaptiveMaxPool2d(AdaptiveMaxPoolOptions options)
      : Layer("AdaptiveMaxPool2d", 2, std::move(options)) {}
};
class AdaptiveMaxPool3d : public Layer<AdaptiveMaxPool3d, AdaptiveMaxPoolNd> {
 public:
  explicit AdaptiveMaxPool3d(AdaptiveMaxPoolOptions options)
      : Layer("AdaptiveMaxPool3d", 3, std::move(options)) {}
};

}  // namespace nninit::nn
