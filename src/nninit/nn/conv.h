// Convolutions: Conv1d/2d/3d and ConvTranspose1d/2d/3d with PyTorch's parameters, checks and default
// initialisation (docs/rng.md §7).
//
//   Conv:           weight (out_channels, in_channels / groups, *kernel_size), bias (out_channels)
//   ConvTranspose:  weight (in_channels, out_channels / groups, *kernel_size), bias (out_channels)
//
// reset_parameters: kaiming_uniform_(weight, a=sqrt(5)), i.e. U(+-1/sqrt(fan_in)) with
// fan_in = weight.size(1) * prod(kernel_size), then bias U(+-1/sqrt(fan_in)). With fan_in == 0,
// PyTorch before 2.12 draws nothing for the bias and leaves it uninitialised (torch.empty); nninit fills
// it with zeros. From 2.12 (TorchRelease::modules.conv_zero_fan_in_draws_bias) the bias draws with bound 0.
//
// Sizes (kernel_size, stride, padding, dilation, output_padding) take one value for every spatial
// dimension or one value per dimension, as PyTorch's _pair/_triple; the layer stores one per dimension.
//
//   nn::Conv2d conv({.in_channels = 3, .out_channels = 64, .kernel_size = {3}, .padding = {1}});
//   conv.weight().sizes();                                         // {64, 3, 3, 3}
//   nn::Conv1d depthwise({.in_channels = 32, .out_channels = 32, .kernel_size = {5},
//                         .padding = nn::ConvPadding::same(), .groups = 32});
//   nn::ConvTranspose2d up({.in_channels = 64, .out_channels = 32, .kernel_size = {2}, .stride = {2}});
//   up.weight().sizes();                                           // {64, 32, 2, 2}: (in, out / groups, ...)
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "nninit/nn/module.h"
#include "nninit/random/torch_generator.h"

namespace nninit::nn {

enum class PaddingMode { zeros, reflect, replicate, circular };

std::string_view padding_mode_name(PaddingMode mode);  // "zeros", "reflect", ...
// PyTorch's check of a padding_mode string; `layer` starts the message ("Conv2d: padding_mode must be
// one of {...}, but got padding_mode='bad'"). Python prints that set in hash order, which changes from
// one process to the next; nninit lists it in the order PyTorch's source writes it.
PaddingMode padding_mode_from_name(std::string_view name, std::string_view layer);

// Conv's `padding` argument: explicit sizes or one of the strings 'same' and 'valid'.
struct ConvPadding {
  enum class Kind { sizes, same, valid };
  Kind kind = Kind::sizes;
  Shape sizes{0};

  ConvPadding() = default;
  ConvPadding(std::initializer_list<std::int64_t> values) : sizes(values) {}
  ConvPadding(Shape values) : sizes(std::move(values)) {}  // NOLINT(google-explicit-constructor)
  static ConvPadding same() { return ConvPadding(Kind::same); }
  static ConvPadding valid() { return ConvPadding(Kind::valid); }
  // 'same' or 'valid', else PyTorch's "Invalid padding string 'x', should be one of {'same', 'valid'}".
  static ConvPadding from_name(std::string_view name, std::string_view layer);

  bool is_string() const { return kind != Kind::sizes; }

 private:
  explicit ConvPadding(Kind k) : kind(k), sizes() {}
};

// Conv1d/2d/3d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
// bias=True, padding_mode='zeros').
struct ConvOptions {
  std::int64_t in_channels = 0;
  std::int64_t out_channels = 0;
  Shape kernel_size{};
  Shape stride{1};
  ConvPadding padding{};
  Shape dilation{1};
  std::int64_t groups = 1;
  bool bias = true;
  PaddingMode padding_mode = PaddingMode::zeros;
  DType dtype = DType::float32;
};
using Conv1dOptions = ConvOptions;
using Conv2dOptions = ConvOptions;
using Conv3dOptions = ConvOptions;

// ConvTranspose1d/2d/3d(in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0,
// groups=1, bias=True, dilation=1, padding_mode='zeros'); only 'zeros' is accepted.
struct ConvTransposeOptions {
  std::int64_t in_channels = 0;
  std::int64_t out_channels = 0;
  Shape kernel_size{};
  Shape stride{1};
  Shape padding{0};
  Shape output_padding{0};
  std::int64_t groups = 1;
  bool bias = true;
  Shape dilation{1};
  PaddingMode padding_mode = PaddingMode::zeros;
  DType dtype = DType::float32;
};
using ConvTranspose1dOptions = ConvTransposeOptions;
using ConvTranspose2dOptions = ConvTransposeOptions;
using ConvTranspose3dOptions = ConvTransposeOptions;

// The arguments of PyTorch's _ConvNd, one size per spatial dimension.
struct ConvNdOptions {
  std::int64_t in_channels = 0;
  std::int64_t out_channels = 0;
  Shape kernel_size{};
  Shape stride{};
  ConvPadding padding{};
  Shape dilation{};
  bool transposed = false;
  Shape output_padding{};
  std::int64_t groups = 1;
  bool bias = true;
  PaddingMode padding_mode = PaddingMode::zeros;
  DType dtype = DType::float32;
};

// What every convolution shares: _ConvNd's checks, parameters, reset_parameters and extra_repr.
class ConvNd : public Module {
 public:
  ConvNd(std::string type_name, ConvNdOptions options, Generator& generator);
  const ConvNdOptions& options() const { return options_; }
  const Tensor& weight() const { return parameter("weight"); }
  const Tensor& bias() const { return parameter("bias"); }
  void reset_parameters(Generator& generator) override;
  std::string extra_repr() const override;

 private:
  ConvNdOptions options_;
};

class Conv1d : public Layer<Conv1d, ConvNd> {
 public:
  explicit Conv1d(ConvOptions options, Generator& generator = default_generator());
};
class Conv2d : public Layer<Conv2d, ConvNd> {
 public:
  explicit Conv2d(ConvOptions options, Generator& generator = default_generator());
};
class Conv3d : public Layer<Conv3d, ConvNd> {
 public:
  explicit Conv3d(ConvOptions options, Generator& generator = default_generator());
};
class ConvTranspose1d : public Layer<ConvTranspose1d, ConvNd> {
 public:
  explicit ConvTranspose1d(ConvTransposeOptions options, Generator& generator = default_generator());
};
class ConvTranspose2d : public Layer<ConvTranspose2d, ConvNd> {
 public:
  explicit ConvTranspose2d(ConvTransposeOptions options, Generator& generator = default_generator());
};
class ConvTranspose3d : public Layer<ConvTranspose3d, ConvNd> {
 public:
  explicit ConvTranspose3d(ConvTransposeOptions options, Generator& generator = default_generator());
};

}  // namespace nninit::nn
