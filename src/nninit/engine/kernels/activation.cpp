// Element-wise activations: y = f(x), dx = f'(x) dy, with PyTorch's formulas and its choices at the kinks
// (ReLU's gradient at 0 is 0; Hardtanh's is 0 at both bounds; ...), computed in float as ATen's CPU kernels
// do. Each function is a small struct; ElementwiseKernel runs it over the tensor without virtual calls.
#include <cmath>

#include "nninit/engine/kernels/kernel_support.h"
#include "nninit/nn/activation.h"

namespace nninit::engine::detail {
namespace {

float sigmoid(float x) {
  return 1.0f / (1.0f + std::exp(-x));
}

struct Relu {
  float forward(float x) const { return x > 0.0f || std::isnan(x) ? x : 0.0f; }
  float backward(float, float y, float g) const { return y > 0.0f ? g : 0.0f; }
};
struct Hardtanh {  // also ReLU6 (Hardtanh(0, 6) in PyTorch)
  float min_val, max_val;
  float forward(float x) const { return x < min_val ? min_val : (x > max_val ? max_val : x); }
  float backward(float x, float, float g) const { return x <= min_val || x >= max_val ? 0.0f : g; }
};
struct LeakyRelu {  // also RReLU in eval mode, with slope (lower + upper) / 2
  float slope;
  float forward(float x) const { return x > 0.0f ? x : x * slope; }
  float backward(float x, float, float g) const { return x > 0.0f ? g : g * slope; }
};
// ATen's elu(x, alpha, scale, input_scale): ELU (alpha, 1, 1), CELU (alpha, 1, 1/alpha), SELU.
struct Elu {
  float alpha, scale, input_scale;
  float forward(float x) const { return x > 0.0f ? x * scale : std::expm1(x * input_scale) * alpha * scale; }
  float backward(float x, float, float g) const {
    return x <= 0.0f ? g * input_scale * alpha * scale * std::exp(x * input_scale) : g * scale;
  }
};
struct Gelu {
  float forward(float x) const { return x * 0.5f * (1.0f + std::erf(x * static_cast<float>(M_SQRT1_2))); }
  float backward(float x, float, float g) const {
    constexpr float kAlpha = static_cast<float>(M_2_SQRTPI * M_SQRT1_2 * 0.5);
    const float cdf = 0.5f * (1.0f + std::erf(x * static_cast<float>(M_SQRT1_2)));
    const float pdf = kAlpha * std::exp(-0.5f * x * x);
    return g * (cdf + x * pdf);
  }
};
struct GeluTanh {
  static constexpr float kBeta = static_cast<float>(M_SQRT2 * M_2_SQRTPI * 0.5);
  static constexpr float kKappa = 0.044715f;
  float forward(float x) const {
    const float inner = kBeta * (x + kKappa * x * x * x);
    return 0.5f * x * (1.0f + std::tanh(inner));
  }
  float backward(float x, float, float g) const {
    const float inner = kBeta * (x + kKappa * x * x * x);
    const float t = std::tanh(inner);
    const float left_derivative = 0.5f * (1.0f + t);
    const float right_derivative = 0.5f * x * (1.0f - t * t) * kBeta * (1.0f + 3.0f * kKappa * x * x);
    return g * (left_derivative + right_derivative);
  }
};
struct Silu {
  float forward(float x) const { return x / (1.0f + std::exp(-x)); }
  float backward(float x, float, float g) const {
    const float s = sigmoid(x);
    return g * s * (1.0f + x * (1.0f - s));
  }
};
struct Mish {
  float forward(float x) const { return x * std::tanh(std::log1p(std::exp(x))); }
  float backward(float x, float, float g) const {
    const float t = std::tanh(std::log1p(std::exp(x)));
    return g * (t + x * sigmoid(x) * (1.0f - t * t));
  }
};
struct Sigmoid {
  float forward(float x) const { return sigmoid(x); }
  float backward(float, float y, float g) const { return g * (1.0f - y) * y; }
};
struct Tanh {
  float forward(float x) const { return std::tanh(x); }
  float backward(float, float y, float g) const { return g * (1.0f - y * y); }
};
struct Hardswish {
  float forward(float x) const { return x * std::min(std::max(x + 3.0f, 0.0f), 6.0f) / 6.0f; }
  float backward(float x, float, float g) const {
    if (x < -3.0f) return 0.0f;
    return x <= 3.0f ? g * (x / 3.0f + 0.5f) : g;
  }
};
struct Hardsigmoid {
  float forward(float x) const { return std::min(std::max(x + 3.0f, 0.0f), 6.0f) / 6.0f; }
  float backward(float x, float, float g) const { return x > -3.0f && x < 3.0f ? g / 6.0f : 0.0f; }
};
struct Softplus {
  float beta, threshold;
  float forward(float x) const { return x * beta > threshold ? x : std::log1p(std::exp(x * beta)) / beta; }
  float backward(float x, float, float g) const {
    const float z = std::exp(x * beta);
    return x * beta > threshold ? g : g * z / (z + 1.0f);
  }
};
struct Softsign {
  float forward(float x) const { return x / (std::fabs(x) + 1.0f); }
  float backward(float x, float, float g) const {
    const float d = std::fabs(x) + 1.0f;
    return g / (d * d);
  }
};
struct Tanhshrink {
  float forward(float x) const { return x - std::tanh(x); }
  float backward(float x, float, float g) const {
    const float t = std::tanh(x);
    return g * t * t;
  }
};
struct Threshold {
  float threshold, value;
  float forward(float x) const { return x <= threshold ? value : x; }
  float backward(float x, float, float g) const { return x <= threshold ? 0.0f : g; }
};
struct Hardshrink {
  float lambd;
  float forward(float x) const { return x >= -lambd && x <= lambd ? 0.0f : x; }
  float backward(float x, float, float g) const { return x >= -lambd && x <= lambd ? 0.0f : g; }
};
struct Softshrink {
  float lambd;
  float forward(float x) const { return x > lambd ? x - lambd : (x < -lambd ? x + lambd : 0.0f); }
  float backward(float x, float, float g) const { return x >= -lambd && x <= lambd ? 0.0f : g; }
};
struct LogSigmoid {
  float forward(float x) const { return std::min(x, 0.0f) - std::log1p(std::exp(-std::fabs(x))); }
  float backward(float x, float, float g) const {
    const bool negative = x < 0.0f;
    const float z = std::exp(-std::fabs(x));
    return g * ((negative ? 1.0f : 0.0f) - (negative ? 1.0f : -1.0f) * (z / (1.0f + z)));
  }
};

template <class F>
class ElementwiseKernel : public Kernel {
 public:
  ElementwiseKernel(const nn::Module& module, F f) : module_(module), f_(f) {}

  std::vector<Tensor> forward(const std::vector<Tensor>& inputs, ForwardContext&) override {
    check_input_count(module_, inputs, 1, 1);
    x_ = float_input(module_, inputs, 0);
    y_ = empty(x_.sizes());
    const float* x = data(x_);
    float* y = data(y_);
    const std::int64_t n = x_.numel();
    for (std::int64_t i = 0; i < n; ++i) y[i] = f_.forward(x[i]);
    return {y_};
  }

  std::vector<Tensor> backward(const std::vector<Tensor>& grad_outputs, BackwardContext&) const override {
    Tensor dx = empty(x_.sizes());
    const float* x = data(x_);
    const float* y = data(y_);
    const float* g = data(grad_outputs[0]);
    float* d = data(dx);
    const std::int64_t n = x_.numel();
    for (std::int64_t i = 0; i < n; ++i) d[i] = f_.backward(x[i], y[i], g[i]);
    return {dx};
  }

 private:
  const nn::Module& module_;
  F f_;
  Tensor x_, y_;
};

template <class F>
std::unique_ptr<Kernel> elementwise(const nn::Module& module, F f) {
  return std::make_unique<ElementwiseKernel<F>>(module, f);
}

float to_float(double v) {
  return static_cast<float>(v);
}

}  // namespace

std::unique_ptr<Kernel> make_activation_kernel(nn::Module& m) {
  // SELU's constants, as ATen writes them.
  constexpr float kSeluAlpha = 1.6732632423543772848170429916717f;
  constexpr float kSeluScale = 1.0507009873554804934193349852946f;
  if (dynamic_cast<nn::ReLU*>(&m)) return elementwise(m, Relu{});
  if (dynamic_cast<nn::ReLU6*>(&m)) return elementwise(m, Hardtanh{0.0f, 6.0f});
  if (auto* a = dynamic_cast<nn::Hardtanh*>(&m)) {
    return elementwise(m, Hardtanh{to_float(a->options().min_val), to_float(a->options().max_val)});
  }
  if (auto* a = dynamic_cast<nn::LeakyReLU*>(&m))
    return elementwise(m, LeakyRelu{to_float(a->options().negative_slope)});
  if (auto* a = dynamic_cast<nn::ELU*>(&m))
    return elementwise(m, Elu{to_float(a->options().alpha), 1.0f, 1.0f});
  if (auto* a = dynamic_cast<nn::CELU*>(&m)) {
    const float alpha = to_float(a->options().alpha);
    return elementwise(m, Elu{alpha, 1.0f, 1.0f / alpha});
  }
  if (dynamic_cast<nn::SELU*>(&m)) return elementwise(m, Elu{kSeluAlpha, kSeluScale, 1.0f});
  if (auto* a = dynamic_cast<nn::GELU*>(&m)) {
    if (a->options().approximate == nn::GELUApproximate::tanh) return elementwise(m, GeluTanh{});
    return elementwise(m, Gelu{});
  }
  if (dynamic_cast<nn::SiLU*>(&m)) return elementwise(m, Silu{});
  if (dynamic_cast<nn::Mish*>(&m)) return elementwise(m, Mish{});
  if (dynamic_cast<nn::Sigmoid*>(&m)) return elementwise(m, Sigmoid{});
  if (dynamic_cast<nn::Tanh*>(&m)) return elementwise(m, Tanh{});
  if (dynamic_cast<nn::Hardswish*>(&m)) return elementwise(m, Hardswish{});
  if (dynamic_cast<nn::Hardsigmoid*>(&m)) return elementwise(m, Hardsigmoid{});
  if (auto* a = dynamic_cast<nn::Softplus*>(&m)) {
    return elementwise(m, Softplus{to_float(a->options().beta), to_float(a->options().threshold)});
  }
  if (dynamic_cast<nn::Softsign*>(&m)) return elementwise(m, Softsign{});
  if (dynamic_cast<nn::Tanhshrink*>(&m)) return elementwise(m, Tanhshrink{});
  if (auto* a = dynamic_cast<nn::Threshold*>(&m)) {
    return elementwise(m, Threshold{to_float(a->options().threshold), to_float(a->options().value)});
  }
  if (auto* a = dynamic_cast<nn::Hardshrink*>(&m))
    return elementwise(m, Hardshrink{to_float(a->options().lambd)});
  if (auto* a = dynamic_cast<nn::Softshrink*>(&m))
    return elementwise(m, Softshrink{to_float(a->options().lambd)});
  if (dynamic_cast<nn::LogSigmoid*>(&m)) return elementwise(m, LogSigmoid{});
  if (auto* a = dynamic_cast<nn::RReLU*>(&m); a && !a->is_training()) {
    return elementwise(m, LeakyRelu{to_float((a->options().lower + a->options().upper) / 2.0)});
  }
  return nullptr;
}

// The functional activations of the Transformer layers (activation='relu' / 'gelu').
std::unique_ptr<Kernel> make_function_kernel(const nn::Module& owner, bool gelu) {
  if (gelu) return elementwise(owner, Gelu{});
  return elementwise(owner, Relu{});
}

}  // namespace nninit::engine::detail
