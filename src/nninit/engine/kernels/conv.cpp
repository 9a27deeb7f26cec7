// Conv1d/2d/3d and ConvTranspose1d/2d/3d (groups, stride, padding, dilation, output_padding), batched
// (N, C, *spatial) or unbatched (C, *spatial) as PyTorch accepts. padding='same' pads total =
// dilation * (k - 1) per dimension, total / 2 before and the rest after (PyTorch's conv_padding_same).
// Padding modes other than 'zeros' pad the input explicitly first, as _ConvNd._conv_forward does with
// F.pad, then convolve without padding.
#include <fmt/format.h>

#include "nninit/core/error.h"
#include "nninit/engine/kernels/kernel_support.h"
#include "nninit/engine/ops/conv_im2col.h"
#include "nninit/nn/conv.h"

namespace nninit::engine::detail {
namespace {

// F.pad with mode reflect, replicate or circular on the last `dims` dimensions of (R, *spatial).
class Padding {
 public:
  Padding() = default;
  Padding(nn::PaddingMode mode, const Shape& sizes, const Sizes3& before, const Sizes3& after, int dims)
      : dims_(dims) {
    std::int64_t rows = 1;
    for (std::size_t i = 0; i + static_cast<std::size_t>(dims) < sizes.size(); ++i) rows *= sizes[i];
    rows_ = rows;
    for (int d = 0; d < 3; ++d) {
      const std::int64_t n = d < 3 - dims ? 1 : sizes[sizes.size() - static_cast<std::size_t>(3 - d)];
      in_[d] = n;
      std::vector<std::int64_t>& map = source_[d];
      for (std::int64_t i = -before[d]; i < n + after[d]; ++i) map.push_back(source_index(mode, i, n));
    }
  }
  Shape padded_shape(const Shape& sizes) const {
    Shape out = sizes;
    for (int d = 0; d < 3; ++d) {
      if (d >= 3 - dims()) out[out.size() - static_cast<std::size_t>(3 - d)] = std::ssize(source_[d]);
    }
    return out;
  }
  template <class Apply>
  void for_each(Apply&& apply) const {  // apply(padded_index, source_index)
    std::int64_t out = 0;
    const std::int64_t in_plane = in_[0] * in_[1] * in_[2];
    for (std::int64_t r = 0; r < rows_; ++r)
      for (std::int64_t a : source_[0])
        for (std::int64_t b : source_[1])
          for (std::int64_t c : source_[2]) apply(out++, r * in_plane + (a * in_[1] + b) * in_[2] + c);
  }

 private:
  static std::int64_t source_index(nn::PaddingMode mode, std::int64_t i, std::int64_t n) {
    if (i >= 0 && i < n) return i;
    switch (mode) {
      case nn::PaddingMode::reflect: return i < 0 ? -i : 2 * (n - 1) - i;
      case nn::PaddingMode::replicate: return i < 0 ? 0 : n - 1;
      default: return ((i % n) + n) % n;  // circular
    }
  }
  int dims() const { return dims_; }

  int dims_ = 3;
  std::int64_t rows_ = 0;
  Sizes3 in_{1, 1, 1};
  std::vector<std::int64_t> source_[3];
};

class ConvKernel : public Kernel {
 public:
  explicit ConvKernel(const nn::ConvNd& module) : module_(module) {}

  std::vector<Tensor> forward(const std::vector<Tensor>& inputs, ForwardContext& context) override {
    check_input_count(module_, inputs, 1, 1);
    const auto& o = module_.options();
    const int dims = static_cast<int>(o.kernel_size.size());
    Tensor x = float_input(module_, inputs, 0);
    input_shape_ = x.sizes();
    check_dims(module_, x, dims + 1, dims + 2);
    if (x.dim() == dims + 1) x = x.unsqueeze(0);
    if (x.size(1) != o.in_channels) {
      Shape weight_shape = module_.weight().sizes();
      throw RuntimeError(fmt::format(
          "{}: Given groups={}, weight of size {}, expected input{} to have {} channels, but got {} channels "
          "instead",
          module_.type_name(), o.groups, shape_string(weight_shape), shape_string(input_shape_),
          o.transposed ? o.in_channels : weight_shape[1] * o.groups, x.size(1)));
    }
    ConvGeometry& g = geometry_;
    g.batch = x.size(0);
    g.groups = o.groups;
    const int lead = 3 - dims;
    Sizes3 pad_after{0, 0, 0};
    for (int d = 0; d < dims; ++d) {
      const std::size_t i = static_cast<std::size_t>(d);
      g.kernel[lead + d] = o.kernel_size[i];
      g.stride[lead + d] = o.stride[i];
      g.dilation[lead + d] = o.dilation[i];
      std::int64_t before = 0, after = 0;
      if (o.padding.kind == nn::ConvPadding::Kind::sizes) {
        before = after = o.padding.sizes[i];
      } else if (o.padding.kind == nn::ConvPadding::Kind::same) {
        const std::int64_t total = o.dilation[i] * (o.kernel_size[i] - 1);
        before = total / 2;
        after = total - before;
      }
      g.pad_before[lead + d] = before;
      pad_after[lead + d] = after;
    }
    weight_ = context.parameter(module_, "weight");
    const Tensor bias = context.parameter(module_, "bias");
    has_bias_ = bias.defined();
    Shape out_shape{g.batch, o.out_channels};
    if (!o.transposed) {
      if (o.padding_mode != nn::PaddingMode::zeros) {
        padding_ = Padding(o.padding_mode, x.sizes(), g.pad_before, pad_after, dims);
        padded_ = true;
        Tensor padded = empty(padding_.padded_shape(x.sizes()));
        const float* src = data(x);
        float* dst = data(padded);
        padding_.for_each([&](std::int64_t out, std::int64_t in) { dst[out] = src[in]; });
        x = padded;
        g.pad_before = pad_after = Sizes3{0, 0, 0};
      }
      g.image_channels = o.in_channels;
      g.column_channels = o.out_channels;
      for (int d = 0; d < 3; ++d) {
        g.image[d] = d < lead ? 1 : x.size(2 + d - lead);
        g.columns[d] = d < lead ? 1
                                : conv_output_size(g.image[d], g.kernel[d], g.stride[d], g.dilation[d],
                                                   g.pad_before[d], pad_after[d]);
        if (d >= lead) out_shape.push_back(g.columns[d]);
      }
    } else {
      g.image_channels = o.out_channels;
      g.column_channels = o.in_channels;
      for (int d = 0; d < 3; ++d) {
        g.columns[d] = d < lead ? 1 : x.size(2 + d - lead);
        g.image[d] = d < lead ? 1
                              : conv_transpose_output_size(
                                    g.columns[d], g.kernel[d], g.stride[d], g.dilation[d], g.pad_before[d],
                                    o.output_padding[static_cast<std::size_t>(d - lead)]);
        if (d >= lead) out_shape.push_back(g.image[d]);
      }
    }
    for (std::size_t i = 2; i < out_shape.size(); ++i) {
      if (out_shape[i] <= 0) {
        throw RuntimeError(fmt::format("{}: Calculated output size {} is too small for input of size {}",
                                       module_.type_name(), shape_string(out_shape),
                                       shape_string(input_shape_)));
      }
    }
    x_ = x;
    Tensor y = empty(out_shape);
    const float* b = has_bias_ ? data(bias) : nullptr;
    if (o.transposed) {
      conv_transpose_forward(g, data(x_), data(weight_), b, data(y));
    } else {
      conv_forward(g, data(x_), data(weight_), b, data(y));
    }
    if (std::ssize(input_shape_) == dims + 1) y = y.select(0, 0);
    return {y};
  }

  std::vector<Tensor> backward(const std::vector<Tensor>& grad_outputs,
                               BackwardContext& context) const override {
    const auto& o = module_.options();
    const float* dy = data(grad_outputs[0]);
    Tensor dx = empty(x_.sizes());
    Tensor dw = zeros(weight_.sizes());
    Tensor db = has_bias_ ? zeros({o.out_channels}) : Tensor();
    float* pdb = has_bias_ ? data(db) : nullptr;
    if (o.transposed) {
      conv_transpose_backward(geometry_, data(x_), data(weight_), dy, data(dx), data(dw), pdb);
    } else {
      conv_backward(geometry_, data(x_), data(weight_), dy, data(dx), data(dw), pdb);
    }
    context.accumulate(module_, "weight", dw);
    if (has_bias_) context.accumulate(module_, "bias", db);
    if (padded_) {
      Shape batched = input_shape_;
      if (std::ssize(batched) == std::ssize(o.kernel_size) + 1) batched.insert(batched.begin(), 1);
      Tensor unpadded = zeros(batched);
      const float* src = data(dx);
      float* dst = data(unpadded);
      padding_.for_each([&](std::int64_t out, std::int64_t in) { dst[in] += src[out]; });
      dx = unpadded;
    }
    return {dx.view(input_shape_)};
  }

 private:
  const nn::ConvNd& module_;
  ConvGeometry geometry_;
  Tensor x_, weight_;
  Shape input_shape_;
  Padding padding_;
  bool padded_ = false;
  bool has_bias_ = false;
};

}  // namespace

std::unique_ptr<Kernel> make_conv_kernel(nn::Module& module) {
  if (auto* conv = dynamic_cast<nn::ConvNd*>(&module)) return std::make_unique<ConvKernel>(*conv);
  return nullptr;
}

}  // namespace nninit::engine::detail
