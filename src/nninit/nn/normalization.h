// Normalisation layers: LayerNorm, GroupNorm, RMSNorm, BatchNorm1d/2d/3d, InstanceNorm1d/2d/3d.
// None of them draws: weights are ones, biases zeros, running_mean zeros, running_var ones and
// num_batches_tracked an int64 scalar 0 (docs/rng.md §7).
//
// Registration order, as PyTorch's __init__: weight, bias (either may be None), then for BatchNorm and
// InstanceNorm the buffers running_mean, running_var, num_batches_tracked (all None when
// track_running_stats is false). Arguments that a release does not have (LayerNorm's bias before 2.1,
// the other norms' bias before 2.12) are a TypeError with Python's words when set to a non-default value.
//
//   nn::LayerNorm norm({.normalized_shape = {512}});                   // weight ones(512), bias zeros(512)
//   nn::BatchNorm2d bn({.num_features = 64, .momentum = std::nullopt}); // cumulative moving average
//   bn.buffer("running_var");                                          // ones(64)
//   nn::GroupNorm gn({.num_groups = 8, .num_channels = 64});
//   nn::RMSNorm rms({.normalized_shape = {512}, .eps = 1e-6});        // PyTorch 2.4+: weight only
#pragma once

#include <cstdint>
#include <optional>

#include "nninit/nn/module.h"
#include "nninit/random/torch_generator.h"

namespace nninit::nn {

// LayerNorm(normalized_shape, eps=1e-05, elementwise_affine=True, bias=True); an int normalized_shape is
// the one-element shape {n}.
struct LayerNormOptions {
  Shape normalized_shape{};
  double eps = 1e-5;
  bool elementwise_affine = true;
  bool bias = true;
  DType dtype = DType::float32;
};

class LayerNorm : public Layer<LayerNorm> {
 public:
  explicit LayerNorm(LayerNormOptions options, Generator& generator = default_generator());
  const LayerNormOptions& options() const { return options_; }
  void reset_parameters(Generator& generator) override;
  std::string extra_repr() const override;

 private:
  LayerNormOptions options_;
  bool repr_shows_bias_ = true;
};

// GroupNorm(num_groups, num_channels, eps=1e-05, affine=True, *, bias=True).
struct GroupNormOptions {
  std::int64_t num_groups = 0;
  std::int64_t num_channels = 0;
  double eps = 1e-5;
  bool affine = true;
  bool bias = true;
  DType dtype = DType::float32;
};

class GroupNorm : public Layer<GroupNorm> {
 public:
  // ValueError unless num_groups divides num_channels; ZeroDivisionError for num_groups == 0.
  explicit GroupNorm(GroupNormOptions options, Generator& generator = default_generator());
  const GroupNormOptions& options() const { return options_; }
  void reset_parameters(Generator& generator) override;
  std::string extra_repr() const override;

 private:
  GroupNormOptions options_;
  bool repr_shows_bias_ = true;
};

// RMSNorm(normalized_shape, eps=None, elementwise_affine=True) (PyTorch 2.4+): weight only.
struct RMSNormOptions {
  Shape normalized_shape{};
  std::optional<double> eps{};
  bool elementwise_affine = true;
  DType dtype = DType::float32;
};

class RMSNorm : public Layer<RMSNorm> {
 public:
  explicit RMSNorm(RMSNormOptions options, Generator& generator = default_generator());
  const RMSNormOptions& options() const { return options_; }
  void reset_parameters(Generator& generator) override;
  std::string extra_repr() const override;

 private:
  RMSNormOptions options_;
};

// BatchNorm1d/2d/3d(num_features, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True,
// *, bias=True); momentum may be None (cumulative average).
struct BatchNormOptions {
  std::int64_t num_features = 0;
  double eps = 1e-5;
  std::optional<double> momentum = 0.1;
  bool affine = true;
  bool track_running_stats = true;
  bool bias = true;
  DType dtype = DType::float32;
};

// InstanceNorm1d/2d/3d: the same arguments with affine and track_running_stats off by default.
struct InstanceNormOptions {
  std::int64_t num_features = 0;
  double eps = 1e-5;
  std::optional<double> momentum = 0.1;
  bool affine = false;
  bool track_running_stats = false;
  bool bias = true;
  DType dtype = DType::float32;
};

// PyTorch's _NormBase: what BatchNorm and InstanceNorm share.
class NormBase : public Module {
 public:
  // `init_name` is the __init__ that owns the arguments ("_BatchNorm", "_InstanceNorm"), which Python
  // names in its TypeError for an unknown keyword.
  NormBase(std::string type_name, std::string_view init_name, BatchNormOptions options, Generator& generator);
  const BatchNormOptions& options() const { return options_; }
  void reset_running_stats();
  void reset_parameters(Generator& generator) override;
  std::string extra_repr() const override;

 private:
  BatchNormOptions options_;
  bool repr_shows_bias_ = true;
};

class BatchNorm1d : public Layer<BatchNorm1d, NormBase> {
 public:
  explicit BatchNorm1d(BatchNormOptions options, Generator& generator = default_generator());
};
class BatchNorm2d : public Layer<BatchNorm2d, NormBase> {
 public:
  explicit BatchNorm2d(BatchNormOptions options, Generator& generator = default_generator());
};
class BatchNorm3d : public Layer<BatchNorm3d, NormBase> {
 public:
  explicit BatchNorm3d(BatchNormOptions options, Generator& generator = default_generator());
};
class InstanceNorm1d : public Layer<InstanceNorm1d, NormBase> {
 public:
  explicit InstanceNorm1d(InstanceNormOptions options, Generator& generator = default_generator());
};
class InstanceNorm2d : public Layer<InstanceNorm2d, NormBase> {
 public:
  explicit InstanceNorm2d(InstanceNormOptions options, Generator& generator = default_generator());
};
class InstanceNorm3d : public Layer<InstanceNorm3d, NormBase> {
 public:
  explicit InstanceNorm3d(InstanceNormOptions options, Generator& generator = default_generator());
};

}  // namespace nninit::nn
