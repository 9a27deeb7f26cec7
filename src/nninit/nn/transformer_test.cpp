#include "nninit/nn/transformer.h"

#include <cmath>

#include <gtest/gtest.h>

#include "nninit/core/warning.h"
#include "nninit/init/init.h"
#include "nninit/nn/activation.h"
#include "nninit/nn/attention.h"
#include "nninit/nn/layer_test_support.h"
#include "nninit/nn/linear.h"
#include "nninit/nn/normalization.h"

namespace nninit::nn {
namespace {

using testing::describe;
using testing::error_of;
using testing::hex32;
using testing::names;
using testing::next_rand;
using testing::torch_at;

std::vector<std::string> own_parameter_names(const Module& m) {
  std::vector<std::string> out;
  for (const NamedTensor& p : m.own_parameters()) out.push_back(p.name);
  return out;
}

std::vector<std::string> module_names(Module& m) {
  std::vector<std::string> out;
  for (const NamedModule& child : m.named_modules()) out.push_back(child.name);
  return out;
}

// From PyTorch 1.13.1, for each capability (2.14.1 gives the same bits):
//   ATEN_CPU_CAPABILITY=avx2|default python3 -c 'import torch; torch.manual_seed(0);
//     m = torch.nn.MultiheadAttention(8, 2); print(m.in_proj_weight[0,:3], m.out_proj.weight[0,:3],
//     torch.rand(1))'
TEST(MultiheadAttention, KnownAnswersFromPyTorch) {
  struct Case {
    TorchCapability capability;
    const char* in_proj;
    const char* out_proj;
  };
  for (const Case& c :
       {Case{TorchCapability::avx2, "3e2e4337 3eb7b104 3ec0ed59", "bb2d7922 3e42369c be94fcb1"},
        Case{TorchCapability::generic, "3e2e4336 3eb7b105 3ec0ed59", "bb2d7900 3e42369e be94fcb1"}}) {
    TorchGenerator g(0, {.version = {1, 13}, .capability = c.capability});
    MultiheadAttention mha({.embed_dim = 8, .num_heads = 2}, g);
    EXPECT_EQ(hex32(mha.parameter("in_proj_weight"), 3), c.in_proj);
    EXPECT_EQ(hex32(mha.child("out_proj").parameter("weight"), 3), c.out_proj);
    EXPECT_EQ(mha.child("out_proj").parameter("bias").to_doubles(), std::vector<double>(8, 0.0));
    EXPECT_EQ(next_rand(g), "3f2e6db6");
  }
}

// ATEN_CPU_CAPABILITY=avx2 python3 -c 'import torch; torch.manual_seed(0);
//   m = torch.nn.MultiheadAttention(4, 2, kdim=3, vdim=5, add_bias_kv=True);
//   print(m.v_proj_weight[0,:3], m.bias_v, torch.rand(1))'  (PyTorch 1.13.1 and 2.14.1 agree)
TEST(MultiheadAttention, SeparateProjectionsKnownAnswersFromPyTorch) {
  TorchGenerator g(0, {.version = {1, 13}});
  MultiheadAttention mha({.embed_dim = 4, .num_heads = 2, .add_bias_kv = true, .kdim = 3, .vdim = 5}, g);
  EXPECT_EQ(hex32(mha.parameter("v_proj_weight"), 3), "beb966c5 bcf15881 3f05aed8");
  EXPECT_EQ(hex32(mha.parameter("bias_v"), 4), "3e0bf6db beeb089a bca59095 3e13840c");
  EXPECT_EQ(next_rand(g), "3f17f541");
  // Registration (with the None entries) and named_parameters() as PyTorch 1.13.1 lists them.
  EXPECT_EQ(own_parameter_names(mha),
            (std::vector<std::string>{"q_proj_weight", "k_proj_weight", "v_proj_weight", "in_proj_weight",
                                      "in_proj_bias", "bias_k", "bias_v"}));
  EXPECT_EQ(describe(mha.named_parameters()),
            (std::vector<std::string>{"q_proj_weight [4, 4] float32", "k_proj_weight [4, 3] float32",
                                      "v_proj_weight [4, 5] float32", "in_proj_bias [12] float32",
                                      "bias_k [1, 1, 4] float32", "bias_v [1, 1, 4] float32",
                                      "out_proj.weight [4, 4] float32", "out_proj.bias [4] float32"}));
}

// The draw order of docs/rng.md §7: out_proj as a Linear, then xavier_uniform_ on q, k, v, then
// xavier_normal_ on bias_k and bias_v.
TEST(MultiheadAttention, DrawOrder) {
  TorchGenerator built(21), replayed(21);
  MultiheadAttention mha({.embed_dim = 6, .num_heads = 3, .add_bias_kv = true, .kdim = 2, .vdim = 4}, built);
  Linear out_proj({.in_features = 6, .out_features = 6}, replayed);
  for (const Shape& shape : {Shape{6, 6}, Shape{6, 2}, Shape{6, 4}})
    init::xavier_uniform_(Tensor::empty(shape), {}, replayed);
  const Tensor bias_k = Tensor::empty({1, 1, 6});
  init::xavier_normal_(bias_k, {}, replayed);
  init::xavier_normal_(Tensor::empty({1, 1, 6}), {}, replayed);
  EXPECT_EQ(built.get_state(), replayed.get_state());
  EXPECT_EQ(mha.parameter("bias_k").to_doubles(), bias_k.to_doubles());
  EXPECT_EQ(mha.child("out_proj").parameter("weight").to_doubles(), out_proj.weight().to_doubles());
  EXPECT_EQ(mha.child("out_proj").type_name(), "NonDynamicallyQuantizableLinear");
}

TEST(MultiheadAttention, BiasFreeAndRepr) {
  MultiheadAttention mha({.embed_dim = 4, .num_heads = 2, .bias = false});
  EXPECT_EQ(own_parameter_names(mha),
            (std::vector<std::string>{"in_proj_weight", "q_proj_weight", "k_proj_weight", "v_proj_weight",
                                      "in_proj_bias"}));
  EXPECT_EQ(names(mha.named_parameters()), (std::vector<std::string>{"in_proj_weight", "out_proj.weight"}));
  // PyTorch 1.13.1 and 2.14.1.
  EXPECT_EQ(
      MultiheadAttention({.embed_dim = 8, .num_heads = 2}).repr(),
      "MultiheadAttention(\n  (out_proj): NonDynamicallyQuantizableLinear(in_features=8, out_features=8, "
      "bias=True)\n)");
  ModulePtr copy = mha.clone();
  EXPECT_EQ(copy->child("out_proj").type_name(), "NonDynamicallyQuantizableLinear");
  EXPECT_NE(dynamic_cast<NonDynamicallyQuantizableLinear*>(&copy->child("out_proj")), nullptr);
}

// Messages of PyTorch 1.13.1 and 2.14.1 for the same arguments.
TEST(MultiheadAttention, ChecksByRelease) {
  TorchGenerator v113 = torch_at(1, 13), v214 = torch_at(2, 14);
  auto mha = [](std::int64_t e, std::int64_t heads, TorchGenerator& g) {
    return error_of([&] { MultiheadAttention m({.embed_dim = e, .num_heads = heads}, g); });
  };
  EXPECT_EQ(mha(8, 3, v113), "AssertionError: MultiheadAttention: embed_dim must be divisible by num_heads");
  EXPECT_EQ(mha(8, 3, v214), "AssertionError: MultiheadAttention: embed_dim must be divisible by num_heads");
  EXPECT_EQ(mha(8, 0, v113), "ZeroDivisionError: MultiheadAttention: integer division or modulo by zero");
  EXPECT_EQ(mha(8, -2, v113), "no error");  // 8 // -2 * -2 == 8
  EXPECT_EQ(
      mha(8, -2, v214),
      "ValueError: MultiheadAttention: embed_dim and num_heads must be greater than 0, got embed_dim=8 and "
      "num_heads=-2 instead");
  ScopedWarningCapture warnings;  // out_proj's kaiming_uniform_ on an empty weight
  EXPECT_EQ(mha(0, 2, v113), "ZeroDivisionError: xavier_uniform_: float division by zero");
}

TEST(TransformerEncoderLayer, ChildrenDrawsAndRepr) {
  TorchGenerator built(8), replayed(8);
  TransformerEncoderLayer layer({.d_model = 4, .nhead = 2, .dim_feedforward = 8}, built);
  EXPECT_EQ(module_names(layer),
            (std::vector<std::string>{"", "self_attn", "self_attn.out_proj", "linear1", "dropout", "linear2",
                                      "norm1", "norm2", "dropout1", "dropout2"}));
  MultiheadAttention attention({.embed_dim = 4, .num_heads = 2, .dropout = 0.1}, replayed);
  Linear linear1({.in_features = 4, .out_features = 8}, replayed);
  Linear linear2({.in_features = 8, .out_features = 4}, replayed);
  EXPECT_EQ(built.get_state(), replayed.get_state());
  // PyTorch 1.13.1's repr (2.14.1 adds ", bias=True" to the LayerNorms).
  TorchGenerator v113 = torch_at(1, 13);
  EXPECT_EQ(TransformerEncoderLayer({.d_model = 8, .nhead = 2, .dim_feedforward = 16}, v113).repr(),
            "TransformerEncoderLayer(\n"
            "  (self_attn): MultiheadAttention(\n"
            "    (out_proj): NonDynamicallyQuantizableLinear(in_features=8, out_features=8, bias=True)\n"
            "  )\n"
            "  (linear1): Linear(in_features=8, out_features=16, bias=True)\n"
            "  (dropout): Dropout(p=0.1, inplace=False)\n"
            "  (linear2): Linear(in_features=16, out_features=8, bias=True)\n"
            "  (norm1): LayerNorm((8,), eps=1e-05, elementwise_affine=True)\n"
            "  (norm2): LayerNorm((8,), eps=1e-05, elementwise_affine=True)\n"
            "  (dropout1): Dropout(p=0.1, inplace=False)\n"
            "  (dropout2): Dropout(p=0.1, inplace=False)\n"
            ")");
}

TEST(TransformerDecoderLayer, ParametersAndActivationChild) {
  TransformerDecoderLayer layer(
      {.d_model = 4, .nhead = 2, .dim_feedforward = 8, .activation_module = std::make_shared<GELU>()});
  // named_parameters() of PyTorch 1.13.1's TransformerDecoderLayer(4, 2, 8).
  EXPECT_EQ(names(layer.named_parameters()),
            (std::vector<std::string>{
                "self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight",
                "self_attn.out_proj.bias", "multihead_attn.in_proj_weight", "multihead_attn.in_proj_bias",
                "multihead_attn.out_proj.weight", "multihead_attn.out_proj.bias", "linear1.weight",
                "linear1.bias", "linear2.weight", "linear2.bias", "norm1.weight", "norm1.bias",
                "norm2.weight", "norm2.bias", "norm3.weight", "norm3.bias"}));
  EXPECT_EQ(layer.own_children().back().first, "activation");
  EXPECT_EQ(layer.own_children().size(), 12u);
  EXPECT_EQ(error_of([] { transformer_activation_from_name("tanh", "TransformerEncoderLayer"); }),
            "RuntimeError: TransformerEncoderLayer: activation should be relu/gelu, not tanh");
}

TEST(TransformerEncoder, DeepCopiesWithoutDraws) {
  TorchGenerator g(3);
  auto layer = std::make_shared<TransformerEncoderLayer>(
      TransformerLayerOptions{.d_model = 4, .nhead = 2, .dim_feedforward = 8, .batch_first = true}, g);
  const auto state = g.get_state();
  auto norm = std::make_shared<LayerNorm>(LayerNormOptions{.normalized_shape = {4}}, g);
  TransformerEncoder encoder({.encoder_layer = layer, .num_layers = 2, .norm = norm}, g);
  EXPECT_EQ(g.get_state(), state);
  EXPECT_EQ(encoder.named_children().size(), 2u);
  const Tensor& first = encoder.child("layers").child("0").child("linear1").parameter("weight");
  const Tensor& second = encoder.child("layers").child("1").child("linear1").parameter("weight");
  EXPECT_EQ(first.to_doubles(), second.to_doubles());
  EXPECT_EQ(first.to_doubles(), layer->child("linear1").parameter("weight").to_doubles());
  EXPECT_FALSE(first.shares_storage_with(second));
  EXPECT_FALSE(first.shares_storage_with(layer->child("linear1").parameter("weight")));
  EXPECT_EQ(names(encoder.named_parameters()).back(), "norm.bias");
  EXPECT_TRUE(encoder.use_nested_tensor());
}

// The warnings PyTorch 2.14.1 emits (and 1.13.1 does not) when building these encoders.
TEST(TransformerEncoder, NestedTensorWarningByRelease) {
  struct Case {
    TransformerLayerOptions layer;
    const char* why;
  };
  const Case cases[] = {
      {{.d_model = 8, .nhead = 2},
       "encoder_layer.self_attn.batch_first was not True(use batch_first for better inference performance)"},
      {{.d_model = 8, .nhead = 2, .batch_first = true, .norm_first = true},
       "encoder_layer.norm_first was True"},
      {{.d_model = 8, .nhead = 1, .batch_first = true}, "encoder_layer.self_attn.num_heads is odd"},
      {{.d_model = 8, .nhead = 2, .activation_module = std::make_shared<Tanh>(), .batch_first = true},
       "encoder_layer.activation_relu_or_gelu was not True"},
      {{.d_model = 8, .nhead = 2, .activation_module = std::make_shared<GELU>(), .batch_first = true},
       nullptr},
  };
  for (const Case& c : cases) {
    for (auto [major, minor] : {std::pair{1, 13}, std::pair{2, 14}}) {
      TorchGenerator g = torch_at(major, minor);
      auto layer = std::make_shared<TransformerEncoderLayer>(c.layer, g);
      ScopedWarningCapture warnings;
      TransformerEncoder encoder({.encoder_layer = layer, .num_layers = 2}, g);
      if (major == 1 || c.why == nullptr) {
        EXPECT_TRUE(warnings.warnings().empty());
        continue;
      }
      ASSERT_EQ(warnings.warnings().size(), 1u);
      EXPECT_EQ(
          warnings.warnings()[0].message,
          std::string("enable_nested_tensor is True, but self.use_nested_tensor is False because ") + c.why);
      EXPECT_FALSE(encoder.use_nested_tensor());
    }
  }
  TorchGenerator g = torch_at(2, 14);
  ScopedWarningCapture warnings;
  TransformerEncoder not_a_layer(
      {.encoder_layer = std::make_shared<Linear>(LinearOptions{.in_features = 2, .out_features = 2}),
       .num_layers = 2},
      g);
  ASSERT_EQ(warnings.warnings().size(), 1u);
  EXPECT_EQ(warnings.warnings()[0].message,
            "enable_nested_tensor is True, but self.use_nested_tensor is False because encoder_layer was not "
            "TransformerEncoderLayer");
}

// From PyTorch 1.13.1 and 2.14.1 (the same bits on every capability):
//   ATEN_CPU_CAPABILITY=avx2 python3 -c 'import torch; torch.manual_seed(0);
//     m = torch.nn.Transformer(8, 2, 1, 1, 16); print(m.encoder.layers[0].linear1.weight[0,:3],
//     m.decoder.layers[0].self_attn.out_proj.bias[:2], m.decoder.layers[0].linear2.bias[:2], torch.rand(1))'
TEST(Transformer, KnownAnswersFromPyTorch) {
  for (auto [major, minor] : {std::pair{1, 13}, std::pair{2, 14}}) {
    TorchGenerator g = torch_at(major, minor);
    ScopedWarningCapture warnings;
    Transformer transformer(
        {.d_model = 8, .nhead = 2, .num_encoder_layers = 1, .num_decoder_layers = 1, .dim_feedforward = 16},
        g);
    Module& encoder_layer = transformer.child("encoder").child("layers").child("0");
    Module& decoder_layer = transformer.child("decoder").child("layers").child("0");
    EXPECT_EQ(hex32(encoder_layer.child("linear1").parameter("weight"), 3), "be9aea20 3dbdb888 3c564280");
    EXPECT_EQ(hex32(decoder_layer.child("self_attn").child("out_proj").parameter("bias"), 2),
              "00000000 00000000");
    EXPECT_EQ(hex32(decoder_layer.child("linear2").parameter("bias"), 2), "bdb94078 bd839e7c");
    EXPECT_EQ(next_rand(g), "3d8afcb0");
    EXPECT_EQ(transformer.named_parameters().size(), 34u);
    EXPECT_EQ(warnings.warnings().size(), major == 1 ? 0u : 1u);  // the nested-tensor warning of 2.x
  }
}

TEST(Transformer, CustomEncoderIsReinitialisedToo) {
  TorchGenerator built(5), replayed(5);
  auto custom = std::make_shared<Linear>(LinearOptions{.in_features = 3, .out_features = 2}, built);
  Transformer transformer(
      {.d_model = 4, .nhead = 2, .num_decoder_layers = 0, .dim_feedforward = 8, .custom_encoder = custom},
      built);
  EXPECT_EQ(module_names(transformer)[1], "encoder");
  // Replay: the custom Linear, the decoder layer, its norm, then xavier_uniform_ on every matrix.
  Linear linear({.in_features = 3, .out_features = 2}, replayed);
  TransformerDecoderLayer decoder_layer({.d_model = 4, .nhead = 2, .dim_feedforward = 8}, replayed);
  init::xavier_uniform_(linear.weight(), {}, replayed);
  EXPECT_EQ(built.get_state(), replayed.get_state());
  EXPECT_EQ(custom->weight().to_doubles(), linear.weight().to_doubles());
}

// PyTorch 1.13.1: TypeError "Transformer.__init__() got an unexpected keyword argument 'bias'".
TEST(Transformer, BiasArgumentFrom21) {
  TorchGenerator v113 = torch_at(1, 13), v214 = torch_at(2, 14);
  EXPECT_EQ(error_of([&] {
              Transformer t(
                  {.d_model = 4, .nhead = 2, .num_encoder_layers = 1, .num_decoder_layers = 1, .bias = false},
                  v113);
            }),
            "TypeError: Transformer: Transformer.__init__() got an unexpected keyword argument 'bias'");
  EXPECT_EQ(error_of([&] { TransformerEncoderLayer t({.d_model = 4, .nhead = 2, .bias = false}, v113); }),
            "TypeError: TransformerEncoderLayer: TransformerEncoderLayer.__init__() got an unexpected "
            "keyword argument "
            "'bias'");
  ScopedWarningCapture warnings;
  Transformer no_bias({.d_model = 4,
                       .nhead = 2,
                       .num_encoder_layers = 1,
                       .num_decoder_layers = 1,
                       .dim_feedforward = 8,
                       .bias = false},
                      v214);
  for (const NamedTensor& p : no_bias.named_parameters())
    EXPECT_EQ(p.name.find("bias"), std::string::npos) << p.name;
}

}  // namespace
}  // namespace nninit::nn
