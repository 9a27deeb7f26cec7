#include "nninit/nn/rearrange.h"

#include <fmt/format.h>

#include "nninit/nn/python_repr.h"

namespace nninit::nn {
namespace {

std::string pad_class(const PadOptions& o) {
  if (o.zero) return fmt::format("ZeroPad{}d", o.dims);
  const char* family = o.mode == PadMode::constant  ? "ConstantPad"
                       : o.mode == PadMode::reflect ? "ReflectionPad"
                                                    : "ReplicationPad";
  return fmt::format("{}{}d", family, o.dims);
}

std::string shuffle_class(ShuffleKind kind) {
  switch (kind) {
    case ShuffleKind::pixel_shuffle: return "PixelShuffle";
    case ShuffleKind::pixel_unshuffle: return "PixelUnshuffle";
    case ShuffleKind::channel_shuffle: return "ChannelShuffle";
  }
  return "";
}

}  // namespace

Pad::Pad(PadOptions options) : Layer(pad_class(options)), options_(std::move(options)) {}

// torch.nn's hierarchy in PyTorch 1.13: ZeroPad2d derives from ConstantPad2d.
std::vector<std::string> Pad::python_bases() const {
  switch (options_.mode) {
    case PadMode::constant:
      if (options_.zero) return {fmt::format("ConstantPad{}d", options_.dims), "_ConstantPadNd"};
      return {"_ConstantPadNd"};
    case PadMode::reflect: return {"_ReflectionPadNd"};
    case PadMode::replicate: return {"_ReplicationPadNd"};
  }
  return {};
}

// PyTorch 1.13: "ConstantPad1d(padding=(2, 2), value=3.5)", "ReflectionPad2d((1, 1, 2, 0))", and ZeroPad2d
// like the reflection pads.
std::string Pad::extra_repr() const {
  if (options_.mode != PadMode::constant || options_.zero) return python_tuple(options_.padding);
  const std::string value = options_.value_prints_as_int
                                ? fmt::format("{}", static_cast<std::int64_t>(options_.value))
                                : python_float(options_.value);
  return fmt::format("padding={}, value={}", python_tuple(options_.padding), value);
}

Shuffle::Shuffle(ShuffleOptions options) : Layer(shuffle_class(options.kind)), options_(options) {}

std::string Shuffle::extra_repr() const {
  switch (options_.kind) {
    case ShuffleKind::pixel_shuffle: return fmt::format("upscale_factor={}", options_.factor);
    case ShuffleKind::pixel_unshuffle: return fmt::format("downscale_factor={}", options_.factor);
    case ShuffleKind::channel_shuffle: return fmt::format("groups={}", options_.factor);
  }
  return "";
}

std::vector<std::string> Upsample::python_bases() const {
  if (options_.class_name == "Upsample") return {};
  return {"Upsample"};
}

// Upsample.extra_repr: "scale_factor=2.0, mode=nearest" or "size=(4, 5), mode=bilinear" (the mode unquoted).
std::string Upsample::extra_repr() const {
  std::string info;
  if (options_.scale_factor) {
    const std::vector<double>& scales = *options_.scale_factor;
    if (options_.scale_factor_is_tuple) {
      std::string items;
      for (std::size_t i = 0; i < scales.size(); ++i) items += (i > 0 ? ", " : "") + python_float(scales[i]);
      info = fmt::format("scale_factor=({}{})", items, scales.size() == 1 ? "," : "");
    } else {
      info = "scale_factor=" + python_float(scales.at(0));
    }
  } else if (options_.size) {
    info = options_.size_is_tuple ? "size=" + python_tuple(*options_.size)
                                  : fmt::format("size={}", options_.size->at(0));
  }
  return info + ", mode=" + options_.mode;
}

std::string LocalResponseNorm::extra_repr() const {
  return fmt::format("{}, alpha={}, beta={}, k={}", options_.size, python_float(options_.alpha),
                     python_float(options_.beta), python_float(options_.k));
}

}  // namespace nninit::nn
