#include "nninit/nn/normalization.h"

#include <utility>

#include <fmt/format.h>

#include "nninit/core/error.h"
#include "nninit/init/init.h"
#include "nninit/nn/python_repr.h"

namespace nninit::nn {
namespace {

// Python's TypeError for a keyword argument that the release's __init__ does not have.
[[noreturn]] void unexpected_keyword(std::string_view layer, std::string_view init_name,
                                     std::string_view keyword) {
  throw TypeError(
      fmt::format("{}: {}.__init__() got an unexpected keyword argument '{}'", layer, init_name, keyword));
}

// weight (ones) and bias (zeros, or None), or both None.
void register_affine(Module& m, bool affine, bool bias, const Shape& shape, DType dtype) {
  m.register_parameter("weight", affine ? Tensor::empty(shape, dtype) : Tensor());
  m.register_parameter("bias", affine && bias ? Tensor::empty(shape, dtype) : Tensor());
}

void reset_affine(const Module& m) {
  if (m.has_parameter("weight")) init::ones_(m.parameter("weight"));
  if (m.has_parameter("bias")) init::zeros_(m.parameter("bias"));
}

std::string bias_repr(const Module& m, bool shown) {
  return shown ? ", bias=" + python_bool(m.has_parameter("bias")) : "";
}

}  // namespace

LayerNorm::LayerNorm(LayerNormOptions options, Generator& generator)
    : Layer("LayerNorm"),
      options_(std::move(options)),
      repr_shows_bias_(generator.release().signatures.norm_bias) {
  if (!options_.bias && !generator.release().signatures.layer_norm_bias) {
    unexpected_keyword("LayerNorm", "LayerNorm", "bias");
  }
  register_affine(*this, options_.elementwise_affine, options_.bias, options_.normalized_shape,
                  options_.dtype);
  reset_parameters(generator);
}

void LayerNorm::reset_parameters(Generator& generator) {
  (void)generator;
  reset_affine(*this);
}

std::string LayerNorm::extra_repr() const {
  return fmt::format("{}, eps={}, elementwise_affine={}", python_tuple(options_.normalized_shape),
                     python_float(options_.eps), python_bool(options_.elementwise_affine)) +
         bias_repr(*this, repr_shows_bias_);
}

GroupNorm::GroupNorm(GroupNormOptions options, Generator& generator)
    : Layer("GroupNorm"), options_(options), repr_shows_bias_(generator.release().signatures.norm_bias) {
  const TorchRelease& release = generator.release();
  if (!options.bias && !release.signatures.norm_bias) unexpected_keyword("GroupNorm", "GroupNorm", "bias");
  // Python's int % raises for a zero divisor (CPython 3.11's wording).
  if (options.num_groups == 0) throw ZeroDivisionError("GroupNorm: integer modulo by zero");
  if (options.num_channels % options.num_groups != 0) {
    throw ValueError(release.messages.group_norm_message_has_values
                         ? fmt::format("GroupNorm: num_channels ({}) must be divisible by num_groups ({})",
                                       options.num_channels, options.num_groups)
                         : std::string("GroupNorm: num_channels must be divisible by num_groups"));
  }
  register_affine(*this, options.affine, options.bias, {options.num_channels}, options.dtype);
  reset_parameters(generator);
}

void GroupNorm::reset_parameters(Generator& generator) {
  (void)generator;
  reset_affine(*this);
}

std::string GroupNorm::extra_repr() const {
  return fmt::format("{}, {}, eps={}, affine={}", options_.num_groups, options_.num_channels,
                     python_float(options_.eps), python_bool(options_.affine)) +
         bias_repr(*this, repr_shows_bias_);
}

RMSNorm::RMSNorm(RMSNormOptions options, Generator& generator)
    : Layer("RMSNorm"), options_(std::move(options)) {
  register_parameter("weight", options_.elementwise_affine
                                   ? Tensor::empty(options_.normalized_shape, options_.dtype)
                                   : Tensor());
  reset_parameters(generator);
}

void RMSNorm::reset_parameters(Generator& generator) {
  (void)generator;
  reset_affine(*this);
}

std::string RMSNorm::extra_repr() const {
  return fmt::format("{}, eps={}, elementwise_affine={}", python_tuple(options_.normalized_shape),
                     python_optional(options_.eps), python_bool(options_.elementwise_affine));
}

NormBase::NormBase(std::string type_name, std::string_view init_name, BatchNormOptions options,
                   Generator& generator)
    : Module(std::move(type_name)),
      options_(options),
      repr_shows_bias_(generator.release().signatures.norm_bias) {
  if (!options.bias && !generator.release().signatures.norm_bias) {
    unexpected_keyword(this->type_name(), init_name, "bias");
  }
  register_affine(*this, options.affine, options.bias, {options.num_features}, options.dtype);
  const bool track = options.track_running_stats;
  register_buffer("running_mean", track ? Tensor::empty({options.num_features}, options.dtype) : Tensor());
  register_buffer("running_var", track ? Tensor::empty({options.num_features}, options.dtype) : Tensor());
  register_buffer("num_batches_tracked", track ? Tensor::empty({}, DType::int64) : Tensor());
  reset_parameters(generator);
}

void NormBase::reset_running_stats() {
  if (!options_.track_running_stats) return;
  buffer("running_mean").zero_();
  buffer("running_var").fill_(1.0);
  buffer("num_batches_tracked").zero_();
}

void NormBase::reset_parameters(Generator& generator) {
  (void)generator;
  reset_running_stats();
  reset_affine(*this);
}

std::string NormBase::extra_repr() const {
  const BatchNormOptions& o = options_;
  return fmt::format("{}, eps={}, momentum={}, affine={}", o.num_features, python_float(o.eps),
                     python_optional(o.momentum), python_bool(o.affine)) +
         bias_repr(*this, repr_shows_bias_) + ", track_running_stats=" + python_bool(o.track_running_stats);
}

namespace {

BatchNormOptions as_batch_norm(const InstanceNormOptions& o) {
  return {.num_features = o.num_features,
          .eps = o.eps,
          .momentum = o.momentum,
          .affine = o.affine,
          .track_running_stats = o.track_running_stats,
          .bias = o.bias,
          .dtype = o.dtype};
}

}  // namespace

BatchNorm1d::BatchNorm1d(BatchNormOptions options, Generator& generator)
    : Layer("BatchNorm1d", "_BatchNorm", options, generator) {}
BatchNorm2d::BatchNorm2d(BatchNormOptions options, Generator& generator)
    : Layer("BatchNorm2d", "_BatchNorm", options, generator) {}
BatchNorm3d::BatchNorm3d(BatchNormOptions options, Generator& generator)
    : Layer("BatchNorm3d", "_BatchNorm", options, generator) {}
InstanceNorm1d::InstanceNorm1d(InstanceNormOptions options, Generator& generator)
    : Layer("InstanceNorm1d", "_InstanceNorm", as_batch_norm(options), generator) {}
InstanceNorm2d::InstanceNorm2d(InstanceNormOptions options, Generator& generator)
    : Layer("InstanceNorm2d", "_InstanceNorm", as_batch_norm(options), generator) {}
InstanceNorm3d::InstanceNorm3d(InstanceNormOptions options, Generator& generator)
    : Layer("InstanceNorm3d", "_InstanceNorm", as_batch_norm(options), generator) {}

}  // namespace nninit::nn
