// Normalisation layers as one computation over "statistics groups":
//
//   xhat = (x - mean_g) * rstd_g        rstd_g = 1 / sqrt(var_g + eps)   (RMSNorm: mean_g = 0, var_g =
//   E[x^2]) y    = xhat * weight[a] + bias[a]   a = the element's affine index
//
//   layer          group g                         affine index a
//   BatchNorm      channel c, over (N, *spatial)   c
//   InstanceNorm   (n, c), over *spatial           c
//   GroupNorm      (n, g), over (C / G, *spatial)  c
//   LayerNorm      one row of normalized_shape     position within normalized_shape
//   RMSNorm        one row of normalized_shape     position within normalized_shape
//
// With batch statistics the backward pass is dx = rstd * (dxhat - E[dxhat] - xhat E[dxhat xhat]) over the
// group (without the E[dxhat] term for RMSNorm), dxhat = dy * weight[a]; with running statistics (BatchNorm
// and tracked InstanceNorm in eval mode) mean and rstd are constants and dx = dxhat * rstd. Statistics are
// accumulated in double; the variance is the biased one, running_var is updated with the unbiased one.
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "nninit/core/error.h"
#include "nninit/engine/kernels/kernel_support.h"
#include "nninit/nn/normalization.h"

namespace nninit::engine::detail {
namespace {

// Group g is `segments` runs of `length` elements starting at g * group_stride + k * segment_stride.
struct NormLayout {
  std::int64_t groups = 0;
  std::int64_t group_stride = 0;
  std::int64_t segments = 1;
  std::int64_t segment_stride = 0;
  std::int64_t length = 0;
  std::int64_t affine_inner = 1;  // a = (offset / affine_inner) % affine_size
  std::int64_t affine_size = 1;
  std::int64_t count() const { return segments * length; }
  template <class F>
  void for_each(std::int64_t g, F&& f) const {  // f(offset)
    for (std::int64_t k = 0; k < segments; ++k) {
      const std::int64_t start = g * group_stride + k * segment_stride;
      for (std::int64_t j = 0; j < length; ++j) f(start + j);
    }
  }
};

enum class Kind { batch, instance, group, layer, rms };

class NormKernel : public Kernel {
 public:
  NormKernel(const nn::Module& module, Kind kind) : module_(module), kind_(kind) {}

  std::vector<Tensor> forward(const std::vector<Tensor>& inputs, ForwardContext& context) override {
    check_input_count(module_, inputs, 1, 1);
    Tensor x = float_input(module_, inputs, 0);
    weight_ = context.parameter(module_, "weight");
    bias_ = module_.has_parameter("bias") ? context.parameter(module_, "bias") : Tensor();
    layout_ = layout(x, context);
    x_ = x;
    const std::int64_t groups = layout_.groups;
    mean_.assign(static_cast<std::size_t>(groups), 0.0f);
    rstd_.assign(static_cast<std::size_t>(groups), 0.0f);
    const float* px = data(x_);
    if (use_running_) {
      const float* rm = data(context.parameter(module_, "running_mean"));
      const float* rv = data(context.parameter(module_, "running_var"));
      const std::int64_t channels = running_channels();
      for (std::int64_t g = 0; g < groups; ++g) {
        mean_[g] = rm[g % channels];
        rstd_[g] = static_cast<float>(1.0 / std::sqrt(static_cast<double>(rv[g % channels]) + eps_));
      }
    } else {
      std::vector<double> unbiased(static_cast<std::size_t>(groups));
      for (std::int64_t g = 0; g < groups; ++g) {
        double mean = 0.0, squares = 0.0;
        if (kind_ != Kind::rms) {
          layout_.for_each(g, [&](std::int64_t i) { mean += px[i]; });
          mean /= static_cast<double>(layout_.count());
        }
        layout_.for_each(g, [&](std::int64_t i) { squares += (px[i] - mean) * (px[i] - mean); });
        const double var = squares / static_cast<double>(layout_.count());
        mean_[g] = static_cast<float>(mean);
        rstd_[g] = static_cast<float>(1.0 / std::sqrt(var + eps_));
        unbiased[g] = layout_.count() > 1 ? squares / static_cast<double>(layout_.count() - 1) : NAN;
      }
      if (update_running_) update_running_stats(unbiased);
    }
    Tensor y = empty(x_.sizes());
    xhat_ = empty(x_.sizes());
    float* py = data(y);
    float* ph = data(xhat_);
    const float* w = weight_.defined() ? data(weight_) : nullptr;
    const float* b = bias_.defined() ? data(bias_) : nullptr;
    for (std::int64_t g = 0; g < groups; ++g) {
      layout_.for_each(g, [&](std::int64_t i) {
        const std::int64_t a = (i / layout_.affine_inner) % layout_.affine_size;
        ph[i] = (px[i] - mean_[g]) * rstd_[g];
        py[i] = ph[i] * (w ? w[a] : 1.0f) + (b ? b[a] : 0.0f);
      });
    }
    return {y.view(input_shape_)};
  }

  std::vector<Tensor> backward(const std::vector<Tensor>& grad_outputs,
                               BackwardContext& context) const override {
    const float* dy = data(grad_outputs[0]);
    const float* h = data(xhat_);
    const float* w = weight_.defined() ? data(weight_) : nullptr;
    Tensor dx = empty(x_.sizes());
    Tensor dw = weight_.defined() ? zeros(weight_.sizes()) : Tensor();
    Tensor db = bias_.defined() ? zeros(bias_.sizes()) : Tensor();
    float* pdx = data(dx);
    float* pdw = dw.defined() ? data(dw) : nullptr;
    float* pdb = db.defined() ? data(db) : nullptr;
    const double n = static_cast<double>(layout_.count());
    for (std::int64_t g = 0; g < layout_.groups; ++g) {
      double sum = 0.0, dot = 0.0;
      layout_.for_each(g, [&](std::int64_t i) {
        const std::int64_t a = (i / layout_.affine_inner) % layout_.affine_size;
        const float dh = dy[i] * (w ? w[a] : 1.0f);
        pdx[i] = dh;
        sum += dh;
        dot += static_cast<double>(dh) * h[i];
        if (pdw) pdw[a] += dy[i] * h[i];
        if (pdb) pdb[a] += dy[i];
      });
      const float mean_dh = use_running_ || kind_ == Kind::rms ? 0.0f : static_cast<float>(sum / n);
      const float mean_dot = use_running_ ? 0.0f : static_cast<float>(dot / n);
      const float r = rstd_[g];
      layout_.for_each(g, [&](std::int64_t i) { pdx[i] = r * (pdx[i] - mean_dh - h[i] * mean_dot); });
    }
    if (dw.defined()) context.accumulate(module_, "weight", dw);
    if (db.defined()) context.accumulate(module_, "bias", db);
    return {dx.view(input_shape_)};
  }

 private:
  std::int64_t running_channels() const { return module_.buffer("running_mean").numel(); }

  NormLayout layout(Tensor& x, ForwardContext& context);
  NormLayout channel_layout(Tensor& x, ForwardContext& context);
  void update_running_stats(const std::vector<double>& unbiased) const;

  const nn::Module& module_;
  Kind kind_;
  Tensor x_, xhat_, weight_, bias_;
  Shape input_shape_;
  NormLayout layout_;
  std::vector<float> mean_, rstd_;
  double eps_ = 1e-5;
  bool use_running_ = false;
  bool update_running_ = false;
};

NormLayout NormKernel::layout(Tensor& x, ForwardContext& context) {
  input_shape_ = x.sizes();
  NormLayout l;
  if (kind_ == Kind::layer || kind_ == Kind::rms) {
    const Shape& shape = kind_ == Kind::layer
                             ? dynamic_cast<const nn::LayerNorm&>(module_).options().normalized_shape
                             : dynamic_cast<const nn::RMSNorm&>(module_).options().normalized_shape;
    const std::size_t d = shape.size();
    if (x.dim() < std::ssize(shape) || !std::equal(shape.begin(), shape.end(), x.sizes().end() - d)) {
      std::string expected = "[*";
      for (std::int64_t s : shape) expected += fmt::format(", {}", s);
      throw RuntimeError(
          fmt::format("{}: Given normalized_shape={}, expected input with shape {}], but got input of "
                      "size{}",
                      module_.type_name(), shape_string(shape), expected, shape_string(x.sizes())));
    }
    l.length = shape_numel(shape);
    l.groups = l.length == 0 ? 0 : x.numel() / l.length;
    l.group_stride = l.length;
    l.affine_size = std::max<std::int64_t>(l.length, 1);
    if (kind_ == Kind::layer) {
      eps_ = dynamic_cast<const nn::LayerNorm&>(module_).options().eps;
    } else {
      eps_ = dynamic_cast<const nn::RMSNorm&>(module_).options().eps.value_or(
          static_cast<double>(std::numeric_limits<float>::epsilon()));
    }
    return l;
  }
  return channel_layout(x, context);
}

NormLayout NormKernel::channel_layout(Tensor& x, ForwardContext& context) {
  NormLayout l;
  const std::string& type = module_.type_name();
  const int spatial_dims = type.back() == 'd' ? type[type.size() - 2] - '0' : -1;  // "BatchNorm2d" -> 2
  if (kind_ == Kind::group) {
    const auto& o = dynamic_cast<const nn::GroupNorm&>(module_).options();
    if (x.dim() < 2 || x.size(1) != o.num_channels) {
      throw RuntimeError(fmt::format("GroupNorm: Expected input of shape [N, {}, *], but got input of size{}",
                                     o.num_channels, shape_string(x.sizes())));
    }
    eps_ = o.eps;
    const std::int64_t s = x.numel() / std::max<std::int64_t>(x.size(0) * x.size(1), 1);
    l.groups = x.size(0) * o.num_groups;
    l.length = o.num_channels / o.num_groups * s;
    l.group_stride = l.length;
    l.affine_inner = s;
    l.affine_size = o.num_channels;
    return l;
  }
  const auto& o = dynamic_cast<const nn::NormBase&>(module_).options();
  eps_ = o.eps;
  if (kind_ == Kind::batch) {
    const bool ok = spatial_dims == 1 ? x.dim() == 2 || x.dim() == 3 : x.dim() == spatial_dims + 2;
    if (!ok) {
      throw ValueError(spatial_dims == 1
                           ? fmt::format("expected 2D or 3D input (got {}D input)", x.dim())
                           : fmt::format("expected {}D input (got {}D input)", spatial_dims + 2, x.dim()));
    }
  } else {
    if (x.dim() != spatial_dims + 1 && x.dim() != spatial_dims + 2) {
      throw ValueError(fmt::format("expected {}D or {}D input (got {}D input)", spatial_dims + 1,
                                   spatial_dims + 2, x.dim()));
    }
    if (x.dim() == spatial_dims + 1) x = x.unsqueeze(0);  // unbatched
  }
  const std::int64_t n = x.size(0), c = x.size(1);
  const bool tracked = module_.buffer("running_mean").defined();
  // InstanceNorm without affine parameters or running statistics accepts any channel count (PyTorch warns).
  if (c != o.num_features && (kind_ == Kind::batch || o.affine || tracked)) {
    throw ValueError(
        fmt::format("{}: expected input's size at dim=1 to match num_features ({}), but got: {}.", type,
                    o.num_features, c));
  }
  const std::int64_t s = x.numel() / std::max<std::int64_t>(n * c, 1);
  const bool training = module_.is_training();
  l.affine_inner = s;
  l.affine_size = c;
  if (kind_ == Kind::batch) {
    use_running_ = !training && tracked;
    if (!use_running_ && n * s == 1) {
      throw ValueError(
          fmt::format("Expected more than 1 value per channel when training, got input size "
                      "torch.Size({})",
                      shape_string(input_shape_)));
    }
    l.groups = c;
    l.group_stride = s;
    l.segments = n;
    l.segment_stride = c * s;
    l.length = s;
  } else {
    use_running_ = !training && tracked;
    l.groups = n * c;
    l.group_stride = s;
    l.length = s;
  }
  update_running_ = training && tracked && context.options().update_running_stats;
  return l;
}

// PyTorch's update in train mode: num_batches_tracked += 1, then running = (1 - f) running + f batch with
// f = momentum, or 1 / num_batches_tracked when momentum is None (BatchNorm; InstanceNorm passes 0).
// InstanceNorm averages the per-instance statistics over the batch.
void NormKernel::update_running_stats(const std::vector<double>& unbiased) const {
  const auto& o = dynamic_cast<const nn::NormBase&>(module_).options();
  const Tensor& counter = module_.buffer("num_batches_tracked");
  double factor = o.momentum.value_or(0.0);
  if (counter.defined() && kind_ == Kind::batch) {
    counter.copy_(Tensor::full({}, counter.at({}) + 1.0, DType::int64));
    if (!o.momentum) factor = 1.0 / counter.at({});
  }
  const Tensor& running_mean = module_.buffer("running_mean");
  const Tensor& running_var = module_.buffer("running_var");
  const std::int64_t channels = running_mean.numel();
  const std::int64_t per_channel = layout_.groups / channels;
  for (std::int64_t c = 0; c < channels; ++c) {
    double mean = 0.0, var = 0.0;
    for (std::int64_t k = 0; k < per_channel; ++k) {
      mean += mean_[k * channels + c];
      var += unbiased[k * channels + c];
    }
    mean /= static_cast<double>(per_channel);
    var /= static_cast<double>(per_channel);
    running_mean.set({c}, (1.0 - factor) * running_mean.at({c}) + factor * mean);
    running_var.set({c}, (1.0 - factor) * running_var.at({c}) + factor * var);
  }
}

}  // namespace

std::unique_ptr<Kernel> make_norm_kernel(nn::Module& m) {
  const std::string& type = m.type_name();
  if (dynamic_cast<nn::LayerNorm*>(&m)) return std::make_unique<NormKernel>(m, Kind::layer);
  if (dynamic_cast<nn::RMSNorm*>(&m)) return std::make_unique<NormKernel>(m, Kind::rms);
  if (dynamic_cast<nn::GroupNorm*>(&m)) return std::make_unique<NormKernel>(m, Kind::group);
  if (dynamic_cast<nn::NormBase*>(&m)) {
    return std::make_unique<NormKernel>(m, type.starts_with("BatchNorm") ? Kind::batch : Kind::instance);
  }
  return nullptr;
}

}  // namespace nninit::engine::detail
