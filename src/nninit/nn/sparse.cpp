#include "nninit/nn/sparse.h"

#include <fmt/format.h>

#include "nninit/core/error.h"
#include "nninit/init/init.h"
#include "nninit/nn/python_repr.h"

namespace nninit::nn {
namespace {

// PyTorch's normalisation of padding_idx: a negative index counts from the end; both ends are asserted.
std::optional<std::int64_t> normalise_padding_idx(std::optional<std::int64_t> padding_idx,
                                                  std::int64_t num_embeddings, const std::string& message) {
  if (!padding_idx) return padding_idx;
  if (*padding_idx > 0 && *padding_idx >= num_embeddings) throw AssertionError(message);
  if (*padding_idx < 0) {
    if (*padding_idx < -num_embeddings) throw AssertionError(message);
    return num_embeddings + *padding_idx;
  }
  return padding_idx;
}

void normal_then_zero_padding_row(const Tensor& weight, std::optional<std::int64_t> padding_idx,
                                  Generator& generator) {
  init::normal_(weight, {}, generator);
  if (padding_idx) init::zeros_(weight.select(0, *padding_idx));
}

}  // namespace

Embedding::Embedding(EmbeddingOptions options, Generator& generator) : Layer("Embedding"), options_(options) {
  options_.padding_idx = normalise_padding_idx(options.padding_idx, options.num_embeddings,
                                               "Embedding: Padding_idx must be within num_embeddings");
  register_parameter("weight", Tensor::empty({options.num_embeddings, options.embedding_dim}, options.dtype));
  reset_parameters(generator);
}

void Embedding::reset_parameters(Generator& generator) {
  normal_then_zero_padding_row(weight(), options_.padding_idx, generator);
}

std::string Embedding::extra_repr() const {
  const EmbeddingOptions& o = options_;
  std::string s = fmt::format("{}, {}", o.num_embeddings, o.embedding_dim);
  if (o.padding_idx) s += fmt::format(", padding_idx={}", *o.padding_idx);
  if (o.max_norm) s += ", max_norm=" + python_float(*o.max_norm);
  if (o.norm_type != 2) s += ", norm_type=" + python_float(o.norm_type);
  if (o.scale_grad_by_freq) s += ", scale_grad_by_freq=True";
  if (o.sparse) s += ", sparse=True";
  return s;
}

std::string_view embedding_bag_mode_name(EmbeddingBagMode mode) {
  switch (mode) {
    case EmbeddingBagMode::sum: return "sum";
    case EmbeddingBagMode::mean: return "mean";
    case EmbeddingBagMode::max: return "max";
  }
  return "?";
}

EmbeddingBag::EmbeddingBag(EmbeddingBagOptions options, Generator& generator)
    : Layer("EmbeddingBag"),
      options_(options),
      quote_mode_(generator.release().messages.embedding_bag_repr_quotes_mode) {
  options_.padding_idx = normalise_padding_idx(options.padding_idx, options.num_embeddings,
                                               "EmbeddingBag: padding_idx must be within num_embeddings");
  register_parameter("weight", Tensor::empty({options.num_embeddings, options.embedding_dim}, options.dtype));
  reset_parameters(generator);
}

void EmbeddingBag::reset_parameters(Generator& generator) {
  normal_then_zero_padding_row(weight(), options_.padding_idx, generator);
}

std::string EmbeddingBag::extra_repr() const {
  const EmbeddingBagOptions& o = options_;
  const std::string_view mode = embedding_bag_mode_name(o.mode);
  std::string s = fmt::format("{}, {}", o.num_embeddings, o.embedding_dim);
  if (o.max_norm) s += ", max_norm=" + python_float(*o.max_norm);
  if (o.norm_type != 2) s += ", norm_type=" + python_float(o.norm_type);
  if (o.scale_grad_by_freq) s += ", scale_grad_by_freq=True";
  s += ", mode=" + (quote_mode_ ? python_string(mode) : std::string(mode));
  if (o.padding_idx) s += fmt::format(", padding_idx={}", *o.padding_idx);
  return s;
}

}  // namespace nninit::nn
