// Activations that are not element-wise or that carry state: Softmax, LogSoftmax, Softmin, Softmax2d and
// GLU (along a dimension), PReLU (a learned slope per channel) and RReLU in train mode (random slopes).
#include <cmath>

#include <fmt/format.h>

#include "nninit/core/error.h"
#include "nninit/engine/dropout_mask.h"
#include "nninit/engine/kernels/kernel_support.h"
#include "nninit/nn/activation.h"

namespace nninit::engine::detail {
namespace {

enum class SoftmaxKind { softmax, log_softmax, softmin };

// PyTorch's _get_softmax_dim for dim=None: 0 for 0-, 1- and 3-D inputs, else 1.
std::int64_t legacy_softmax_dim(std::int64_t ndim) {
  return ndim == 0 || ndim == 1 || ndim == 3 ? 0 : 1;
}

class SoftmaxKernel : public Kernel {
 public:
  SoftmaxKernel(const nn::Module& module, SoftmaxKind kind, std::optional<std::int64_t> dim)
      : module_(module), kind_(kind), dim_(dim) {}

  std::vector<Tensor> forward(const std::vector<Tensor>& inputs, ForwardContext&) override {
    check_input_count(module_, inputs, 1, 1);
    const Tensor x = float_input(module_, inputs, 0);
    if (module_.type_name() == "Softmax2d" && x.dim() != 3 && x.dim() != 4) {
      throw AssertionError(fmt::format("Softmax2d: expected input to be 3D or 4D, got {}D instead", x.dim()));
    }
    split_ = split_at(x.sizes(), wrap_dim(dim_.value_or(legacy_softmax_dim(x.dim())), x.dim()));
    y_ = empty(x.sizes());
    const float sign = kind_ == SoftmaxKind::softmin ? -1.0f : 1.0f;
    const auto [outer, size, inner] = split_;
    const float* px = data(x);
    float* py = data(y_);
    for (std::int64_t o = 0; o < outer; ++o) {
      for (std::int64_t i = 0; i < inner; ++i) {
        const std::int64_t base = o * size * inner + i;
        float max = -INFINITY;
        for (std::int64_t k = 0; k < size; ++k) max = std::max(max, sign * px[base + k * inner]);
        float sum = 0.0f;
        for (std::int64_t k = 0; k < size; ++k) {
          const float e = std::exp(sign * px[base + k * inner] - max);
          py[base + k * inner] = e;
          sum += e;
        }
        if (kind_ == SoftmaxKind::log_softmax) {
          const float log_sum = std::log(sum);
          for (std::int64_t k = 0; k < size; ++k) py[base + k * inner] = px[base + k * inner] - max - log_sum;
        } else {
          for (std::int64_t k = 0; k < size; ++k) py[base + k * inner] /= sum;
        }
      }
    }
    return {y_};
  }

  std::vector<Tensor> backward(const std::vector<Tensor>& grad_outputs, BackwardContext&) const override {
    Tensor dx = empty(y_.sizes());
    const auto [outer, size, inner] = split_;
    const float* y = data(y_);
    const float* g = data(grad_outputs[0]);
    float* d = data(dx);
    for (std::int64_t o = 0; o < outer; ++o) {
      for (std::int64_t i = 0; i < inner; ++i) {
        const std::int64_t base = o * size * inner + i;
        float sum = 0.0f;
        if (kind_ == SoftmaxKind::log_softmax) {
          for (std::int64_t k = 0; k < size; ++k) sum += g[base + k * inner];
          for (std::int64_t k = 0; k < size; ++k) {
            const std::int64_t j = base + k * inner;
            d[j] = g[j] - std::exp(y[j]) * sum;
          }
          continue;
        }
        for (std::int64_t k = 0; k < size; ++k) sum += g[base + k * inner] * y[base + k * inner];
        const float sign = kind_ == SoftmaxKind::softmin ? -1.0f : 1.0f;
        for (std::int64_t k = 0; k < size; ++k) {
          const std::int64_t j = base + k * inner;
          d[j] = sign * y[j] * (g[j] - sum);
        }
      }
    }
    return {dx};
  }

 private:
  const nn::Module& module_;
  SoftmaxKind kind_;
  std::optional<std::int64_t> dim_;
  DimSplit split_;
  Tensor y_;
};

// GLU: a * sigmoid(b) where (a, b) are the two halves of the input along dim.
class GluKernel : public Kernel {
 public:
  GluKernel(const nn::GLU& module) : module_(module) {}

  std::vector<Tensor> forward(const std::vector<Tensor>& inputs, ForwardContext&) override {
    check_input_count(module_, inputs, 1, 1);
    x_ = float_input(module_, inputs, 0);
    if (x_.dim() == 0) throw RuntimeError("glu does not support scalars because halving size must be even");
    const std::int64_t dim = wrap_dim(module_.options().dim, x_.dim());
    split_ = split_at(x_.sizes(), dim);
    if (split_.size % 2 != 0) {
      throw RuntimeError(
          fmt::format("Halving dimension must be even, but dimension {} is size {}", dim, split_.size));
    }
    Shape out_shape = x_.sizes();
    out_shape[static_cast<std::size_t>(dim)] /= 2;
    Tensor y = empty(out_shape);
    const float* x = data(x_);
    float* py = data(y);
    visit([&](std::int64_t a, std::int64_t b, std::int64_t out) {
      py[out] = x[a] * (1.0f / (1.0f + std::exp(-x[b])));
    });
    return {y};
  }

  std::vector<Tensor> backward(const std::vector<Tensor>& grad_outputs, BackwardContext&) const override {
    Tensor dx = empty(x_.sizes());
    const float* g = data(grad_outputs[0]);
    const float* x = data(x_);
    float* d = data(dx);
    visit([&](std::int64_t a, std::int64_t b, std::int64_t out) {
      const float s = 1.0f / (1.0f + std::exp(-x[b]));
      d[a] = g[out] * s;
      d[b] = g[out] * x[a] * s * (1.0f - s);
    });
    return {dx};
  }

 private:
  template <class F>
  void visit(F&& f) const {  // f(index of a, index of b, output index)
    const auto [outer, size, inner] = split_;
    const std::int64_t half = size / 2;
    for (std::int64_t o = 0; o < outer; ++o)
      for (std::int64_t k = 0; k < half; ++k)
        for (std::int64_t i = 0; i < inner; ++i) {
          const std::int64_t a = (o * size + k) * inner + i;
          f(a, a + half * inner, (o * half + k) * inner + i);
        }
  }

  const nn::GLU& module_;
  DimSplit split_;
  Tensor x_;
};

// PReLU: y = x if x > 0 else w[c] x, where c is the index along dim 1 (or w has one element).
class PReluKernel : public Kernel {
 public:
  PReluKernel(const nn::PReLU& module) : module_(module) {}

  std::vector<Tensor> forward(const std::vector<Tensor>& inputs, ForwardContext& context) override {
    check_input_count(module_, inputs, 1, 1);
    x_ = float_input(module_, inputs, 0);
    weight_ = context.parameter(module_, "weight");
    const std::int64_t count = weight_.numel();
    const std::int64_t channels = x_.dim() >= 2 ? x_.size(1) : 1;
    if (count != 1 && count != channels) {
      throw RuntimeError(
          fmt::format("Mismatch of parameter numbers and input channel size. Found parameter "
                      "numbers = {} and channel size = {}.",
                      count, channels));
    }
    split_ = count == 1 ? DimSplit{1, 1, x_.numel()} : split_at(x_.sizes(), 1);
    Tensor y = empty(x_.sizes());
    const float* x = data(x_);
    float* py = data(y);
    visit([&](std::int64_t j, float w) { py[j] = x[j] > 0.0f ? x[j] : w * x[j]; });
    return {y};
  }

  std::vector<Tensor> backward(const std::vector<Tensor>& grad_outputs,
                               BackwardContext& context) const override {
    Tensor dx = empty(x_.sizes());
    Tensor dw = zeros(weight_.sizes());
    const float* g = data(grad_outputs[0]);
    const bool shared = weight_.numel() == 1;
    const float* px = data(x_);
    float *pdx = data(dx), *pdw = data(dw);
    visit([&](std::int64_t j, float w) {
      const float x = px[j];
      pdx[j] = x > 0.0f ? g[j] : w * g[j];
      if (x <= 0.0f) pdw[shared ? 0 : channel_of(j)] += x * g[j];
    });
    context.accumulate(module_, "weight", dw);
    return {dx};
  }

 private:
  std::int64_t channel_of(std::int64_t j) const { return (j / split_.inner) % split_.size; }
  template <class F>
  void visit(F&& f) const {
    const float* w = data(weight_);
    const bool shared = weight_.numel() == 1;
    for (std::int64_t o = 0; o < split_.outer; ++o)
      for (std::int64_t c = 0; c < split_.size; ++c)
        for (std::int64_t i = 0; i < split_.inner; ++i) {
          f((o * split_.size + c) * split_.inner + i, w[shared ? 0 : c]);
        }
  }

  const nn::PReLU& module_;
  DimSplit split_;
  Tensor x_, weight_;
};

// RReLU in train mode: a negative x is multiplied by a slope drawn from U(lower, upper) per element
// (dropout_mask.h); the gradient uses the same slopes. (Eval mode is a LeakyReLU, kernels_activation.cpp.)
class RReluTrainKernel : public Kernel {
 public:
  RReluTrainKernel(const nn::RReLU& module) : module_(module) {}

  std::vector<Tensor> forward(const std::vector<Tensor>& inputs, ForwardContext& context) override {
    check_input_count(module_, inputs, 1, 1);
    const Tensor x = float_input(module_, inputs, 0);
    const std::uint64_t key = context.next_random_key();
    const float lower = static_cast<float>(module_.options().lower);
    const float upper = static_cast<float>(module_.options().upper);
    noise_ = empty(x.sizes());
    Tensor y = empty(x.sizes());
    const float* px = data(x);
    float *noise = data(noise_), *py = data(y);
    for (std::int64_t i = 0, n = x.numel(); i < n; ++i) {
      const float v = px[i];
      const float slope =
          v <= 0.0f ? lower + (upper - lower) * mask_uniform(key, static_cast<std::uint64_t>(i)) : 1.0f;
      noise[i] = slope;
      py[i] = v * slope;
    }
    return {y};
  }

  std::vector<Tensor> backward(const std::vector<Tensor>& grad_outputs, BackwardContext&) const override {
    Tensor dx = empty(noise_.sizes());
    const float *g = data(grad_outputs[0]), *noise = data(noise_);
    float* d = data(dx);
    for (std::int64_t i = 0, n = dx.numel(); i < n; ++i) d[i] = g[i] * noise[i];
    return {dx};
  }

 private:
  const nn::RReLU& module_;
  Tensor noise_;
};

}  // namespace

std::unique_ptr<Kernel> make_softmax_kernel(nn::Module& m) {
  if (auto* a = dynamic_cast<nn::Softmax*>(&m))
    return std::make_unique<SoftmaxKernel>(m, SoftmaxKind::softmax, a->options().dim);
  if (auto* a = dynamic_cast<nn::LogSoftmax*>(&m)) {
    return std::make_unique<SoftmaxKernel>(m, SoftmaxKind::log_softmax, a->options().dim);
  }
  if (auto* a = dynamic_cast<nn::Softmin*>(&m))
    return std::make_unique<SoftmaxKernel>(m, SoftmaxKind::softmin, a->options().dim);
  if (dynamic_cast<nn::Softmax2d*>(&m)) return std::make_unique<SoftmaxKernel>(m, SoftmaxKind::softmax, -3);
  if (auto* a = dynamic_cast<nn::GLU*>(&m)) return std::make_unique<GluKernel>(*a);
  if (auto* a = dynamic_cast<nn::PReLU*>(&m)) return std::make_unique<PReluKernel>(*a);
  if (auto* a = dynamic_cast<nn::RReLU*>(&m); a && a->is_training())
    return std::make_unique<RReluTrainKernel>(*a);
  return nullptr;
}

}  // namespace nninit::engine::detail
