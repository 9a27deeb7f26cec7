#include "nninit/nn/sparse.h"

#include <gtest/gtest.h>

#include "nninit/init/init.h"
#include "nninit/nn/layer_test_support.h"

namespace nninit::nn {
namespace {

using testing::describe;
using testing::error_of;
using testing::hex32;
using testing::next_rand;

// From PyTorch 1.13.1, for each capability (2.14.1 gives the same bits):
//   ATEN_CPU_CAPABILITY=avx2|default python3 -c 'import torch; torch.manual_seed(0);
//     m = torch.nn.Embedding(10, 4, padding_idx=2); print(m.weight[0], m.weight[2], torch.rand(1))'
TEST(Embedding, KnownAnswersFromPyTorch) {
  for (auto [capability, row0] :
       {std::pair{TorchCapability::avx2, "bf901b85 bf93808a be804bd6 bede255d"},
        std::pair{TorchCapability::generic, "bf901b85 bf93808a be804bd6 bede255e"}}) {
    TorchGenerator g(0, {.version = {1, 13}, .capability = capability});
    Embedding embedding({.num_embeddings = 10, .embedding_dim = 4, .padding_idx = 2}, g);
    EXPECT_EQ(hex32(embedding.weight().select(0, 0), 4), row0);
    EXPECT_EQ(hex32(embedding.weight().select(0, 2), 4), "00000000 00000000 00000000 00000000");
    EXPECT_EQ(next_rand(g), "3f17da1f");
  }
}

// normal_ over the whole table, padding row included, for both normal paths (fewer than 16 elements:
// the per-element path with its cached sample; 16 or more: the fill path).
TEST(Embedding, DrawsNormalOverTheWholeTable) {
  for (Shape shape : {Shape{3, 4}, Shape{5, 7}}) {
    TorchGenerator built(11), replayed(11);
    Embedding embedding({.num_embeddings = shape[0], .embedding_dim = shape[1], .padding_idx = -1}, built);
    const Tensor expected = Tensor::empty(shape);
    init::normal_(expected, {}, replayed);
    expected.select(0, shape[0] - 1).zero_();
    EXPECT_EQ(built.get_state(), replayed.get_state());
    EXPECT_EQ(embedding.weight().to_doubles(), expected.to_doubles());
    EXPECT_EQ(embedding.options().padding_idx, shape[0] - 1);
  }
}

TEST(Embedding, ParametersAndRepr) {
  Embedding e({.num_embeddings = 10, .embedding_dim = 4, .padding_idx = -2, .dtype = DType::float16});
  EXPECT_EQ(describe(e.state_dict()), std::vector<std::string>{"weight [10, 4] float16"});
  // Reprs printed by PyTorch 1.13.1 and 2.14.1.
  EXPECT_EQ(e.repr(), "Embedding(10, 4, padding_idx=8)");
  EXPECT_EQ(Embedding({.num_embeddings = 10,
                       .embedding_dim = 4,
                       .max_norm = 1.0,
                       .norm_type = 1.0,
                       .scale_grad_by_freq = true,
                       .sparse = true})
                .repr(),
            "Embedding(10, 4, max_norm=1.0, norm_type=1.0, scale_grad_by_freq=True, sparse=True)");
}

// Messages from PyTorch 1.13.1 and 2.14.1 (an assert in one, an explicit AssertionError in the other).
TEST(Embedding, PaddingIdxErrors) {
  EXPECT_EQ(error_of([] { Embedding e({.num_embeddings = 10, .embedding_dim = 4, .padding_idx = 10}); }),
            "AssertionError: Embedding: Padding_idx must be within num_embeddings");
  EXPECT_EQ(error_of([] { Embedding e({.num_embeddings = 10, .embedding_dim = 4, .padding_idx = -11}); }),
            "AssertionError: Embedding: Padding_idx must be within num_embeddings");
  EXPECT_EQ(error_of([] { EmbeddingBag e({.num_embeddings = 10, .embedding_dim = 4, .padding_idx = 10}); }),
            "AssertionError: EmbeddingBag: padding_idx must be within num_embeddings");
  // padding_idx = 0 is not range-checked; indexing the empty table fails as PyTorch's does.
  EXPECT_EQ(error_of([] { Embedding e({.num_embeddings = 0, .embedding_dim = 4, .padding_idx = 0}); }),
            "IndexError: index 0 is out of bounds for dimension 0 with size 0");
}

TEST(EmbeddingBag, DrawsLikeEmbedding) {
  TorchGenerator a(3), b(3);
  EmbeddingBag bag({.num_embeddings = 6, .embedding_dim = 5, .mode = EmbeddingBagMode::sum, .padding_idx = 1},
                   a);
  Embedding embedding({.num_embeddings = 6, .embedding_dim = 5, .padding_idx = 1}, b);
  EXPECT_EQ(a.get_state(), b.get_state());
  EXPECT_EQ(bag.weight().to_doubles(), embedding.weight().to_doubles());
}

// PyTorch 1.13.1 prints mode=mean; 2.6 and 2.14.1 print mode='mean'.
TEST(EmbeddingBag, ReprQuotesTheModeFrom26) {
  TorchGenerator old_release = testing::torch_at(1, 13), new_release = testing::torch_at(2, 6);
  EXPECT_EQ(EmbeddingBag({.num_embeddings = 10, .embedding_dim = 4}, old_release).repr(),
            "EmbeddingBag(10, 4, mode=mean)");
  EXPECT_EQ(EmbeddingBag({.num_embeddings = 10, .embedding_dim = 4}, new_release).repr(),
            "EmbeddingBag(10, 4, mode='mean')");
  EmbeddingBag bag({.num_embeddings = 10,
                    .embedding_dim = 4,
                    .max_norm = 2.0,
                    .mode = EmbeddingBagMode::sum,
                    .padding_idx = 1},
                   old_release);
  EXPECT_EQ(bag.repr(), "EmbeddingBag(10, 4, max_norm=2.0, mode=sum, padding_idx=1)");
  EXPECT_EQ(bag.clone()->repr(), bag.repr());
}

}  // namespace
}  // namespace nninit::nn
