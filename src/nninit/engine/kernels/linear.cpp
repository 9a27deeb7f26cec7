// Linear and Bilinear.
//
//   Linear:    x (R, in) -> y = x W^T + b (R, out); R = all leading dimensions together
//   Bilinear:  x1 (R, in1), x2 (R, in2) -> y[r, o] = sum_ij x1[r, i] W[o, i, j] x2[r, j] + b[o]
#include <fmt/format.h>

#include "nninit/core/error.h"
#include "nninit/engine/kernels/kernel_support.h"
#include "nninit/engine/ops/gemm.h"
#include "nninit/nn/linear.h"

namespace nninit::engine::detail {
namespace {

void check_last_dim(const nn::Module& module, const Tensor& x, std::int64_t features, const char* what) {
  const std::int64_t got = x.dim() == 0 ? 1 : x.size(-1);
  if (got != features) {
    throw RuntimeError(fmt::format("{}: expected {} of size {} in the last dimension, got input of size {}",
                                   module.type_name(), what, features, shape_string(x.sizes())));
  }
}

// The number of rows R: the product of all dimensions but the last.
std::int64_t leading_rows(const Tensor& x) {
  return x.dim() == 0 ? 1 : shape_numel(Shape(x.sizes().begin(), x.sizes().end() - 1));
}

Shape with_last(const Shape& sizes, std::int64_t last) {
  Shape out = sizes;
  if (out.empty()) return {last};
  out.back() = last;
  return out;
}

// Adds column sums of dy (rows x n) to grad (n).
Tensor column_sums(const float* dy, std::int64_t rows, std::int64_t n) {
  Tensor out = zeros({n});
  float* s = data(out);
  for (std::int64_t r = 0; r < rows; ++r) {
    for (std::int64_t j = 0; j < n; ++j) s[j] += dy[r * n + j];
  }
  return out;
}

class LinearKernel : public Kernel {
 public:
  explicit LinearKernel(const nn::Linear& module) : module_(module) {}

  std::vector<Tensor> forward(const std::vector<Tensor>& inputs, ForwardContext& context) override {
    check_input_count(module_, inputs, 1, 1);
    x_ = float_input(module_, inputs, 0);
    const std::int64_t in = module_.options().in_features;
    const std::int64_t out = module_.options().out_features;
    check_last_dim(module_, x_, in, "input");
    weight_ = context.parameter(module_, "weight");
    const Tensor bias = context.parameter(module_, "bias");
    has_bias_ = bias.defined();
    rows_ = leading_rows(x_);
    Tensor y = empty(with_last(x_.sizes(), out));
    gemm(Transpose::no, Transpose::yes, rows_, out, in, 1.0f, data(x_), in, data(weight_), in, 0.0f, data(y),
         out);
    if (has_bias_) {
      float* py = data(y);
      const float* b = data(bias);
      for (std::int64_t r = 0; r < rows_; ++r) {
        for (std::int64_t j = 0; j < out; ++j) py[r * out + j] += b[j];
      }
    }
    return {y};
  }

  std::vector<Tensor> backward(const std::vector<Tensor>& grad_outputs,
                               BackwardContext& context) const override {
    const std::int64_t in = module_.options().in_features;
    const std::int64_t out = module_.options().out_features;
    const float* dy = data(grad_outputs[0]);
    Tensor dx = empty(x_.sizes());
    gemm(Transpose::no, Transpose::no, rows_, in, out, 1.0f, dy, out, data(weight_), in, 0.0f, data(dx), in);
    Tensor dw = empty({out, in});
    gemm(Transpose::yes, Transpose::no, out, in, rows_, 1.0f, dy, out, data(x_), in, 0.0f, data(dw), in);
    context.accumulate(module_, "weight", dw);
    if (has_bias_) context.accumulate(module_, "bias", column_sums(dy, rows_, out));
    return {dx};
  }

 private:
  const nn::Linear& module_;
  Tensor x_, weight_;
  std::int64_t rows_ = 0;
  bool has_bias_ = false;
};

// Shape legend: R rows, I = in1, J = in2, O = out; A (I, O*J) is the weight with its first two axes swapped,
// so that M = x1 A (R, O*J) and y[r, o] = sum_j M[r, o, j] x2[r, j].
class BilinearKernel : public Kernel {
 public:
  explicit BilinearKernel(const nn::Bilinear& module) : module_(module) {}

  std::vector<Tensor> forward(const std::vector<Tensor>& inputs, ForwardContext& context) override {
    check_input_count(module_, inputs, 2, 2);
    const auto& o = module_.options();
    x1_ = float_input(module_, inputs, 0);
    x2_ = float_input(module_, inputs, 1);
    check_last_dim(module_, x1_, o.in1_features, "input1");
    check_last_dim(module_, x2_, o.in2_features, "input2");
    if (Shape(x1_.sizes().begin(), x1_.sizes().end() - 1) !=
        Shape(x2_.sizes().begin(), x2_.sizes().end() - 1)) {
      throw RuntimeError(
          fmt::format("{}: input1 and input2 must have the same leading dimensions, got {} and {}",
                      module_.type_name(), shape_string(x1_.sizes()), shape_string(x2_.sizes())));
    }
    const std::int64_t I = o.in1_features, J = o.in2_features, O = o.out_features;
    rows_ = leading_rows(x1_);
    const Tensor weight = context.parameter(module_, "weight");
    a_ = empty({I, O * J});
    const float* w = data(weight);
    float* a = data(a_);
    for (std::int64_t oo = 0; oo < O; ++oo)
      for (std::int64_t i = 0; i < I; ++i)
        for (std::int64_t j = 0; j < J; ++j) a[i * O * J + oo * J + j] = w[(oo * I + i) * J + j];
    m_ = empty({rows_, O * J});
    gemm(Transpose::no, Transpose::no, rows_, O * J, I, 1.0f, data(x1_), I, a, O * J, 0.0f, data(m_), O * J);
    Tensor y = empty(with_last(x1_.sizes(), O));
    const Tensor bias = context.parameter(module_, "bias");
    has_bias_ = bias.defined();
    const float* m = data(m_);
    const float* x2 = data(x2_);
    float* py = data(y);
    for (std::int64_t r = 0; r < rows_; ++r) {
      for (std::int64_t oo = 0; oo < O; ++oo) {
        float s = 0.0f;
        for (std::int64_t j = 0; j < J; ++j) s += m[(r * O + oo) * J + j] * x2[r * J + j];
        py[r * O + oo] = s + (has_bias_ ? data(bias)[oo] : 0.0f);
      }
    }
    return {y};
  }

  std::vector<Tensor> backward(const std::vector<Tensor>& grad_outputs,
                               BackwardContext& context) const override {
    const auto& o = module_.options();
    const std::int64_t I = o.in1_features, J = o.in2_features, O = o.out_features;
    const float* dy = data(grad_outputs[0]);
    const float* m = data(m_);
    const float* x2 = data(x2_);
    Tensor dm = empty({rows_, O * J});
    Tensor dx2 = zeros(x2_.sizes());
    float* pdm = data(dm);
    float* pdx2 = data(dx2);
    for (std::int64_t r = 0; r < rows_; ++r) {
      for (std::int64_t oo = 0; oo < O; ++oo) {
        const float g = dy[r * O + oo];
        for (std::int64_t j = 0; j < J; ++j) {
          pdm[(r * O + oo) * J + j] = g * x2[r * J + j];
          pdx2[r * J + j] += g * m[(r * O + oo) * J + j];
        }
      }
    }
    Tensor dx1 = empty(x1_.sizes());
    gemm(Transpose::no, Transpose::yes, rows_, I, O * J, 1.0f, pdm, O * J, data(a_), O * J, 0.0f, data(dx1),
         I);
    Tensor da = empty({I, O * J});
    gemm(Transpose::yes, Transpose::no, I, O * J, rows_, 1.0f, data(x1_), I, pdm, O * J, 0.0f, data(da),
         O * J);
    Tensor dw = empty({O, I, J});
    const float* pda = data(da);
    float* pdw = data(dw);
    for (std::int64_t oo = 0; oo < O; ++oo)
      for (std::int64_t i = 0; i < I; ++i)
        for (std::int64_t j = 0; j < J; ++j) pdw[(oo * I + i) * J + j] = pda[i * O * J + oo * J + j];
    context.accumulate(module_, "weight", dw);
    if (has_bias_) context.accumulate(module_, "bias", column_sums(dy, rows_, O));
    return {dx1, dx2};
  }

 private:
  const nn::Bilinear& module_;
  Tensor x1_, x2_, a_, m_;
  std::int64_t rows_ = 0;
  bool has_bias_ = false;
};

}  // namespace

std::unique_ptr<Kernel> make_linear_kernel(nn::Module& module) {
  if (auto* linear = dynamic_cast<nn::Linear*>(&module)) return std::make_unique<LinearKernel>(*linear);
  if (auto* bilinear = dynamic_cast<nn::Bilinear*>(&module))
    return std::make_unique<BilinearKernel>(*bilinear);
  return nullptr;
}

}  // namespace nninit::engine::detail
