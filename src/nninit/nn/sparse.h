// Embedding and EmbeddingBag: a lookup table `weight` (num_embeddings, embedding_dim).
//
// reset_parameters: normal_(weight, 0, 1) over the whole table (the fill path when it has 16 or more
// elements), then the padding_idx row set to zero; that row's draws are consumed all the same
// (docs/rng.md §7). A negative padding_idx counts from the end and is stored normalised.
//
//   nn::Embedding embedding({.num_embeddings = 10000, .embedding_dim = 256, .padding_idx = 0});
//   embedding.weight().select(0, 0);                               // the padding row: zeros
//   nn::Embedding last({.num_embeddings = 100, .embedding_dim = 8, .padding_idx = -1});  // options(): 99
//   nn::EmbeddingBag bag({.num_embeddings = 10000, .embedding_dim = 64, .mode = nn::EmbeddingBagMode::sum});
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "nninit/nn/module.h"
#include "nninit/random/torch_generator.h"

namespace nninit::nn {

// Embedding(num_embeddings, embedding_dim, padding_idx=None, max_norm=None, norm_type=2.0,
// scale_grad_by_freq=False, sparse=False).
struct EmbeddingOptions {
  std::int64_t num_embeddings = 0;
  std::int64_t embedding_dim = 0;
  std::optional<std::int64_t> padding_idx{};
  std::optional<double> max_norm{};
  double norm_type = 2.0;
  bool scale_grad_by_freq = false;
  bool sparse = false;
  DType dtype = DType::float32;
};

class Embedding : public Layer<Embedding> {
 public:
  // AssertionError "Embedding: Padding_idx must be within num_embeddings" for padding_idx outside
  // [-num_embeddings, num_embeddings).
  explicit Embedding(EmbeddingOptions options, Generator& generator = default_generator());
  const EmbeddingOptions& options() const { return options_; }  // padding_idx normalised
  const Tensor& weight() const { return parameter("weight"); }
  void reset_parameters(Generator& generator) override;
  std::string extra_repr() const override;

 private:
  EmbeddingOptions options_;
};

enum class EmbeddingBagMode { sum, mean, max };

std::string_view embedding_bag_mode_name(EmbeddingBagMode mode);  // "sum", "mean", "max"

// EmbeddingBag(num_embeddings, embedding_dim, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
// mode='mean', sparse=False, include_last_offset=False, padding_idx=None).
struct EmbeddingBagOptions {
  std::int64_t num_embeddings = 0;
  std::int64_t embedding_dim = 0;
  std::optional<double> max_norm{};
  double norm_type = 2.0;
  bool scale_grad_by_freq = false;
  EmbeddingBagMode mode = EmbeddingBagMode::mean;
  bool sparse = false;
  bool include_last_offset = false;
  std::optional<std::int64_t> padding_idx{};
  DType dtype = DType::float32;
};

class EmbeddingBag : public Layer<EmbeddingBag> {
 public:
  // AssertionError "EmbeddingBag: padding_idx must be within num_embeddings" (lower case, as PyTorch).
  explicit EmbeddingBag(EmbeddingBagOptions options, Generator& generator = default_generator());
  const EmbeddingBagOptions& options() const { return options_; }  // padding_idx normalised
  const Tensor& weight() const { return parameter("weight"); }
  void reset_parameters(Generator& generator) override;
  // The mode is quoted from 2.6 on (TorchRelease::messages.embedding_bag_repr_quotes_mode), decided when the
  // layer is built.
  std::string extra_repr() const override;

 private:
  EmbeddingBagOptions options_;
  bool quote_mode_ = true;
};

}  // namespace nninit::nn
