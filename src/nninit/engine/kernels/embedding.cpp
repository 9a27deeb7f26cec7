// Embedding and EmbeddingBag: lookups of rows of `weight` (num_embeddings, D) by int64 indices.
//
// max_norm: PyTorch renormalises the looked-up rows of the weight in place before the lookup
// (embedding_renorm_: a row whose norm exceeds max_norm is scaled by max_norm / (norm + 1e-7)). nninit
// renormalises the rows it reads and leaves the model unchanged; the outputs are the same, and so are the
// gradients (PyTorch does not differentiate through the renormalisation either).
// sparse=True: the weight's gradient is returned dense.
#include <cmath>
#include <unordered_map>

#include <fmt/format.h>

#include "nninit/core/error.h"
#include "nninit/engine/kernels/kernel_support.h"
#include "nninit/nn/sparse.h"

namespace nninit::engine::detail {
namespace {

Tensor index_input(const nn::Module& module, const std::vector<Tensor>& inputs, std::size_t i) {
  const Tensor& t = inputs.at(i);
  if (!t.defined() || t.dtype() != DType::int64) {
    throw RuntimeError(fmt::format("{}: Expected tensor for argument #{} 'indices' to have scalar type Long",
                                   module.type_name(), i + 1));
  }
  return t.contiguous();
}

void check_index(std::int64_t index, std::int64_t rows) {
  if (index < 0 || index >= rows) throw IndexError("index out of range in self");
}

// Row `index` of the weight, renormalised to max_norm when it is longer (as embedding_renorm_).
void read_row(const float* weight, std::int64_t dim, std::int64_t index,
              const std::optional<double>& max_norm, double norm_type, float* out) {
  const float* row = weight + index * dim;
  float scale = 1.0f;
  if (max_norm) {
    double norm = 0.0;
    if (std::isinf(norm_type)) {
      for (std::int64_t j = 0; j < dim; ++j) norm = std::max(norm, std::fabs(static_cast<double>(row[j])));
    } else {
      for (std::int64_t j = 0; j < dim; ++j)
        norm += std::pow(std::fabs(static_cast<double>(row[j])), norm_type);
      norm = std::pow(norm, 1.0 / norm_type);
    }
    if (norm > *max_norm) scale = static_cast<float>(*max_norm / (norm + 1e-7));
  }
  for (std::int64_t j = 0; j < dim; ++j) out[j] = scale == 1.0f ? row[j] : row[j] * scale;
}

class EmbeddingKernel : public Kernel {
 public:
  explicit EmbeddingKernel(const nn::Embedding& module) : module_(module) {}

  std::vector<Tensor> forward(const std::vector<Tensor>& inputs, ForwardContext& context) override {
    check_input_count(module_, inputs, 1, 1);
    indices_ = index_input(module_, inputs, 0);
    const auto& o = module_.options();
    const Tensor weight = context.parameter(module_, "weight");
    Shape out_shape = indices_.sizes();
    out_shape.push_back(o.embedding_dim);
    Tensor y = empty(out_shape);
    const std::int64_t* idx = index_data(indices_);
    for (std::int64_t i = 0; i < indices_.numel(); ++i) {
      check_index(idx[i], o.num_embeddings);
      read_row(data(weight), o.embedding_dim, idx[i], o.max_norm, o.norm_type, data(y) + i * o.embedding_dim);
    }
    return {y};
  }

  std::vector<Tensor> backward(const std::vector<Tensor>& grad_outputs,
                               BackwardContext& context) const override {
    const auto& o = module_.options();
    const std::int64_t dim = o.embedding_dim;
    const std::int64_t* idx = index_data(indices_);
    const std::int64_t n = indices_.numel();
    std::unordered_map<std::int64_t, std::int64_t> counts;
    if (o.scale_grad_by_freq) {
      for (std::int64_t i = 0; i < n; ++i) ++counts[idx[i]];
    }
    Tensor dw = zeros({o.num_embeddings, dim});
    const float* dy = data(grad_outputs[0]);
    for (std::int64_t i = 0; i < n; ++i) {
      if (o.padding_idx && idx[i] == *o.padding_idx) continue;
      const float scale = o.scale_grad_by_freq ? 1.0f / static_cast<float>(counts[idx[i]]) : 1.0f;
      float* row = data(dw) + idx[i] * dim;
      for (std::int64_t j = 0; j < dim; ++j) row[j] += dy[i * dim + j] * scale;
    }
    context.accumulate(module_, "weight", dw);
    return {Tensor()};
  }

 private:
  const nn::Embedding& module_;
  Tensor indices_;
};

// Bags: either a 2-D input (B, L), one bag per row, or a 1-D input with offsets.
class EmbeddingBagKernel : public Kernel {
 public:
  explicit EmbeddingBagKernel(const nn::EmbeddingBag& module) : module_(module) {}

  std::vector<Tensor> forward(const std::vector<Tensor>& inputs, ForwardContext& context) override {
    check_input_count(module_, inputs, 1, 3);
    const auto& o = module_.options();
    indices_ = index_input(module_, inputs, 0);
    const bool has_offsets = inputs.size() > 1 && inputs[1].defined();
    if (indices_.dim() == 2) {
      if (has_offsets) {
        throw ValueError(
            "EmbeddingBag: if input is 2D, then offsets has to be None, as input is treated is a "
            "mini-batch of fixed length sequences.");
      }
      for (std::int64_t b = 0; b <= indices_.size(0); ++b) starts_.push_back(b * indices_.size(1));
    } else if (indices_.dim() == 1) {
      if (!has_offsets) throw ValueError("EmbeddingBag: offsets has to be a 1D Tensor but got None");
      const Tensor offsets = index_input(module_, inputs, 1);
      const std::int64_t* off = index_data(offsets);
      for (std::int64_t b = 0; b < offsets.numel(); ++b) starts_.push_back(off[b]);
      if (!o.include_last_offset) starts_.push_back(indices_.numel());
      for (std::size_t b = 0; b + 1 < starts_.size(); ++b) {
        if (starts_[b] < 0 || starts_[b] > starts_[b + 1] || starts_[b + 1] > indices_.numel()) {
          throw RuntimeError("EmbeddingBag: offsets must be non-decreasing and within the input");
        }
      }
    } else {
      throw ValueError(fmt::format(
          "EmbeddingBag: input has to be 1D or 2D Tensor, but got Tensor of dimension {}", indices_.dim()));
    }
    if (inputs.size() > 2 && inputs[2].defined()) {
      if (o.mode != nn::EmbeddingBagMode::sum) {
        throw NotImplementedError(fmt::format(
            "embedding_bag: per_sample_weights was not None. per_sample_weights is only supported for "
            "mode='sum' (got mode='{}'). Please open a feature request on GitHub.",
            nn::embedding_bag_mode_name(o.mode)));
      }
      weights_ = float_input(module_, inputs, 2);
    }
    weight_ = context.parameter(module_, "weight");
    const std::int64_t bags = static_cast<std::int64_t>(starts_.size()) - 1;
    const std::int64_t dim = o.embedding_dim;
    Tensor y = zeros({bags, dim});
    const std::int64_t* idx = index_data(indices_);
    for (std::int64_t i = 0; i < indices_.numel(); ++i) check_index(idx[i], o.num_embeddings);
    std::vector<float> row(static_cast<std::size_t>(dim));
    if (o.mode == nn::EmbeddingBagMode::max) argmax_.assign(static_cast<std::size_t>(bags * dim), -1);
    counts_.assign(static_cast<std::size_t>(bags), 0);
    for (std::int64_t b = 0; b < bags; ++b) {
      float* out = data(y) + b * dim;
      for (std::int64_t i = starts_[b]; i < starts_[b + 1]; ++i) {
        if (o.padding_idx && idx[i] == *o.padding_idx) continue;
        read_row(data(weight_), dim, idx[i], o.max_norm, o.norm_type, row.data());
        const bool first = counts_[b]++ == 0;
        for (std::int64_t j = 0; j < dim; ++j) {
          if (o.mode != nn::EmbeddingBagMode::max) {
            out[j] += weights_.defined() ? row[j] * data(weights_)[i] : row[j];
          } else if (first || row[j] > out[j]) {
            out[j] = row[j];
            argmax_[b * dim + j] = i;
          }
        }
      }
      if (o.mode == nn::EmbeddingBagMode::mean && counts_[b] > 0) {
        for (std::int64_t j = 0; j < dim; ++j) out[j] /= static_cast<float>(counts_[b]);
      }
    }
    return {y};
  }

  std::vector<Tensor> backward(const std::vector<Tensor>& grad_outputs,
                               BackwardContext& context) const override {
    const auto& o = module_.options();
    const std::int64_t dim = o.embedding_dim;
    const std::int64_t* idx = index_data(indices_);
    const float* dy = data(grad_outputs[0]);
    Tensor dw = zeros({o.num_embeddings, dim});
    Tensor dweights = weights_.defined() ? zeros(weights_.sizes()) : Tensor();
    std::unordered_map<std::int64_t, std::int64_t> freq;
    if (o.scale_grad_by_freq) {
      for (std::int64_t i = 0; i < indices_.numel(); ++i) ++freq[idx[i]];
    }
    const std::int64_t bags = static_cast<std::int64_t>(starts_.size()) - 1;
    std::vector<float> row(static_cast<std::size_t>(dim));
    for (std::int64_t b = 0; b < bags; ++b) {
      const float* g = dy + b * dim;
      if (o.mode == nn::EmbeddingBagMode::max) {
        for (std::int64_t j = 0; j < dim; ++j) {
          const std::int64_t i = argmax_[b * dim + j];
          if (i < 0) continue;
          const float scale = o.scale_grad_by_freq ? 1.0f / static_cast<float>(freq.at(idx[i])) : 1.0f;
          data(dw)[idx[i] * dim + j] += g[j] * scale;
        }
        continue;
      }
      const float mean = o.mode == nn::EmbeddingBagMode::mean && counts_[b] > 0 ? 1.0f / counts_[b] : 1.0f;
      for (std::int64_t i = starts_[b]; i < starts_[b + 1]; ++i) {
        if (o.padding_idx && idx[i] == *o.padding_idx) continue;
        float scale = mean * (weights_.defined() ? data(weights_)[i] : 1.0f);
        if (o.scale_grad_by_freq) scale /= static_cast<float>(freq.at(idx[i]));
        float* out = data(dw) + idx[i] * dim;
        for (std::int64_t j = 0; j < dim; ++j) out[j] += g[j] * scale;
        if (weights_.defined()) {
          read_row(data(weight_), dim, idx[i], o.max_norm, o.norm_type, row.data());
          float s = 0.0f;
          for (std::int64_t j = 0; j < dim; ++j) s += g[j] * row[j];
          data(dweights)[i] = s;
        }
      }
    }
    context.accumulate(module_, "weight", dw);
    std::vector<Tensor> grads{Tensor(), Tensor()};
    grads.push_back(dweights);
    return grads;
  }

 private:
  const nn::EmbeddingBag& module_;
  Tensor indices_, weights_, weight_;
  std::vector<std::int64_t> starts_;  // bag b is indices [starts_[b], starts_[b + 1])
  std::vector<std::int64_t> counts_;  // non-padding entries per bag
  std::vector<std::int64_t> argmax_;  // mode max: the entry that won, per (bag, feature); -1 for none
};

}  // namespace

std::unique_ptr<Kernel> make_embedding_kernel(nn::Module& module) {
  if (auto* e = dynamic_cast<nn::Embedding*>(&module)) return std::make_unique<EmbeddingKernel>(*e);
  if (auto* bag = dynamic_cast<nn::EmbeddingBag*>(&module)) return std::make_unique<EmbeddingBagKernel>(*bag);
  return nullptr;
}

}  // namespace nninit::engine::detail
