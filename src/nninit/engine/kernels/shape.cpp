// Modules that move values without arithmetic, or only mask them: Identity, Flatten, Unflatten and the
// dropouts. In eval mode (and with p = 0) every dropout is the identity, as in PyTorch. In train mode the
// masks come from dropout_mask.h:
//
//   Dropout                 y = x * keep / (1 - p), keep per element; p = 1 gives zeros
//   Dropout1d/2d/3d         keep per feature map (n, c) (per channel for an unbatched input)
//   AlphaDropout            y = a x + a alpha p for kept elements, a (alpha p - alpha) for dropped ones, with
//                           alpha = 1.7580993408473766, a = 1 / sqrt((alpha^2 p + 1)(1 - p)) (ATen's
//                           _dropout_impl); FeatureAlphaDropout per feature map
#include <cmath>

#include <fmt/format.h>

#include "nninit/core/error.h"
#include "nninit/engine/dropout_mask.h"
#include "nninit/engine/kernels/kernel_support.h"
#include "nninit/nn/dropout.h"
#include "nninit/nn/flatten.h"
#include "nninit/nn/linear.h"

namespace nninit::engine::detail {
namespace {

class IdentityKernel : public Kernel {
 public:
  std::vector<Tensor> forward(const std::vector<Tensor>& inputs, ForwardContext&) override {
    if (inputs.empty()) throw TypeError("Identity: forward takes 1 input(s), got 0");
    return {inputs[0]};
  }
  std::vector<Tensor> backward(const std::vector<Tensor>& grad_outputs, BackwardContext&) const override {
    return {grad_outputs[0]};
  }
};

// Flatten and Unflatten: a new shape for the same elements.
class ReshapeKernel : public Kernel {
 public:
  explicit ReshapeKernel(const nn::Module& module) : module_(module) {}

  std::vector<Tensor> forward(const std::vector<Tensor>& inputs, ForwardContext&) override {
    check_input_count(module_, inputs, 1, 1);
    const Tensor& x = inputs[0];
    input_shape_ = x.sizes();
    Shape out;
    if (auto* f = dynamic_cast<const nn::Flatten*>(&module_)) {
      if (x.dim() == 0) return {x.reshape({1})};
      const std::int64_t start = wrap_dim(f->options().start_dim, x.dim());
      const std::int64_t end = wrap_dim(f->options().end_dim, x.dim());
      if (start > end) throw RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim");
      out.assign(x.sizes().begin(), x.sizes().begin() + start);
      out.push_back(shape_numel(Shape(x.sizes().begin() + start, x.sizes().begin() + end + 1)));
      out.insert(out.end(), x.sizes().begin() + end + 1, x.sizes().end());
    } else {
      const auto& o = dynamic_cast<const nn::Unflatten&>(module_).options();
      const std::int64_t dim = wrap_dim(o.dim, x.dim());
      out.assign(x.sizes().begin(), x.sizes().begin() + dim);
      Shape sizes = o.unflattened_size;
      std::int64_t known = 1, unknown = -1;
      for (std::size_t i = 0; i < sizes.size(); ++i) {
        if (sizes[i] == -1)
          unknown = static_cast<std::int64_t>(i);
        else
          known *= sizes[i];
      }
      if (unknown >= 0 && known != 0) sizes[static_cast<std::size_t>(unknown)] = x.size(dim) / known;
      if (shape_numel(sizes) != x.size(dim)) {
        throw RuntimeError(
            fmt::format("unflatten: Provided sizes {} don't multiply up to the size of dim {} ({}) in "
                        "the input tensor",
                        shape_string(o.unflattened_size), dim, x.size(dim)));
      }
      out.insert(out.end(), sizes.begin(), sizes.end());
      out.insert(out.end(), x.sizes().begin() + dim + 1, x.sizes().end());
    }
    return {x.reshape(out)};
  }

  std::vector<Tensor> backward(const std::vector<Tensor>& grad_outputs, BackwardContext&) const override {
    return {grad_outputs[0].reshape(input_shape_)};
  }

 private:
  const nn::Module& module_;
  Shape input_shape_;
};

class DropoutKernel : public Kernel {
 public:
  explicit DropoutKernel(const nn::DropoutNd& module) : module_(module) {}

  std::vector<Tensor> forward(const std::vector<Tensor>& inputs, ForwardContext& context) override {
    check_input_count(module_, inputs, 1, 1);
    const double p = module_.options().p;
    if (!module_.is_training() || p == 0.0 || inputs[0].numel() == 0) return {inputs[0]};
    const Tensor x = float_input(module_, inputs, 0);
    const std::string& type = module_.type_name();
    const bool alpha = type == "AlphaDropout" || type == "FeatureAlphaDropout";
    const bool feature = type != "Dropout" && type != "AlphaDropout";
    // Unbatched Dropout1d (C, L) and Dropout3d (C, D, H, W): one mask value per channel.
    const bool unbatched = (type == "Dropout1d" && x.dim() == 2) || (type == "Dropout3d" && x.dim() == 4);
    if (feature && x.dim() < 2) {
      throw RuntimeError(
          fmt::format("{}: Feature dropout requires at least 2 dimensions in the input", type));
    }
    const std::int64_t per_feature =
        !feature ? 1 : x.numel() / (unbatched ? x.size(0) : x.size(0) * x.size(1));
    const std::uint64_t key = context.next_random_key();
    constexpr double kAlpha = 1.7580993408473766;
    const double a = alpha ? 1.0 / std::sqrt((kAlpha * kAlpha * p + 1.0) * (1.0 - p)) : 1.0 / (1.0 - p);
    const float keep_scale = p == 1.0 ? 0.0f : static_cast<float>(a);
    const float kept_shift = alpha ? static_cast<float>(kAlpha * a * p) : 0.0f;
    const float dropped_value = alpha ? static_cast<float>(kAlpha * a * p - kAlpha * a) : 0.0f;
    scale_ = empty(x.sizes());
    Tensor y = empty(x.sizes());
    const float* px = data(x);
    float *ps = data(scale_), *py = data(y);
    const std::int64_t n = x.numel();
    for (std::int64_t i = 0; i < n; ++i) {
      const bool keep =
          mask_uniform(key, static_cast<std::uint64_t>(i / per_feature)) >= static_cast<float>(p);
      ps[i] = keep ? keep_scale : 0.0f;
      py[i] = keep ? px[i] * keep_scale + kept_shift : dropped_value;
    }
    return {y};
  }

  std::vector<Tensor> backward(const std::vector<Tensor>& grad_outputs, BackwardContext&) const override {
    if (!scale_.defined()) return {grad_outputs[0]};
    Tensor dx = empty(scale_.sizes());
    const float *g = data(grad_outputs[0]), *s = data(scale_);
    float* d = data(dx);
    const std::int64_t n = dx.numel();
    for (std::int64_t i = 0; i < n; ++i) d[i] = g[i] * s[i];
    return {dx};
  }

 private:
  const nn::DropoutNd& module_;
  Tensor scale_;  // dy/dx per element; undefined when the dropout is the identity
};

}  // namespace

std::unique_ptr<Kernel> make_shape_kernel(nn::Module& m) {
  if (dynamic_cast<nn::Identity*>(&m)) return std::make_unique<IdentityKernel>();
  if (dynamic_cast<nn::Flatten*>(&m) || dynamic_cast<nn::Unflatten*>(&m))
    return std::make_unique<ReshapeKernel>(m);
  if (auto* d = dynamic_cast<nn::DropoutNd*>(&m)) return std::make_unique<DropoutKernel>(*d);
  return nullptr;
}

}  // namespace nninit::engine::detail
