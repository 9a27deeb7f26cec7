// MultiheadAttention and the Transformer layers: gradients against central differences and the calls
// they record.
#include <gtest/gtest.h>

#include "nninit/engine/engine_test_support.h"
#include "nninit/nn/activation.h"
#include "nninit/nn/attention.h"
#include "nninit/nn/normalization.h"
#include "nninit/nn/transformer.h"

namespace nninit::engine {
namespace {

using testing::expect_gradients_match;
using testing::randn;

TEST(AttentionGradients, MultiheadAttentionVariants) {
  TorchGenerator generator(12);
  nn::MultiheadAttention self({.embed_dim = 4, .num_heads = 2});
  testing::randomize_parameters(self, generator);
  expect_gradients_match(self, {randn({3, 2, 4}, generator)}, generator);
  nn::MultiheadAttention cross({.embed_dim = 6,
                                .num_heads = 3,
                                .add_bias_kv = true,
                                .add_zero_attn = true,
                                .kdim = 2,
                                .vdim = 5,
                                .batch_first = true});
  testing::randomize_parameters(cross, generator);
  expect_gradients_match(
      cross, {randn({2, 3, 6}, generator), randn({2, 4, 2}, generator), randn({2, 4, 5}, generator)},
      generator);
  nn::MultiheadAttention unbatched({.embed_dim = 4, .num_heads = 1, .bias = false});
  expect_gradients_match(
      unbatched, {randn({3, 4}, generator), randn({2, 4}, generator), randn({2, 4}, generator)}, generator);
  nn::MultiheadAttention dropout(
      {.embed_dim = 4, .num_heads = 2, .dropout = 0.5});  // train mode: a fixed mask
  expect_gradients_match(dropout, {randn({3, 2, 4}, generator)}, generator);
}

TEST(AttentionGradients, TransformerLayers) {
  TorchGenerator generator(13);
  nn::TransformerEncoderLayer post({.d_model = 4, .nhead = 2, .dim_feedforward = 6, .dropout = 0.0});
  testing::randomize_parameters(post, generator);
  expect_gradients_match(post, {randn({3, 2, 4}, generator)}, generator, {.step = 3e-3});
  nn::TransformerEncoderLayer pre({.d_model = 4,
                                   .nhead = 1,
                                   .dim_feedforward = 5,
                                   .activation = nn::TransformerActivation::gelu,
                                   .batch_first = true,
                                   .norm_first = true});
  pre.eval();
  expect_gradients_match(pre, {randn({2, 3, 4}, generator)}, generator, {.step = 3e-3});
  nn::TransformerDecoderLayer decoder({.d_model = 4,
                                       .nhead = 2,
                                       .dim_feedforward = 3,
                                       .activation_module = std::make_shared<nn::SiLU>(),
                                       .norm_first = true});
  decoder.eval();
  expect_gradients_match(decoder, {randn({3, 2, 4}, generator), randn({5, 2, 4}, generator)}, generator,
                         {.step = 3e-3});
  nn::Transformer transformer(
      {.d_model = 4, .nhead = 2, .num_encoder_layers = 2, .num_decoder_layers = 1, .dim_feedforward = 8});
  transformer.eval();
  expect_gradients_match(transformer, {randn({3, 1, 4}, generator), randn({2, 1, 4}, generator)}, generator,
                         {.step = 3e-3});
}

TEST(AttentionTrace, EncoderLayerCallsInPyTorchOrder) {
  nn::TransformerEncoder encoder(
      {.encoder_layer = std::make_shared<nn::TransformerEncoderLayer>(
           nn::TransformerLayerOptions{.d_model = 4, .nhead = 2, .dim_feedforward = 8}),
       .num_layers = 2,
       .norm = std::make_shared<nn::LayerNorm>(nn::LayerNormOptions{.normalized_shape = {4}})});
  encoder.eval();
  TorchGenerator generator(1);
  Trace trace = run_forward(encoder, {randn({3, 2, 4}, generator)});
  std::vector<std::string> names;
  for (const ModuleCall& call : trace.calls()) names.push_back(call.name);
  const std::vector<std::string> expected{"",
                                          "layers.0",
                                          "layers.0.self_attn",
                                          "layers.0.dropout1",
                                          "layers.0.norm1",
                                          "layers.0.linear1",
                                          "layers.0.dropout",
                                          "layers.0.linear2",
                                          "layers.0.dropout2",
                                          "layers.0.norm2",
                                          "layers.1",
                                          "layers.1.self_attn",
                                          "layers.1.dropout1",
                                          "layers.1.norm1",
                                          "layers.1.linear1",
                                          "layers.1.dropout",
                                          "layers.1.linear2",
                                          "layers.1.dropout2",
                                          "layers.1.norm2",
                                          "norm"};
  EXPECT_EQ(names, expected);
  EXPECT_EQ(trace.calls()[2].depth, 2);
  // self_attn receives (x, x, x): one value three times.
  const ModuleCall& attention = trace.calls()[2];
  ASSERT_EQ(attention.inputs.size(), 3u);
  EXPECT_EQ(attention.inputs[0], attention.inputs[2]);
  EXPECT_EQ(attention.inputs[0], trace.calls()[1].inputs[0]);
}

}  // namespace
}  // namespace nninit::engine
