// Parameter-free modules that move elements without weights: padding (ConstantPad1d/2d/3d, ZeroPad2d,
// ReflectionPad1d/2d/3d, ReplicationPad1d/2d/3d), PixelShuffle, PixelUnshuffle, ChannelShuffle and
// Upsample; and LocalResponseNorm, which normalizes across channels. They draw nothing; they decide names,
// apply() order and repr, and the engine runs them.
//
//   nn::Pad pad({.mode = nn::PadMode::reflect, .dims = 2, .padding = {1, 1, 2, 2}});  // ReflectionPad2d
//   nn::PixelShuffle shuffle({.factor = 2});
//   nn::Upsample up({.scale_factor = std::vector<double>{2.0}});
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nninit/nn/module.h"

namespace nninit::nn {

enum class PadMode { constant, reflect, replicate };

// The padding modules: `padding` holds (left, right) pairs from the last dimension backwards, as F.pad
// takes them; a constant pad may be negative (it crops).
struct PadOptions {
  PadMode mode = PadMode::constant;
  int dims = 2;  // the N of the class name (ConstantPad2d)
  Shape padding{};
  double value = 0.0;                // constant mode
  bool value_prints_as_int = false;  // ConstantPad2d(..., 1) prints value=1, as PyTorch keeps the int
  bool zero = false;                 // ZeroPad2d
};

class Pad : public Layer<Pad> {
 public:
  explicit Pad(PadOptions options);
  const PadOptions& options() const { return options_; }
  std::vector<std::string> python_bases() const override;
  std::string extra_repr() const override;

 private:
  PadOptions options_;
};

// PixelShuffle(upscale_factor), PixelUnshuffle(downscale_factor), ChannelShuffle(groups).
enum class ShuffleKind { pixel_shuffle, pixel_unshuffle, channel_shuffle };

struct ShuffleOptions {
  ShuffleKind kind = ShuffleKind::pixel_shuffle;
  std::int64_t factor = 1;
};

class Shuffle : public Layer<Shuffle> {
 public:
  explicit Shuffle(ShuffleOptions options);
  const ShuffleOptions& options() const { return options_; }
  std::string extra_repr() const override;

 private:
  ShuffleOptions options_;
};

// Upsample(size=None, scale_factor=None, mode='nearest', align_corners=None, recompute_scale_factor=None),
// and its subclasses UpsamplingNearest2d and UpsamplingBilinear2d (mode 'bilinear', align_corners=True). A
// size or scale given as one number stays one number (it applies to every spatial dimension).
struct UpsampleOptions {
  std::string class_name = "Upsample";
  std::optional<Shape> size{};
  bool size_is_tuple = false;  // size=(4,) or size=4
  std::optional<std::vector<double>> scale_factor{};
  bool scale_factor_is_tuple = false;  // how PyTorch prints it: (2.0, 2.0) or 2.0
  std::string mode = "nearest";
  std::optional<bool> align_corners{};
  std::optional<bool> recompute_scale_factor{};
};

class Upsample : public Layer<Upsample> {
 public:
  explicit Upsample(UpsampleOptions options) : Layer(options.class_name), options_(std::move(options)) {}
  const UpsampleOptions& options() const { return options_; }
  std::vector<std::string> python_bases() const override;
  std::string extra_repr() const override;

 private:
  UpsampleOptions options_;
};

// LocalResponseNorm(size, alpha=1e-4, beta=0.75, k=1.0). Its repr prints alpha, beta and k as floats, where
// PyTorch prints them as given (alpha=1 for an int).
struct LocalResponseNormOptions {
  std::int64_t size = 1;
  double alpha = 1e-4;
  double beta = 0.75;
  double k = 1.0;
};

class LocalResponseNorm : public Layer<LocalResponseNorm> {
 public:
  explicit LocalResponseNorm(LocalResponseNormOptions options)
      : Layer("LocalResponseNorm"), options_(options) {}
  const LocalResponseNormOptions& options() const { return options_; }
  std::string extra_repr() const override;

 private:
  LocalResponseNormOptions options_;
};

}  // namespace nninit::nn
