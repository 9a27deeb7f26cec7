#include "nninit/engine/kernel.h"

#include <algorithm>

#include <fmt/format.h>

#include "nninit/core/error.h"
#include "nninit/engine/buffer_pool.h"
#include "nninit/engine/kernels/kernel_support.h"

namespace nninit::engine {
namespace detail {

Tensor empty(Shape sizes) {
  return pooled_empty(std::move(sizes));
}
Tensor zeros(Shape sizes) {
  Tensor t = pooled_empty(std::move(sizes));
  std::fill_n(data(t), t.numel(), 0.0f);
  return t;
}

Tensor to_float32(const Tensor& t) {
  if (t.dtype() == DType::float32 && t.is_contiguous()) return t;
  Tensor out = empty(t.sizes());
  out.copy_(t);
  return out;
}

std::int64_t wrap_dim(std::int64_t dim, std::int64_t ndim) {
  const std::int64_t n = ndim == 0 ? 1 : ndim;
  if (dim < -n || dim >= n) {
    throw IndexError(fmt::format("Dimension out of range (expected to be in range of [{}, {}], but got {})",
                                 -n, n - 1, dim));
  }
  return dim < 0 ? dim + n : dim;
}

void check_input_count(const nn::Module& module, const std::vector<Tensor>& inputs, std::size_t min,
                       std::size_t max) {
  if (inputs.size() >= min && inputs.size() <= max) return;
  const std::string expected = min == max ? fmt::format("{}", min) : fmt::format("{} to {}", min, max);
  throw TypeError(
      fmt::format("{}: forward takes {} input(s), got {}", module.type_name(), expected, inputs.size()));
}

Tensor float_input(const nn::Module& module, const std::vector<Tensor>& inputs, std::size_t index) {
  const Tensor& t = inputs.at(index);
  if (!t.defined()) throw TypeError(fmt::format("{}: input {} is None", module.type_name(), index));
  if (!is_floating_point(t.dtype())) {
    throw TypeError(fmt::format("{}: expected a floating-point input, got {}", module.type_name(),
                                dtype_name(t.dtype())));
  }
  return to_float32(t);
}

void check_dims(const nn::Module& module, const Tensor& input, std::int64_t min_dim, std::int64_t max_dim) {
  if (input.dim() >= min_dim && input.dim() <= max_dim) return;
  const std::string expected =
      min_dim == max_dim ? fmt::format("{}D", min_dim) : fmt::format("{}D to {}D", min_dim, max_dim);
  throw RuntimeError(fmt::format("{}: Expected {} input, but got input of size: {}", module.type_name(),
                                 expected, shape_string(input.sizes())));
}

DimSplit split_at(const Shape& sizes, std::int64_t dim) {
  DimSplit s;
  for (std::int64_t i = 0; i < static_cast<std::int64_t>(sizes.size()); ++i) {
    const std::int64_t n = sizes[static_cast<std::size_t>(i)];
    if (i < dim) s.outer *= n;
    if (i == dim) s.size = n;
    if (i > dim) s.inner *= n;
  }
  return s;
}

Shape expand_sizes(const Shape& given, std::size_t dims) {
  if (given.size() == dims) return given;
  return Shape(dims, given.empty() ? 0 : given[0]);
}

void add_into(const Tensor& a, const Tensor& b) {
  float* pa = data(a);
  const float* pb = data(b);
  const std::int64_t n = a.numel();
  for (std::int64_t i = 0; i < n; ++i) pa[i] += pb[i];
}

}  // namespace detail

namespace {

class AddKernel : public Kernel {
 public:
  std::vector<Tensor> forward(const std::vector<Tensor>& inputs, ForwardContext&) override {
    const Tensor& a = inputs.at(0);
    const Tensor& b = inputs.at(1);
    if (a.sizes() != b.sizes()) {
      throw RuntimeError(
          fmt::format("add: shapes {} and {} differ", shape_string(a.sizes()), shape_string(b.sizes())));
    }
    Tensor out = a.clone();
    detail::add_into(out, b);
    return {out};
  }
  std::vector<Tensor> backward(const std::vector<Tensor>& grad_outputs, BackwardContext&) const override {
    return {grad_outputs[0], grad_outputs[0]};
  }
};

}  // namespace

std::unique_ptr<Kernel> make_kernel(nn::Module& module) {
  using Factory = std::unique_ptr<Kernel> (*)(nn::Module&);
  static constexpr Factory families[] = {
      detail::make_linear_kernel,     detail::make_embedding_kernel, detail::make_conv_kernel,
      detail::make_activation_kernel, detail::make_softmax_kernel,   detail::make_norm_kernel,
      detail::make_pool_kernel,       detail::make_shape_kernel,     detail::make_rearrange_kernel,
      detail::make_recurrent_kernel,  detail::make_attention_kernel};
  for (Factory family : families) {
    if (auto kernel = family(module)) return kernel;
  }
  return nullptr;
}

std::unique_ptr<Kernel> make_add_kernel() {
  return std::make_unique<AddKernel>();
}

}  // namespace nninit::engine
