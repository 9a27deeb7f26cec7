// Modules whose output elements are input elements (or a constant), moved: the padding modules,
// PixelShuffle, PixelUnshuffle, ChannelShuffle and Upsample in nearest mode; Upsample's linear modes, which
// weigh two input elements per dimension. Each computes, for every output
// element, the flat index of the input element it copies (-1 for the padding constant); backward adds each
// output gradient to that input element, in output order. And LocalResponseNorm (PyTorch's
// F.local_response_norm: the square of the input averaged over a window of `size` channels, zero-padded,
// divided by `size`):
//
//   y_c = x_c / d_c,   d_c = (k + alpha s_c)^beta,   s_c = (1/size) sum_{c' in window(c)} x_c'^2
//   dL/dx_j = g_j / d_j - (2 alpha beta / size) x_j sum_{c : j in window(c)} g_c x_c / ((k + alpha s_c) d_c)
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "nninit/core/error.h"
#include "nninit/engine/kernels/kernel_support.h"
#include "nninit/nn/rearrange.h"

namespace nninit::engine::detail {
namespace {

// The flat input index of each output element, from one map per dimension (the input coordinate of each
// output coordinate, -1 outside the input).
std::vector<std::int64_t> gather_by_dimension(const Shape& in, const Shape& out,
                                              const std::vector<std::vector<std::int64_t>>& maps) {
  const std::size_t dims = in.size();
  std::vector<std::int64_t> in_strides(dims, 1);
  for (std::size_t d = dims; d-- > 1;) in_strides[d - 1] = in_strides[d] * in[d];
  std::vector<std::int64_t> sources(static_cast<std::size_t>(shape_numel(out)));
  std::vector<std::int64_t> position(dims, 0);
  for (std::int64_t& source : sources) {
    source = 0;
    for (std::size_t d = 0; d < dims; ++d) {
      const std::int64_t coordinate = maps[d][static_cast<std::size_t>(position[d])];
      if (coordinate < 0) {
        source = -1;
        break;
      }
      source += coordinate * in_strides[d];
    }
    for (std::size_t d = dims; d-- > 0;) {  // the next output position, last dimension fastest
      if (++position[d] < out[d]) break;
      position[d] = 0;
    }
  }
  return sources;
}

[[noreturn]] void size_overflow(std::string_view what) {
  throw RuntimeError(
      fmt::format("{}: the calculated output size is out of the range of a 64-bit integer", what));
}

std::int64_t checked_product(std::int64_t a, std::int64_t b, std::string_view what) {
  std::int64_t product = 0;
  if (__builtin_mul_overflow(a, b, &product)) size_overflow(what);
  return product;
}

std::vector<std::int64_t> identity_map(std::int64_t size) {
  std::vector<std::int64_t> map(static_cast<std::size_t>(size));
  for (std::int64_t i = 0; i < size; ++i) map[static_cast<std::size_t>(i)] = i;
  return map;
}

// F.interpolate's sizes in PyTorch 1.13: the output size is floor(in * scale_factor) or the size given;
// `scales` are the scale factors the kernels use (none when the size is given or recomputed).
struct UpsampleSizes {
  Shape output;
  std::vector<std::optional<double>> scales;
};

UpsampleSizes upsample_sizes(const nn::Upsample& upsample, const Tensor& x) {
  const nn::UpsampleOptions& o = upsample.options();
  check_dims(upsample, x, 3, 5);
  const std::size_t spatial = static_cast<std::size_t>(x.dim() - 2);
  if (o.size && o.scale_factor) throw ValueError("only one of size or scale_factor should be defined");
  if (!o.size && !o.scale_factor) throw ValueError("either size or scale_factor should be defined");
  const auto given = [&](const auto& values, const char* what) {
    if (values.size() != 1 && values.size() != spatial) {
      throw ValueError(
          fmt::format("Input and {} must have the same number of spatial dimensions, but got "
                      "input with spatial dimensions of {} and output size of {}.",
                      what, shape_string(Shape(x.sizes().begin() + 2, x.sizes().end())), values.size()));
    }
  };
  UpsampleSizes sizes{x.sizes(), std::vector<std::optional<double>>(spatial)};
  Shape& out = sizes.output;
  for (std::size_t d = 0; d < spatial; ++d) {
    const std::int64_t in = x.size(static_cast<std::int64_t>(d + 2));
    if (o.size) {
      given(*o.size, "output_size");
      out[d + 2] = o.size->size() == 1 ? o.size->front() : (*o.size)[d];
    } else {
      given(*o.scale_factor, "scale_factor");
      const double scale = o.scale_factor->size() == 1 ? o.scale_factor->front() : (*o.scale_factor)[d];
      const double size = std::floor(static_cast<double>(in) * scale);
      if (!(size < 9223372036854775808.0)) size_overflow("upsample");
      out[d + 2] = static_cast<std::int64_t>(std::max(size, -1.0));
      if (!o.recompute_scale_factor.value_or(false)) sizes.scales[d] = scale;
    }
    if (out[d + 2] <= 0) {
      throw RuntimeError(
          fmt::format("Input and output sizes should be greater than 0, but got input {} and "
                      "output {}",
                      shape_string(x.sizes()), shape_string(out)));
    }
  }
  return sizes;
}

// ATen's compute_scales_value: float(1 / scale_factor) when it is given, float(in) / out otherwise.
float nearest_scale(const std::optional<double>& scale, std::int64_t in, std::int64_t out) {
  return scale && *scale > 0.0 ? static_cast<float>(1.0 / *scale)
                               : static_cast<float>(in) / static_cast<float>(out);
}

class GatherKernel : public Kernel {
 public:
  explicit GatherKernel(const nn::Module& module) : module_(module) {}

  std::vector<Tensor> forward(const std::vector<Tensor>& inputs, ForwardContext&) override {
    check_input_count(module_, inputs, 1, 1);
    const Tensor x = float_input(module_, inputs, 0);
    input_shape_ = x.sizes();
    Shape out;
    float fill = 0.0f;
    if (const auto* pad = dynamic_cast<const nn::Pad*>(&module_)) {
      out = pad_sources(*pad, x);
      fill = static_cast<float>(pad->options().value);
    } else if (const auto* shuffle = dynamic_cast<const nn::Shuffle*>(&module_)) {
      out = shuffle_sources(*shuffle, x);
    } else {
      out = upsample_sources(dynamic_cast<const nn::Upsample&>(module_), x);
    }
    Tensor y = empty(out);
    const float* px = data(x);
    float* py = data(y);
    for (std::size_t i = 0; i < sources_.size(); ++i) py[i] = sources_[i] < 0 ? fill : px[sources_[i]];
    return {y};
  }

  std::vector<Tensor> backward(const std::vector<Tensor>& grad_outputs, BackwardContext&) const override {
    Tensor dx = zeros(input_shape_);
    const float* g = data(grad_outputs[0]);
    float* d = data(dx);
    for (std::size_t i = 0; i < sources_.size(); ++i) {
      if (sources_[i] >= 0) d[sources_[i]] += g[i];
    }
    return {dx};
  }

 private:
  // F.pad's constant, reflect and replicate modes, with PyTorch 1.13's checks.
  Shape pad_sources(const nn::Pad& pad, const Tensor& x) {
    const nn::PadOptions& o = pad.options();
    if (o.mode != nn::PadMode::constant) check_dims(module_, x, o.dims + 1, o.dims + 2);
    if (o.padding.size() % 2 != 0) throw RuntimeError("Padding length must be divisible by 2");
    const auto padded_dims = static_cast<std::int64_t>(o.padding.size() / 2);
    if (padded_dims > x.dim()) throw RuntimeError("Padding length too large");
    Shape out = x.sizes();
    std::vector<std::vector<std::int64_t>> maps;
    for (std::int64_t d = 0; d < x.dim(); ++d) maps.push_back(identity_map(x.size(d)));
    for (std::int64_t k = 0; k < padded_dims; ++k) {
      const std::int64_t d = x.dim() - 1 - k;
      const std::int64_t in = x.size(d);
      const std::int64_t left = o.padding[static_cast<std::size_t>(2 * k)];
      const std::int64_t right = o.padding[static_cast<std::size_t>(2 * k + 1)];
      std::int64_t size = 0;
      if (__builtin_add_overflow(in, left, &size) || __builtin_add_overflow(size, right, &size)) {
        size_overflow("padding");
      }
      if (size <= 0) {
        throw RuntimeError(fmt::format(
            "The input size {}, plus negative padding {} and {} resulted in a negative output size, which is "
            "invalid. Check dimension {} of your input.",
            in, left, right, d));
      }
      if (o.mode == nn::PadMode::reflect && (left >= in || right >= in)) {
        throw RuntimeError(fmt::format(
            "Argument #4: Padding size should be less than the corresponding input dimension, but got: "
            "padding ({}, {}) at dimension {} of input {}",
            left, right, d, shape_string(x.sizes())));
      }
      std::vector<std::int64_t>& map = maps[static_cast<std::size_t>(d)];
      map.assign(static_cast<std::size_t>(size), -1);
      for (std::int64_t i = 0; i < size; ++i) {
        std::int64_t source = i - left;
        if (o.mode == nn::PadMode::reflect) {
          if (source < 0) source = -source;
          if (source >= in) source = 2 * (in - 1) - source;
        } else if (o.mode == nn::PadMode::replicate) {
          source = std::clamp<std::int64_t>(source, 0, in - 1);
        } else if (source >= in) {
          source = -1;
        }
        map[static_cast<std::size_t>(i)] = source;
      }
      out[static_cast<std::size_t>(d)] = size;
    }
    sources_ = gather_by_dimension(x.sizes(), out, maps);
    return out;
  }

  Shape shuffle_sources(const nn::Shuffle& shuffle, const Tensor& x) {
    const std::int64_t r = shuffle.options().factor;
    const Shape& s = x.sizes();
    const std::int64_t n = x.dim();
    if (shuffle.options().kind == nn::ShuffleKind::channel_shuffle) {
      if (n < 3) {
        throw RuntimeError(fmt::format(
            "channel_shuffle expects input to have at least 3 dimensions, but got input with sizes {}",
            shape_string(s)));
      }
      if (r <= 0)
        throw RuntimeError(
            fmt::format("Number of groups to divide channels in must be positive. Value of groups:{}", r));
      const std::int64_t channels = s[1];
      if (channels % r != 0) {
        throw RuntimeError(fmt::format(
            "Number of channels must be divisible by groups. Got {} channels and {} groups.", channels, r));
      }
      const DimSplit split = split_at(s, 1);
      const std::int64_t per_group = channels / r;
      sources_.resize(static_cast<std::size_t>(x.numel()));
      std::size_t i = 0;
      for (std::int64_t b = 0; b < split.outer; ++b) {
        for (std::int64_t c = 0; c < channels; ++c) {  // output channel c = k * groups + j
          const std::int64_t from = (c % r) * per_group + c / r;
          for (std::int64_t e = 0; e < split.inner; ++e)
            sources_[i++] = (b * channels + from) * split.inner + e;
        }
      }
      return s;
    }
    const bool up = shuffle.options().kind == nn::ShuffleKind::pixel_shuffle;
    const char* op = up ? "pixel_shuffle" : "pixel_unshuffle";
    if (n < 3) {
      throw RuntimeError(
          fmt::format("{} expects input to have at least 3 dimensions, but got input with {} "
                      "dimension(s)",
                      op, n));
    }
    if (r <= 0) {
      throw RuntimeError(fmt::format("{} expects a positive {}, but got {}", op,
                                     up ? "upscale_factor" : "downscale_factor", r));
    }
    const std::int64_t c = s[static_cast<std::size_t>(n - 3)];
    const std::int64_t h = s[static_cast<std::size_t>(n - 2)];
    const std::int64_t w = s[static_cast<std::size_t>(n - 1)];
    const std::int64_t r2 = checked_product(r, r, op);
    const std::int64_t batch = x.numel() == 0 ? 0 : x.numel() / (c * h * w);
    Shape out = s;
    if (up) {
      if (c % r2 != 0) {
        throw RuntimeError(
            fmt::format("pixel_shuffle expects its input's 'channel' dimension to be divisible "
                        "by the square of upscale_factor, but input.size(-3)={} is not "
                        "divisible by {}",
                        c, r * r));
      }
      out[static_cast<std::size_t>(n - 3)] = c / r2;
      out[static_cast<std::size_t>(n - 2)] = checked_product(h, r, op);
      out[static_cast<std::size_t>(n - 1)] = checked_product(w, r, op);
    } else {
      if (h % r != 0 || w % r != 0) {
        const bool height = h % r != 0;
        throw RuntimeError(
            fmt::format("pixel_unshuffle expects {} to be divisible by downscale_factor, but "
                        "input.size({})={} is not divisible by {}",
                        height ? "height" : "width", height ? -2 : -1, height ? h : w, r));
      }
      out[static_cast<std::size_t>(n - 3)] = checked_product(c, r2, op);
      out[static_cast<std::size_t>(n - 2)] = h / r;
      out[static_cast<std::size_t>(n - 1)] = w / r;
    }
    const std::int64_t oc = out[static_cast<std::size_t>(n - 3)];
    const std::int64_t oh = out[static_cast<std::size_t>(n - 2)];
    const std::int64_t ow = out[static_cast<std::size_t>(n - 1)];
    sources_.resize(static_cast<std::size_t>(x.numel()));
    std::size_t i = 0;
    for (std::int64_t b = 0; b < batch; ++b) {
      for (std::int64_t k = 0; k < oc; ++k) {
        for (std::int64_t y = 0; y < oh; ++y) {
          for (std::int64_t z = 0; z < ow; ++z) {
            const std::int64_t from = up ? ((k * r * r + (y % r) * r + z % r) * h + y / r) * w + z / r
                                         : ((k / (r * r)) * h + y * r + (k / r) % r) * w + z * r + k % r;
            sources_[i++] = b * c * h * w + from;
          }
        }
      }
    }
    return out;
  }

  // F.interpolate(mode='nearest') as PyTorch 1.13 computes it: the output size is floor(in * scale) (or
  // the size given), and output index o reads input floor(o * scale') with scale' = float(1 / scale_factor)
  // when the scale is given and not recomputed, float(in / out) otherwise (ATen's nearest_idx).
  Shape upsample_sources(const nn::Upsample& upsample, const Tensor& x) {
    const UpsampleSizes sizes = upsample_sizes(upsample, x);
    const Shape& out = sizes.output;
    const std::vector<std::optional<double>>& scales = sizes.scales;
    const std::size_t spatial = scales.size();
    std::vector<std::vector<std::int64_t>> maps = {identity_map(x.size(0)), identity_map(x.size(1))};
    for (std::size_t d = 0; d < spatial; ++d) {
      const std::int64_t in = x.size(static_cast<std::int64_t>(d + 2));
      const std::int64_t size = out[d + 2];
      const float scale = nearest_scale(scales[d], in, size);
      std::vector<std::int64_t> map(static_cast<std::size_t>(size));
      for (std::int64_t i = 0; i < size; ++i) {
        map[static_cast<std::size_t>(i)] =
            size == in ? i
            : size == 2 * in
                ? i >> 1
                : std::min(static_cast<std::int64_t>(std::floor(static_cast<float>(i) * scale)), in - 1);
      }
      maps.push_back(std::move(map));
    }
    sources_ = gather_by_dimension(x.sizes(), out, maps);
    return out;
  }

  const nn::Module& module_;
  Shape input_shape_;
  std::vector<std::int64_t> sources_;
};

// Upsample in mode 'linear', 'bilinear' or 'trilinear' (one, two or three spatial dimensions), as PyTorch
// 1.13's CPU kernel computes it: along each dimension output index o reads input indices i0 and i1 = i0 + 1
// (i0 at the last index) with weights 1 - l and l, where the source position is o * (in - 1) / (out - 1)
// with align_corners and max((o + 0.5) * scale - 0.5, 0) without (scale as for nearest); the weights of the
// dimensions multiply, the first dimension outermost. Backward adds each output gradient back with the
// same weights.
class InterpolateKernel : public Kernel {
 public:
  explicit InterpolateKernel(const nn::Upsample& module) : module_(module) {}

  std::vector<Tensor> forward(const std::vector<Tensor>& inputs, ForwardContext&) override {
    check_input_count(module_, inputs, 1, 1);
    const nn::UpsampleOptions& o = module_.options();
    const Tensor x = float_input(module_, inputs, 0);
    static constexpr const char* modes[] = {"linear", "bilinear", "trilinear"};
    const auto mode = std::find(std::begin(modes), std::end(modes), o.mode);
    if (mode == std::end(modes)) {
      throw NotImplementedError(
          fmt::format("nninit runs Upsample with mode='nearest', 'linear', 'bilinear' or "
                      "'trilinear'; mode='{}' is built (for initialisation) but cannot run",
                      o.mode));
    }
    const std::int64_t wanted = 3 + (mode - std::begin(modes));
    if (x.dim() != wanted) {
      throw NotImplementedError(
          fmt::format("Got {}D input, but {} mode needs {}D input", x.dim(), o.mode, wanted));
    }
    const UpsampleSizes sizes = upsample_sizes(module_, x);
    input_shape_ = x.sizes();
    output_shape_ = sizes.output;
    const bool align_corners = o.align_corners.value_or(false);
    taps_.clear();
    for (std::size_t d = 0; d < sizes.scales.size(); ++d) {
      const std::int64_t in = x.size(static_cast<std::int64_t>(d + 2));
      const std::int64_t out = sizes.output[d + 2];
      const float scale = align_corners
                              ? (out > 1 ? static_cast<float>(in - 1) / static_cast<float>(out - 1) : 0.0f)
                              : nearest_scale(sizes.scales[d], in, out);
      std::vector<Tap> taps(static_cast<std::size_t>(out));
      for (std::int64_t i = 0; i < out; ++i) {
        Tap& tap = taps[static_cast<std::size_t>(i)];
        if (out == in) {
          tap = {i, i, 1.0f, 0.0f};
          continue;
        }
        const float source =
            align_corners ? scale * static_cast<float>(i)
                          : std::max(static_cast<float>(scale * (static_cast<double>(i) + 0.5) - 0.5), 0.0f);
        tap.first = static_cast<std::int64_t>(source);
        tap.second = tap.first + (tap.first < in - 1 ? 1 : 0);
        tap.second_weight = std::min(std::max(source - static_cast<float>(tap.first), 0.0f), 1.0f);
        tap.first_weight = 1.0f - tap.second_weight;
      }
      taps_.push_back(std::move(taps));
    }
    Tensor y = empty(output_shape_);
    visit(data(x), data(y), /*backward=*/false);
    return {y};
  }

  std::vector<Tensor> backward(const std::vector<Tensor>& grad_outputs, BackwardContext&) const override {
    Tensor dx = zeros(input_shape_);
    visit(data(dx), data(grad_outputs[0]), /*backward=*/true);
    return {dx};
  }

 private:
  struct Tap {
    std::int64_t first = 0;
    std::int64_t second = 0;
    float first_weight = 1.0f;
    float second_weight = 0.0f;
  };

  // Forward: out[o] = the weighted sum over the input corners. Backward: in[corner] += weight * out[o].
  void visit(float* in, float* out, bool backward) const {
    const std::size_t spatial = taps_.size();
    const std::int64_t planes = input_shape_[0] * input_shape_[1];
    std::int64_t in_plane = 1;
    std::int64_t out_plane = 1;
    for (std::size_t d = 0; d < spatial; ++d) {
      in_plane *= input_shape_[d + 2];
      out_plane *= output_shape_[d + 2];
    }
    std::vector<std::int64_t> in_strides(spatial, 1);
    for (std::size_t d = spatial; d-- > 1;) in_strides[d - 1] = in_strides[d] * input_shape_[d + 2];
    std::vector<std::int64_t> position(spatial, 0);
    for (std::int64_t p = 0; p < planes; ++p) {
      const float* source = in + p * in_plane;
      float* gradient_source = in + p * in_plane;
      std::fill(position.begin(), position.end(), 0);
      for (std::int64_t o = 0; o < out_plane; ++o) {
        float& target = out[p * out_plane + o];
        if (backward) {
          scatter(gradient_source, position, in_strides, 0, 0, target);
        } else {
          target = gather(source, position, in_strides, 0, 0);
        }
        for (std::size_t d = spatial; d-- > 0;) {
          if (++position[d] < output_shape_[d + 2]) break;
          position[d] = 0;
        }
      }
    }
  }

  // The interpolation along dimensions d.. at an input offset: w0 * (inner at i0) + w1 * (inner at i1).
  float gather(const float* in, const std::vector<std::int64_t>& position,
               const std::vector<std::int64_t>& strides, std::size_t d, std::int64_t offset) const {
    if (d == taps_.size()) return in[offset];
    const Tap& tap = taps_[d][static_cast<std::size_t>(position[d])];
    return tap.first_weight * gather(in, position, strides, d + 1, offset + tap.first * strides[d]) +
           tap.second_weight * gather(in, position, strides, d + 1, offset + tap.second * strides[d]);
  }

  void scatter(float* in, const std::vector<std::int64_t>& position, const std::vector<std::int64_t>& strides,
               std::size_t d, std::int64_t offset, float gradient) const {
    if (d == taps_.size()) {
      in[offset] += gradient;
      return;
    }
    const Tap& tap = taps_[d][static_cast<std::size_t>(position[d])];
    scatter(in, position, strides, d + 1, offset + tap.first * strides[d], gradient * tap.first_weight);
    scatter(in, position, strides, d + 1, offset + tap.second * strides[d], gradient * tap.second_weight);
  }

  const nn::Upsample& module_;
  Shape input_shape_;
  Shape output_shape_;
  std::vector<std::vector<Tap>> taps_;  // per spatial dimension, per output index
};

class LocalResponseNormKernel : public Kernel {
 public:
  explicit LocalResponseNormKernel(const nn::LocalResponseNorm& module) : module_(module) {}

  std::vector<Tensor> forward(const std::vector<Tensor>& inputs, ForwardContext&) override {
    check_input_count(module_, inputs, 1, 1);
    x_ = float_input(module_, inputs, 0);
    if (x_.dim() < 3) {
      throw ValueError(
          fmt::format("Expected 3D or higher dimensionality input (got {} dimensions)", x_.dim()));
    }
    const nn::LocalResponseNormOptions& o = module_.options();
    if (o.size <= 0) {  // avg_pool's check in F.local_response_norm
      throw RuntimeError(
          fmt::format("kernel size should be greater than zero, but got kH: {} kW: 1", o.size));
    }
    split_ = split_at(x_.sizes(), 1);
    base_ = empty(x_.sizes());
    Tensor y = empty(x_.sizes());
    const float* px = data(x_);
    float *pb = data(base_), *py = data(y);
    const auto size = static_cast<float>(o.size);
    for (std::int64_t b = 0; b < split_.outer; ++b) {
      for (std::int64_t c = 0; c < split_.size; ++c) {
        const auto [first, last] = window(c);
        for (std::int64_t e = 0; e < split_.inner; ++e) {
          float sum = 0.0f;
          for (std::int64_t w = first; w <= last; ++w) {
            const float v = px[(b * split_.size + w) * split_.inner + e];
            sum += v * v;
          }
          const std::int64_t i = (b * split_.size + c) * split_.inner + e;
          pb[i] = static_cast<float>(o.k) + static_cast<float>(o.alpha) * (sum / size);
          py[i] = px[i] / std::pow(pb[i], static_cast<float>(o.beta));
        }
      }
    }
    return {y};
  }

  std::vector<Tensor> backward(const std::vector<Tensor>& grad_outputs, BackwardContext&) const override {
    const nn::LocalResponseNormOptions& o = module_.options();
    const float* g = data(grad_outputs[0]);
    const float *px = data(x_), *pb = data(base_);
    Tensor dx = empty(x_.sizes());
    float* d = data(dx);
    const auto beta = static_cast<float>(o.beta);
    const float factor = 2.0f * static_cast<float>(o.alpha) * beta / static_cast<float>(o.size);
    for (std::int64_t b = 0; b < split_.outer; ++b) {
      for (std::int64_t j = 0; j < split_.size; ++j) {
        for (std::int64_t e = 0; e < split_.inner; ++e) {
          const std::int64_t i = (b * split_.size + j) * split_.inner + e;
          float through_windows = 0.0f;
          for (std::int64_t c = 0; c < split_.size; ++c) {
            const auto [first, last] = window(c);
            if (j < first || j > last) continue;
            const std::int64_t ic = (b * split_.size + c) * split_.inner + e;
            through_windows += g[ic] * px[ic] * std::pow(pb[ic], -beta - 1.0f);
          }
          d[i] = g[i] * std::pow(pb[i], -beta) - factor * px[i] * through_windows;
        }
      }
    }
    return {dx};
  }

 private:
  // The channels channel c averages over: size // 2 before it and (size - 1) // 2 after, within the input.
  std::pair<std::int64_t, std::int64_t> window(std::int64_t c) const {
    const std::int64_t size = module_.options().size;
    return {std::max<std::int64_t>(c - size / 2, 0),
            std::min<std::int64_t>(c + (size - 1) / 2, split_.size - 1)};
  }

  const nn::LocalResponseNorm& module_;
  Tensor x_;
  Tensor base_;  // k + alpha * (windowed mean of squares)
  DimSplit split_;
};

}  // namespace

std::unique_ptr<Kernel> make_rearrange_kernel(nn::Module& m) {
  if (auto* upsample = dynamic_cast<nn::Upsample*>(&m); upsample && upsample->options().mode != "nearest") {
    return std::make_unique<InterpolateKernel>(*upsample);
  }
  if (dynamic_cast<nn::Pad*>(&m) || dynamic_cast<nn::Shuffle*>(&m) || dynamic_cast<nn::Upsample*>(&m)) {
    return std::make_unique<GatherKernel>(m);
  }
  if (auto* norm = dynamic_cast<nn::LocalResponseNorm*>(&m))
    return std::make_unique<LocalResponseNormKernel>(*norm);
  return nullptr;
}

}  // namespace nninit::engine::detail
