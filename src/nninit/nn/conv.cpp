#include "nninit/nn/conv.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

#include <fmt/format.h>

#include "nninit/core/error.h"
#include "nninit/init/init.h"
#include "nninit/nn/python_repr.h"

namespace nninit::nn {
namespace {

constexpr std::array<PaddingMode, 4> padding_modes = {PaddingMode::zeros, PaddingMode::reflect,
                                                      PaddingMode::replicate, PaddingMode::circular};

// _single/_pair/_triple: one value repeated for every dimension, or one value per dimension.
Shape expand(const Shape& values, std::size_t dims, std::string_view layer, std::string_view argument) {
  if (values.size() == dims) return values;
  if (values.size() == 1) return Shape(dims, values[0]);
  throw ValueError(
      fmt::format("{}: {} must have 1 or {} values, got {}", layer, argument, dims, values.size()));
}

ConvNdOptions conv_nd(const ConvOptions& o, std::size_t dims, std::string_view layer) {
  ConvPadding padding = o.padding;
  if (!padding.is_string()) padding.sizes = expand(padding.sizes, dims, layer, "padding");
  return {.in_channels = o.in_channels,
          .out_channels = o.out_channels,
          .kernel_size = expand(o.kernel_size, dims, layer, "kernel_size"),
          .stride = expand(o.stride, dims, layer, "stride"),
          .padding = std::move(padding),
          .dilation = expand(o.dilation, dims, layer, "dilation"),
          .transposed = false,
          .output_padding = Shape(dims, 0),
          .groups = o.groups,
          .bias = o.bias,
          .padding_mode = o.padding_mode,
          .dtype = o.dtype};
}

ConvNdOptions conv_transpose_nd(const ConvTransposeOptions& o, std::size_t dims, std::string_view layer) {
  return {.in_channels = o.in_channels,
          .out_channels = o.out_channels,
          .kernel_size = expand(o.kernel_size, dims, layer, "kernel_size"),
          .stride = expand(o.stride, dims, layer, "stride"),
          .padding = ConvPadding(expand(o.padding, dims, layer, "padding")),
          .dilation = expand(o.dilation, dims, layer, "dilation"),
          .transposed = true,
          .output_padding = expand(o.output_padding, dims, layer, "output_padding"),
          .groups = o.groups,
          .bias = o.bias,
          .padding_mode = o.padding_mode,
          .dtype = o.dtype};
}

bool all_equal(const Shape& values, std::int64_t value) {
  return std::all_of(values.begin(), values.end(), [&](std::int64_t v) { return v == value; });
}

}  // namespace

std::string_view padding_mode_name(PaddingMode mode) {
  switch (mode) {
    case PaddingMode::zeros: return "zeros";
    case PaddingMode::reflect: return "reflect";
    case PaddingMode::replicate: return "replicate";
    case PaddingMode::circular: return "circular";
  }
  return "?";
}

PaddingMode padding_mode_from_name(std::string_view name, std::string_view layer) {
  for (PaddingMode mode : padding_modes) {
    if (padding_mode_name(mode) == name) return mode;
  }
  // PyTorch formats this one with quotes of its own, not repr().
  throw ValueError(
      fmt::format("{}: padding_mode must be one of {{'zeros', 'reflect', 'replicate', 'circular'}}, but got "
                  "padding_mode='{}'",
                  layer, name));
}

ConvPadding ConvPadding::from_name(std::string_view name, std::string_view layer) {
  if (name == "same") return same();
  if (name == "valid") return valid();
  // The set is printed in source order (see padding_mode_from_name).
  throw ValueError(fmt::format("{}: Invalid padding string {}, should be one of {{'same', 'valid'}}", layer,
                               python_string(name)));
}

ConvNd::ConvNd(std::string type_name, ConvNdOptions options, Generator& generator)
    : Module(std::move(type_name)), options_(std::move(options)) {
  const ConvNdOptions& o = options_;
  const std::string& layer = this->type_name();
  // _ConvTransposeNd checks the padding mode before _ConvNd checks anything.
  if (o.transposed && o.padding_mode != PaddingMode::zeros) {
    throw ValueError(fmt::format("{}: Only \"zeros\" padding mode is supported for {}", layer, layer));
  }
  if (o.groups <= 0) throw ValueError(layer + ": groups must be a positive integer");
  if (o.in_channels % o.groups != 0) throw ValueError(layer + ": in_channels must be divisible by groups");
  if (o.out_channels % o.groups != 0) throw ValueError(layer + ": out_channels must be divisible by groups");
  if (o.padding.kind == ConvPadding::Kind::same && !all_equal(o.stride, 1)) {
    throw ValueError(layer + ": padding='same' is not supported for strided convolutions");
  }
  Shape weight_shape = o.transposed ? Shape{o.in_channels, o.out_channels / o.groups}
                                    : Shape{o.out_channels, o.in_channels / o.groups};
  weight_shape.insert(weight_shape.end(), o.kernel_size.begin(), o.kernel_size.end());
  register_parameter("weight", Tensor::empty(weight_shape, o.dtype));
  register_parameter("bias", o.bias ? Tensor::empty({o.out_channels}, o.dtype) : Tensor());
  reset_parameters(generator);
}

void ConvNd::reset_parameters(Generator& generator) {
  // a = sqrt(5) makes the weight U(+-1/sqrt(fan_in)) (pytorch/pytorch#15314).
  init::kaiming_uniform_(weight(), {.a = std::sqrt(5.0)}, generator);
  if (!has_parameter("bias")) return;
  const std::int64_t fan_in = init::calculate_fan_in_and_fan_out(weight()).fan_in;
  if (fan_in == 0 && !generator.release().modules.conv_zero_fan_in_draws_bias) {
    init::zeros_(bias());  // PyTorch leaves this bias uninitialised and draws nothing
    return;
  }
  const double bound = fan_in > 0 ? 1 / std::sqrt(static_cast<double>(fan_in)) : 0.0;
  // PyTorch's bound is the int 0 when fan_in == 0, and -0 is +0: never pass -0.0 as `from`, which the
  // 2.12 clamp (a draw equal to `to` becomes `from`) would write into the bias.
  init::uniform_(bias(), {.a = fan_in > 0 ? -bound : 0.0, .b = bound}, generator);
}

std::string ConvNd::extra_repr() const {
  const ConvNdOptions& o = options_;
  std::string s = fmt::format("{}, {}, kernel_size={}, stride={}", o.in_channels, o.out_channels,
                              python_tuple(o.kernel_size), python_tuple(o.stride));
  // A padding string is never equal to a tuple of zeros, so PyTorch always prints it.
  if (o.padding.kind == ConvPadding::Kind::same) {
    s += ", padding=same";
  } else if (o.padding.kind == ConvPadding::Kind::valid) {
    s += ", padding=valid";
  } else if (!all_equal(o.padding.sizes, 0)) {
    s += ", padding=" + python_tuple(o.padding.sizes);
  }
  if (!all_equal(o.dilation, 1)) s += ", dilation=" + python_tuple(o.dilation);
  if (!all_equal(o.output_padding, 0)) s += ", output_padding=" + python_tuple(o.output_padding);
  if (o.groups != 1) s += fmt::format(", groups={}", o.groups);
  if (!has_parameter("bias")) s += ", bias=False";
  if (o.padding_mode != PaddingMode::zeros)
    s += fmt::format(", padding_mode={}", padding_mode_name(o.padding_mode));
  return s;
}

Conv1d::Conv1d(ConvOptions options, Generator& generator)
    : Layer("Conv1d", conv_nd(options, 1, "Conv1d"), generator) {}
Conv2d::Conv2d(ConvOptions options, Generator& generator)
    : Layer("Conv2d", conv_nd(options, 2, "Conv2d"), generator) {}
Conv3d::Conv3d(ConvOptions options, Generator& generator)
    : Layer("Conv3d", conv_nd(options, 3, "Conv3d"), generator) {}
ConvTranspose1d::ConvTranspose1d(ConvTransposeOptions options, Generator& generator)
    : Layer("ConvTranspose1d", conv_transpose_nd(options, 1, "ConvTranspose1d"), generator) {}
ConvTranspose2d::ConvTranspose2d(ConvTransposeOptions options, Generator& generator)
    : Layer("ConvTranspose2d", conv_transpose_nd(options, 2, "ConvTranspose2d"), generator) {}
ConvTranspose3d::ConvTranspose3d(ConvTransposeOptions options, Generator& generator)
    : Layer("ConvTranspose3d", conv_transpose_nd(options, 3, "ConvTranspose3d"), generator) {}

}  // namespace nninit::nn
