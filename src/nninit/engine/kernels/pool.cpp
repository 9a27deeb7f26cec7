// Pooling: MaxPool, AvgPool, AdaptiveAvgPool and AdaptiveMaxPool in 1, 2 and 3 dimensions, on (N, C,
// *spatial) or unbatched (C, *spatial) inputs; every leading dimension is a separate plane. Windows and
// output sizes are ATen's CPU ones:
//
//   output size   floor((in + 2p - d(k - 1) - 1 + (ceil_mode ? s - 1 : 0)) / s) + 1, minus 1 when ceil_mode
//                 would start the last window at or past the input plus the left padding
//   max           the first window element holding the maximum wins (val > max || isnan(val)), scanning
//                 the window row-major; the gradient goes to it alone
//   avg           sum / divisor, divisor = divisor_override, or the window clipped to the padded input
//                 (count_include_pad), or clipped to the input
//   adaptive      window i along a dimension: [floor(i * in / out), ceil((i + 1) * in / out))
#include <array>
#include <cmath>

#include <fmt/format.h>

#include "nninit/core/error.h"
#include "nninit/engine/kernels/kernel_support.h"
#include "nninit/nn/pooling.h"

namespace nninit::engine::detail {
namespace {

// The taps of one output position along one dimension.
struct Window {
  std::int64_t begin = 0, end = 1, step = 1;  // valid input positions begin, begin + step, ... < end
  std::int64_t divisor = 1;                   // avg: this dimension's factor of the divisor
};

enum class Kind { max, avg, adaptive_avg, adaptive_max };

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

std::int64_t pooled_size(std::int64_t in, std::int64_t k, std::int64_t p, std::int64_t s, std::int64_t d,
                         bool ceil) {
  // The sizes come from a model's arguments and may be as large as int64 allows: a step past it is an
  // error, never a wrapped size.
  std::int64_t reach = 0;
  std::int64_t span = 0;
  if (__builtin_mul_overflow(d, k - 1, &reach) || __builtin_add_overflow(in, 2 * p, &span) ||
      __builtin_sub_overflow(span, reach, &span) || __builtin_add_overflow(span, ceil ? s - 2 : -1, &span)) {
    throw RuntimeError("pooling: the calculated output size is out of the range of a 64-bit integer");
  }
  std::int64_t out = floor_div(span, s) + 1;
  if (ceil && (out - 1) * s >= in + p) --out;
  return out;
}

class PoolKernel : public Kernel {
 public:
  PoolKernel(const nn::Module& module, Kind kind, std::size_t dims)
      : module_(module), kind_(kind), dims_(dims) {}

  std::vector<Tensor> forward(const std::vector<Tensor>& inputs, ForwardContext&) override {
    check_input_count(module_, inputs, 1, 1);
    const Tensor x = float_input(module_, inputs, 0);
    const std::int64_t d = static_cast<std::int64_t>(dims_);
    if (x.dim() != d + 1 && x.dim() != d + 2) {
      throw RuntimeError(fmt::format("{}: Expected {}D or {}D input, but got input of size: {}",
                                     module_.type_name(), d + 1, d + 2, shape_string(x.sizes())));
    }
    input_shape_ = x.sizes();
    Shape out_shape(x.sizes().begin(), x.sizes().end() - d);
    planes_ = shape_numel(out_shape);
    const std::size_t lead = 3 - dims_;
    for (std::size_t i = 0; i < 3; ++i) {
      in_[i] = i < lead ? 1 : x.size(static_cast<std::int64_t>(x.dim() - 3 + static_cast<std::int64_t>(i)));
    }
    if (kind_ == Kind::avg && dims_ == 3) check_input_covers_kernel();
    for (std::size_t i = 0; i < 3; ++i) {
      windows_[i] = i < lead ? std::vector<Window>{Window{}} : make_windows(i - lead, in_[i]);
      if (i >= lead) out_shape.push_back(std::ssize(windows_[i]));
    }
    for (std::int64_t s : out_shape) {
      if (s <= 0) {
        throw RuntimeError(
            fmt::format("{}: Given input size: {}. Calculated output size: {}. Output size is too small",
                        module_.type_name(), shape_string(input_shape_), shape_string(out_shape)));
      }
    }
    Tensor y = empty(out_shape);
    Tensor indices = Tensor::empty(out_shape, DType::int64);
    const bool is_max = kind_ == Kind::max || kind_ == Kind::adaptive_max;
    const float* px = data(x);
    float* py = data(y);
    std::int64_t* pi = index_data(indices);
    const std::int64_t in_plane = in_[0] * in_[1] * in_[2];
    std::int64_t out = 0;
    for (std::int64_t r = 0; r < planes_; ++r) {
      const float* plane = px + r * in_plane;
      for (const Window& a : windows_[0])
        for (const Window& b : windows_[1])
          for (const Window& c : windows_[2]) {
            if (is_max) {
              std::int64_t best = (a.begin * in_[1] + b.begin) * in_[2] + c.begin;
              float max = -INFINITY;
              visit(a, b, c, [&](std::int64_t i) {
                if (plane[i] > max || std::isnan(plane[i])) {
                  max = plane[i];
                  best = i;
                }
              });
              py[out] = max;
              pi[out++] = best;
            } else {
              float sum = 0.0f;
              visit(a, b, c, [&](std::int64_t i) { sum += plane[i]; });
              const std::int64_t divisor = a.divisor * b.divisor * c.divisor;
              py[out++] = divisor_override_ ? sum / static_cast<float>(*divisor_override_)
                          : a.begin < a.end && b.begin < b.end && c.begin < c.end
                              ? sum / static_cast<float>(divisor)
                              : 0.0f;
            }
          }
    }
    if (is_max) indices_ = indices;
    if (return_indices_) return {y, indices};
    return {y};
  }

  std::vector<Tensor> backward(const std::vector<Tensor>& grad_outputs, BackwardContext&) const override {
    Tensor dx = zeros(input_shape_);
    float* pdx = data(dx);
    const float* g = data(grad_outputs[0]);
    const std::int64_t in_plane = in_[0] * in_[1] * in_[2];
    std::int64_t out = 0;
    const std::int64_t* argmax = indices_.defined() ? index_data(indices_) : nullptr;
    for (std::int64_t r = 0; r < planes_; ++r) {
      float* plane = pdx + r * in_plane;
      for (const Window& a : windows_[0])
        for (const Window& b : windows_[1])
          for (const Window& c : windows_[2]) {
            if (argmax) {
              plane[argmax[out]] += g[out];
              ++out;
              continue;
            }
            const std::int64_t divisor =
                divisor_override_ ? *divisor_override_ : a.divisor * b.divisor * c.divisor;
            const float share = g[out++] / static_cast<float>(divisor);
            visit(a, b, c, [&](std::int64_t i) { plane[i] += share; });
          }
    }
    return {dx};
  }

 private:
  template <class F>
  void visit(const Window& a, const Window& b, const Window& c, F&& f) const {
    for (std::int64_t i = a.begin; i < a.end; i += a.step)
      for (std::int64_t j = b.begin; j < b.end; j += b.step)
        for (std::int64_t k = c.begin; k < c.end; k += c.step) f((i * in_[1] + j) * in_[2] + k);
  }

  std::vector<Window> make_windows(std::size_t dim, std::int64_t in);
  // AvgPool3d's input must be at least the kernel in every dimension (ATen's pool3d_shape_check).
  void check_input_covers_kernel() const {
    const Shape k = expand_sizes(dynamic_cast<const nn::AvgPoolNd&>(module_).options().kernel_size, 3);
    if (in_[0] < k[0] || in_[1] < k[1] || in_[2] < k[2]) {
      throw RuntimeError(
          fmt::format("input image (T: {} H: {} W: {}) smaller than kernel size (kT: {} kH: {} kW: {})",
                      in_[0], in_[1], in_[2], k[0], k[1], k[2]));
    }
  }

  const nn::Module& module_;
  Kind kind_;
  std::size_t dims_;
  std::int64_t planes_ = 0;
  std::array<std::int64_t, 3> in_{1, 1, 1};
  std::array<std::vector<Window>, 3> windows_;
  std::optional<std::int64_t> divisor_override_;
  bool return_indices_ = false;
  Shape input_shape_;
  Tensor indices_;
};

std::vector<Window> PoolKernel::make_windows(std::size_t dim, std::int64_t in) {
  std::vector<Window> out;
  if (kind_ == Kind::adaptive_avg || kind_ == Kind::adaptive_max) {
    const nn::OutputSize* sizes = nullptr;
    if (auto* m = dynamic_cast<const nn::AdaptiveAvgPoolNd*>(&module_)) sizes = &m->options().output_size;
    if (auto* m = dynamic_cast<const nn::AdaptiveMaxPoolNd*>(&module_)) {
      sizes = &m->options().output_size;
      return_indices_ = m->options().return_indices;
    }
    // output_size=None itself (not a tuple holding None): F.adaptive_*_pool*d calls len(None).
    if (sizes->size() == 1 && !sizes->at(0)) throw TypeError("object of type 'NoneType' has no len()");
    const auto& given = sizes->size() == dims_ ? (*sizes)[dim] : sizes->at(0);
    const std::int64_t n = given.value_or(in);
    // (i + 1) * in below must not overflow; and a huge output size fails here, at once, as memory.
    if (n > 0 && in > (INT64_MAX - n) / n) {
      throw RuntimeError(
          fmt::format("{}: output size {} for an input of size {} is out of the range of a "
                      "64-bit integer",
                      module_.type_name(), n, in));
    }
    out.reserve(static_cast<std::size_t>(std::max<std::int64_t>(n, 0)));
    for (std::int64_t i = 0; i < n; ++i) {
      Window w{(i * in) / n, ((i + 1) * in + n - 1) / n, 1, 0};
      w.divisor = w.end - w.begin;
      out.push_back(w);
    }
    return out;
  }
  if (kind_ == Kind::max) {
    const auto& o = dynamic_cast<const nn::MaxPoolNd&>(module_).options();
    return_indices_ = o.return_indices;
    const std::int64_t k = expand_sizes(o.kernel_size, dims_)[dim], s = expand_sizes(*o.stride, dims_)[dim];
    const std::int64_t p = expand_sizes(o.padding, dims_)[dim], d = expand_sizes(o.dilation, dims_)[dim];
    if (p > k / 2) {
      throw RuntimeError(
          fmt::format("{}: pad should be at most half of effective kernel size, but got pad={}, "
                      "kernel_size={} and dilation={}",
                      module_.type_name(), p, k, d));
    }
    const std::int64_t n = pooled_size(in, k, p, s, d, o.ceil_mode);
    for (std::int64_t i = 0; i < n; ++i) {
      std::int64_t begin = i * s - p;
      const std::int64_t end = std::min(begin + (k - 1) * d + 1, in);
      while (begin < 0) begin += d;
      out.push_back({begin, end, d, 1});
    }
    return out;
  }
  const auto& o = dynamic_cast<const nn::AvgPoolNd&>(module_).options();
  divisor_override_ = o.divisor_override;
  const std::int64_t k = expand_sizes(o.kernel_size, dims_)[dim], s = expand_sizes(*o.stride, dims_)[dim];
  const std::int64_t p = expand_sizes(o.padding, dims_)[dim];
  if (p > k / 2) {
    throw RuntimeError(
        fmt::format("{}: pad should be smaller than or equal to half of kernel size, but got "
                    "padW = {}, padH = {}, kW = {}, kH = {}",
                    module_.type_name(), p, p, k, k));
  }
  const std::int64_t n = pooled_size(in, k, p, s, 1, o.ceil_mode);
  for (std::int64_t i = 0; i < n; ++i) {
    const std::int64_t begin = i * s - p;
    const std::int64_t padded_end = std::min(begin + k, in + p);
    Window w{std::max<std::int64_t>(begin, 0), std::min(padded_end, in), 1, 0};
    w.divisor = o.count_include_pad ? padded_end - begin : w.end - w.begin;
    out.push_back(w);
  }
  return out;
}

}  // namespace

std::unique_ptr<Kernel> make_pool_kernel(nn::Module& m) {
  const std::string& type = m.type_name();
  const std::size_t dims = type.empty() ? 0 : static_cast<std::size_t>(type[type.size() - 2] - '0');
  if (dynamic_cast<nn::MaxPoolNd*>(&m)) return std::make_unique<PoolKernel>(m, Kind::max, dims);
  if (dynamic_cast<nn::AvgPoolNd*>(&m)) return std::make_unique<PoolKernel>(m, Kind::avg, dims);
  if (dynamic_cast<nn::AdaptiveAvgPoolNd*>(&m))
    return std::make_unique<PoolKernel>(m, Kind::adaptive_avg, dims);
  if (dynamic_cast<nn::AdaptiveMaxPoolNd*>(&m))
    return std::make_unique<PoolKernel>(m, Kind::adaptive_max, dims);
  return nullptr;
}

}  // namespace nninit::engine::detail
