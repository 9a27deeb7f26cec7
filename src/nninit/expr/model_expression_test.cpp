#include "nninit/expr/model_expression.h"

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "nninit/core/warning.h"
#include "nninit/nn/container.h"
#include "nninit/nn/layer_test_support.h"
#include "nninit/nn/linear.h"
#include "nninit/random/torch_generator.h"

namespace nninit::expr {
namespace {

using nn::testing::error_of;
using nn::testing::hex32;

constexpr TorchVersion v113{1, 13};
constexpr TorchVersion v26{2, 6};
constexpr TorchVersion v214{2, 14};

TorchGenerator generator_for(TorchVersion version, TorchCapability capability = TorchCapability::avx2,
                             std::uint64_t seed = 0) {
  return TorchGenerator(seed, {.version = version, .capability = capability});
}

nn::ModulePtr build(std::string_view expression, TorchVersion version = v214) {
  TorchGenerator g = generator_for(version);
  return build_model(expression, g);
}

std::string error(std::string_view expression, TorchVersion version = v214) {
  return error_of([&] { build(expression, version); });
}

#define EXPECT_STARTS_WITH(text, prefix) \
  EXPECT_EQ(std::string(text).substr(0, std::string_view(prefix).size()), std::string_view(prefix))

// "name [shape] dtype bits bits bits" for each floating-point state_dict entry, then the next rand.
std::vector<std::string> fingerprint(const nn::Module& module, TorchGenerator& generator) {
  std::vector<std::string> out;
  for (const NamedTensor& entry : module.state_dict()) {
    const Tensor& t = entry.tensor;
    if (!is_floating_point(t.dtype()) || t.numel() == 0) continue;
    out.push_back(fmt::format("{} {} {} {}", entry.name, shape_string(t.sizes()), dtype_name(t.dtype()),
                              hex32(t, std::min<std::int64_t>(3, t.numel()))));
  }
  Tensor next = Tensor::empty({1});
  generator.uniform_(next, 0, 1);
  out.push_back("rand " + hex32(next, 1));
  return out;
}

struct KnownAnswer {
  const char* expression;
  std::vector<std::string> lines;
};

// Known answers from PyTorch, as `fingerprint` prints them: every floating-point state_dict entry with its
// shape, dtype and first (up to) three values as float32 bits, then the next torch.rand(1). For each EXPR:
//   ATEN_CPU_CAPABILITY=avx2 /usr/bin/python3 -c 'import struct, torch
//   from torch import nn; from torch.nn import *
//   torch.manual_seed(0); m = eval(EXPR)
//   h = lambda v: " ".join("%08x" % struct.unpack("<I", struct.pack("<f", x))[0]
//                          for x in v.detach().flatten()[:3].float().tolist())
//   [print(k, list(v.shape), str(v.dtype)[6:], h(v)) for k, v in m.state_dict().items()
//    if v.is_floating_point() and v.numel()]
//   print("rand", h(torch.rand(1)))'                                                     (PyTorch 1.13)
// and the same with scripts/in-oracle sid python3 -c '...' (PyTorch 2.14), from the repository root.
// These cases print the same in both.
const KnownAnswer kEveryRelease[] = {
    {"Sequential(Linear(4, 3), ReLU(), Linear(3, 2))",
     {"0.weight [3, 4] float32 bb755400 3e89545e bed2b316", "0.bias [3] float32 bef491b8 bea98b52 be530ee8",
      "2.weight [2, 3] float32 3caf3408 3e69b98d 3eb15e66", "2.bias [2] float32 3ef57727 bdf35743",
      "rand 3f5fc8ae"}},
    {"nn.Sequential(nn.Conv2d(3, 4, 3, padding='same', bias=False), nn.BatchNorm2d(4), nn.ReLU(), "
     "nn.Flatten(), nn.Linear(4 * 5 * 5, 10))",
     {"0.weight [4, 3, 3, 3] float32 babcda8b 3dd36ec5 be223254",
      "1.weight [4] float32 3f800000 3f800000 3f800000", "1.bias [4] float32 00000000 00000000 00000000",
      "1.running_mean [4] float32 00000000 00000000 00000000",
      "1.running_var [4] float32 3f800000 3f800000 3f800000",
      "4.weight [10, 100] float32 bbb48ce7 3c75ff67 bd27be5d",
      "4.bias [10] float32 3cfa6a27 3ac0a133 bd3f14bd", "rand 3d7dc9a0"}},
    {"torch.nn.LSTM(4, 3, num_layers=2, bidirectional=True)",
     {"weight_ih_l0 [12, 4] float32 bb8da3e8 3e9e9313 bef34b7e",
      "weight_hh_l0 [12, 3] float32 be83193f bcaaa83d 3ebd0e68",
      "bias_ih_l0 [12] float32 3ddd5092 bdc7307a bdc2944d",
      "bias_hh_l0 [12] float32 3e939964 3df77b10 bee6986e",
      "weight_ih_l0_reverse [12, 4] float32 bd024d10 3db18894 be721df6",
      "weight_hh_l0_reverse [12, 3] float32 3eb8645d bee74ff9 bdf9f96e",
      "bias_ih_l0_reverse [12] float32 bed0831e 3cd2f128 bed06181",
      "bias_hh_l0_reverse [12] float32 beaba53e 3ecee714 be5484a3",
      "weight_ih_l1 [12, 6] float32 bee738f2 be9aef5c 3eeeb292",
      "weight_hh_l1 [12, 3] float32 be0731e5 bcd25546 beb40916",
      "bias_ih_l1 [12] float32 3eccb247 3f052fa5 3eadbdbb",
      "bias_hh_l1 [12] float32 3edf3ae5 3f13bea7 3f013cad",
      "weight_ih_l1_reverse [12, 6] float32 beb946f5 3e299df9 be4f413e",
      "weight_hh_l1_reverse [12, 3] float32 3cfd3a30 beb6846f 3cf26a3a",
      "bias_ih_l1_reverse [12] float32 3cfe314b 3e8c2e12 beed05fb",
      "bias_hh_l1_reverse [12] float32 bee52fe5 be3665a7 3e81c1eb", "rand 3e169010"}},
    {"Sequential(Embedding(10, 4, padding_idx=0), GRU(4, 3, batch_first=True), Linear(3, 2, "
     "dtype=torch.float64))",
     {"0.weight [10, 4] float32 00000000 00000000 00000000",
      "1.weight_ih_l0 [9, 4] float32 3ddc55ee bee52ed2 becce0ea",
      "1.weight_hh_l0 [9, 3] float32 3ed39d31 3e5d0f0b bf1248d6",
      "1.bias_ih_l0 [9] float32 3e0c3811 3e680197 3d0da74c",
      "1.bias_hh_l0 [9] float32 be4ed2e6 bef2486c bdfb8469",
      "2.weight [2, 3] float64 3e372f4a 3d4d11de 3d3e3ea7", "2.bias [2] float64 3f0083b1 3e1294a2",
      "rand 3f46322b"}},
    {"TransformerEncoder(TransformerEncoderLayer(8, 2, 16, dropout=0.0), 2, norm=LayerNorm(8))",
     {"layers.0.self_attn.in_proj_weight [24, 8] float32 3e2e4337 3eb7b104 3ec0ed59",
      "layers.0.self_attn.in_proj_bias [24] float32 00000000 00000000 00000000",
      "layers.0.self_attn.out_proj.weight [8, 8] float32 bb2d7922 3e42369c be94fcb1",
      "layers.0.self_attn.out_proj.bias [8] float32 00000000 00000000 00000000",
      "layers.0.linear1.weight [16, 8] float32 3e0351de bdf1d00a bdca5792",
      "layers.0.linear1.bias [16] float32 be4c15b3 be4b2559 be8b4a79",
      "layers.0.linear2.weight [8, 16] float32 bdba9e8c 3e0fe95c be1174d6",
      "layers.0.linear2.bias [8] float32 bd8282c4 be27904e bdb7a3e0",
      "layers.0.norm1.weight [8] float32 3f800000 3f800000 3f800000",
      "layers.0.norm1.bias [8] float32 00000000 00000000 00000000",
      "layers.0.norm2.weight [8] float32 3f800000 3f800000 3f800000",
      "layers.0.norm2.bias [8] float32 00000000 00000000 00000000",
      "layers.1.self_attn.in_proj_weight [24, 8] float32 3e2e4337 3eb7b104 3ec0ed59",
      "layers.1.self_attn.in_proj_bias [24] float32 00000000 00000000 00000000",
      "layers.1.self_attn.out_proj.weight [8, 8] float32 bb2d7922 3e42369c be94fcb1",
      "layers.1.self_attn.out_proj.bias [8] float32 00000000 00000000 00000000",
      "layers.1.linear1.weight [16, 8] float32 3e0351de bdf1d00a bdca5792",
      "layers.1.linear1.bias [16] float32 be4c15b3 be4b2559 be8b4a79",
      "layers.1.linear2.weight [8, 16] float32 bdba9e8c 3e0fe95c be1174d6",
      "layers.1.linear2.bias [8] float32 bd8282c4 be27904e bdb7a3e0",
      "layers.1.norm1.weight [8] float32 3f800000 3f800000 3f800000",
      "layers.1.norm1.bias [8] float32 00000000 00000000 00000000",
      "layers.1.norm2.weight [8] float32 3f800000 3f800000 3f800000",
      "layers.1.norm2.bias [8] float32 00000000 00000000 00000000",
      "norm.weight [8] float32 3f800000 3f800000 3f800000",
      "norm.bias [8] float32 00000000 00000000 00000000",
      "rand 3f1195d9"}},
    {"ModuleList([Linear(2, 2), Bilinear(2, 3, 4), Embedding(20, 3, max_norm=1.0)])",
     {"0.weight [2, 2] float32 bbad7922 3ec2369c bf14fcb1", "0.bias [2] float32 be8b70d6 3e422aab",
      "1.weight [4, 2, 3] float32 bc658a57 3f0f8740 bd8083de",
      "1.bias [4] float32 be8d1f66 3f1c669e beeaaa85", "2.weight [20, 3] float32 befc4028 3e7e6070 3ee11fd0",
      "rand 3e972906"}},
    {"Transformer(8, 2, 1, 1, 16)",
     {"encoder.layers.0.self_attn.in_proj_weight [24, 8] float32 3ec4b9c4 3ece4236 bd293e8c",
      "encoder.layers.0.self_attn.in_proj_bias [24] float32 00000000 00000000 00000000",
      "encoder.layers.0.self_attn.out_proj.weight [8, 8] float32 bdda1297 3ef8eb05 3c2563bd",
      "encoder.layers.0.self_attn.out_proj.bias [8] float32 00000000 00000000 00000000",
      "encoder.layers.0.linear1.weight [16, 8] float32 be9aea20 3dbdb888 3c564280",
      "encoder.layers.0.linear1.bias [16] float32 be4c15b3 be4b2559 be8b4a79",
      "encoder.layers.0.linear2.weight [8, 16] float32 3e05ae74 be55f10c 3ed94c74",
      "encoder.layers.0.linear2.bias [8] float32 bd8282c4 be27904e bdb7a3e0",
      "encoder.layers.0.norm1.weight [8] float32 3f800000 3f800000 3f800000",
      "encoder.layers.0.norm1.bias [8] float32 00000000 00000000 00000000",
      "encoder.layers.0.norm2.weight [8] float32 3f800000 3f800000 3f800000",
      "encoder.layers.0.norm2.bias [8] float32 00000000 00000000 00000000",
      "encoder.norm.weight [8] float32 3f800000 3f800000 3f800000",
      "encoder.norm.bias [8] float32 00000000 00000000 00000000",
      "decoder.layers.0.self_attn.in_proj_weight [24, 8] float32 be4f1fad be6af119 3ce06d88",
      "decoder.layers.0.self_attn.in_proj_bias [24] float32 00000000 00000000 00000000",
      "decoder.layers.0.self_attn.out_proj.weight [8, 8] float32 3f066ac8 3f0bf0e1 bef15fc2",
      "decoder.layers.0.self_attn.out_proj.bias [8] float32 00000000 00000000 00000000",
      "decoder.layers.0.multihead_attn.in_proj_weight [24, 8] float32 bcec38b6 3e2ca4fc be91dd34",
      "decoder.layers.0.multihead_attn.in_proj_bias [24] float32 00000000 00000000 00000000",
      "decoder.layers.0.multihead_attn.out_proj.weight [8, 8] float32 bf11367c 3ee59996 3e4b5b6e",
      "decoder.layers.0.multihead_attn.out_proj.bias [8] float32 00000000 00000000 00000000",
      "decoder.layers.0.linear1.weight [16, 8] float32 3d7d88e0 bee1b5c0 3ed53182",
      "decoder.layers.0.linear1.bias [16] float32 3e19e688 3ea2d041 3ea85263",
      "decoder.layers.0.linear2.weight [8, 16] float32 be5f0234 be9d949a 3dcb5290",
      "decoder.layers.0.linear2.bias [8] float32 bdb94078 bd839e7c 3e5c91dc",
      "decoder.layers.0.norm1.weight [8] float32 3f800000 3f800000 3f800000",
      "decoder.layers.0.norm1.bias [8] float32 00000000 00000000 00000000",
      "decoder.layers.0.norm2.weight [8] float32 3f800000 3f800000 3f800000",
      "decoder.layers.0.norm2.bias [8] float32 00000000 00000000 00000000",
      "decoder.layers.0.norm3.weight [8] float32 3f800000 3f800000 3f800000",
      "decoder.layers.0.norm3.bias [8] float32 00000000 00000000 00000000",
      "decoder.norm.weight [8] float32 3f800000 3f800000 3f800000",
      "decoder.norm.bias [8] float32 00000000 00000000 00000000",
      "rand 3d8afcb0"}},
    {"Linear(True, 3, bias=0)", {"weight [3, 1] float32 bbf55400 3f09545e bf52b316", "rand 3e073300"}},
};

// 16-bit dtypes: PyTorch 2.12 changed the uniform_ algorithm for float16 and bfloat16 (docs/rng.md §2),
// so 1.13 and 2.14 differ. Same commands as above.
const KnownAnswer kSixteenBit113 = {
    "Sequential(Linear(5, 4, dtype=torch.half), Linear(4, 3, dtype=torch.bfloat16), LayerNorm(3, "
    "dtype=torch.bfloat16))",
    {"0.weight [4, 5] float16 be182000 be500000 3e8ca000", "0.bias [4] float16 3e596000 be538000 bed18000",
     "1.weight [3, 4] bfloat16 be200000 be3c0000 3e140000", "1.bias [3] bfloat16 3efc0000 be440000 3e3c0000",
     "2.weight [3] bfloat16 3f800000 3f800000 3f800000", "2.bias [3] bfloat16 00000000 00000000 00000000",
     "rand 3f3e09c0"}};
const KnownAnswer kSixteenBit214 = {
    "Sequential(Linear(5, 4, dtype=torch.half), Linear(4, 3, dtype=torch.bfloat16), LayerNorm(3, "
    "dtype=torch.bfloat16))",
    {"0.weight [4, 5] float16 bb5b6000 3e75a000 bebc8000", "0.bias [4] float16 3e266000 3ebe2000 bdbc8000",
     "1.weight [3, 4] bfloat16 bda50000 3d590000 3ee80000", "1.bias [3] bfloat16 be950000 3edc0000 3e640000",
     "2.weight [3] bfloat16 3f800000 3f800000 3f800000", "2.bias [3] bfloat16 00000000 00000000 00000000",
     "rand 3f3e09c0"}};

// The avx2 and the generic (ATEN_CPU_CAPABILITY=default) kernels round kaiming_uniform_'s bounds differently
// (docs/rng.md §4). Same commands, with ATEN_CPU_CAPABILITY=default for the second; 1.13 and 2.14 agree.
const KnownAnswer kConvolutionsAvx2 = {
    "Sequential(Conv1d(2, 4, 3, groups=2), ConvTranspose2d(4, 2, (2, 3), stride=2), Conv3d(2, 2, 1, "
    "bias=False))",
    {"0.weight [4, 1, 3] float32 bb8da3e8 3e9e9313 bef34b7e", "0.bias [4] float32 bf0d33bd bec3c5d6 be73b584",
     "1.weight [4, 2, 2, 3] float32 3de9b98d 3e315e66 be4866d2", "1.bias [2] float32 3e224728 bd153db8",
     "2.weight [2, 2, 1, 1, 1] float32 3cdd2bcf 3e27c5aa 3ee099ae", "rand 3deae1a8"}};
const KnownAnswer kConvolutionsGeneric = {
    "Sequential(Conv1d(2, 4, 3, groups=2), ConvTranspose2d(4, 2, (2, 3), stride=2), Conv3d(2, 2, 1, "
    "bias=False))",
    {"0.weight [4, 1, 3] float32 bb8da400 3e9e9314 bef34b7e", "0.bias [4] float32 bf0d33bd bec3c5d6 be73b584",
     "1.weight [4, 2, 2, 3] float32 3de9b98c 3e315e66 be4866d2", "1.bias [2] float32 3e224728 bd153db8",
     "2.weight [2, 2, 1, 1, 1] float32 3cdd2bc0 3e27c5ac 3ee099ae", "rand 3deae1a8"}};
const KnownAnswer kAttentionFloat64 = {
    "nn.MultiheadAttention(6, 2, kdim=4, vdim=5, add_bias_kv=True, dtype=torch.float64)",
    {"q_proj_weight [6, 6] float64 3eb411cd be652979 3d5d6c43",
     "k_proj_weight [6, 4] float64 bbf74d74 bf091433 bed686a0",
     "v_proj_weight [6, 5] float64 3e8620d4 3dbbfae7 bda20d7e",
     "in_proj_bias [18] float64 00000000 00000000 00000000",
     "bias_k [1, 1, 6] float64 bf4df2b0 3e8348ba bd3d35f2",
     "bias_v [1, 1, 6] float64 bf0300d2 bcc5daaa 3ef849be",
     "out_proj.weight [6, 6] float64 3ec480ff 3e2dc1b2 bd07d6a6",
     "out_proj.bias [6] float64 00000000 00000000 00000000", "rand 3ec5757a"}};

// Containers as PyTorch users write them: ModuleDict, Sequential(OrderedDict(...)), comprehensions and
// unpacking. Same command as above, with `from collections import OrderedDict` (PyTorch 1.13).
const KnownAnswer kContainers113[] = {
    {"ModuleDict({'fc': Linear(3, 2), 'heads': ModuleList([Linear(2, 2 ** i) for i in range(1, 3)]), "
     "'act': ReLU()})",
     {"fc.weight [2, 3] float32 bb8da3e8 3e9e9313 bef34b7e", "fc.bias [2] float32 bc3b6b40 3eea617a",
      "heads.0.weight [2, 2] float32 bd8083de 3e3f9997 be5ad35d",
      "heads.0.bias [2] float32 bf2cefc2 beefc590",
      "heads.1.weight [4, 2] float32 be953d9f 3cd6944c 3e8f206b",
      "heads.1.bias [4] float32 be1503e7 3f07757a bde96b1e", "rand 3f73e6a5"}},
    {"Sequential(OrderedDict([('fc1', Linear(3, 4)), ('relu', ReLU()), ('fc2', Linear(4, 2))]))",
     {"fc1.weight [4, 3] float32 bb8da3e8 3e9e9313 bef34b7e",
      "fc1.bias [4] float32 bf0d33bd bec3c5d6 be73b584",
      "fc2.weight [2, 4] float32 3e4a6960 3e999b18 bead8d8c", "fc2.bias [2] float32 bda50d40 3d58b510",
      "rand 3f73e6a5"}},
    {"Sequential(*[Linear(4 - i, 3 - i) for i in range(2)], *[Tanh()], "
     "Linear(**{'in_features': 2, 'out_features': 1}))",
     {"0.weight [3, 4] float32 bb755400 3e89545e bed2b316", "0.bias [3] float32 bef491b8 bea98b52 be530ee8",
      "1.weight [2, 3] float32 3caf3408 3e69b98d 3eb15e66", "1.bias [2] float32 3ef57727 bdf35743",
      "3.weight [1, 2] float32 3f07757a bde96b1e", "3.bias [1] float32 3d993c35", "rand 3f73e6a5"}},
    // A repeated name keeps its first place and takes the last module (all three were built and drew).
    {"ModuleDict([('a', Linear(2, 2)), ('b', Linear(2, 1)), ('a', Linear(2, 3))])",
     {"a.weight [3, 2] float32 3e3f9997 be5ad35d be0e541b", "a.bias [3] float32 3cd6944c 3e8f206b 3ed93b40",
      "b.weight [1, 2] float32 bc658a57 3f0f8740", "b.bias [1] float32 bd8083de", "rand 3e24e4e8"}},
};

std::vector<std::string> fingerprint_of(const KnownAnswer& answer, TorchVersion version,
                                        TorchCapability capability = TorchCapability::avx2) {
  TorchGenerator g = generator_for(version, capability);
  const nn::ModulePtr model = build_model(answer.expression, g);
  return fingerprint(*model, g);
}

TEST(ModelExpression, KnownAnswersFromPyTorch) {
  for (const KnownAnswer& answer : kEveryRelease) {
    for (TorchVersion version : {v113, v214}) {
      EXPECT_EQ(fingerprint_of(answer, version), answer.lines) << answer.expression << " " << version.str();
    }
  }
  EXPECT_EQ(fingerprint_of(kSixteenBit113, v113), kSixteenBit113.lines);
  EXPECT_EQ(fingerprint_of(kSixteenBit214, v214), kSixteenBit214.lines);
  for (TorchVersion version : {v113, v214}) {
    EXPECT_EQ(fingerprint_of(kConvolutionsAvx2, version), kConvolutionsAvx2.lines);
    EXPECT_EQ(fingerprint_of(kConvolutionsGeneric, version, TorchCapability::generic),
              kConvolutionsGeneric.lines);
    EXPECT_EQ(fingerprint_of(kAttentionFloat64, version), kAttentionFloat64.lines);
  }
}

// print(model) in PyTorch 1.13 (/usr/bin/python3 -c 'import torch; from torch.nn import *; print(EXPR)').
TEST(ModelExpression, PaddingShufflesUpsamplingAndLocalResponseNorm) {
  const nn::ModulePtr model = build(
      "Sequential(ConstantPad1d(2, 3.5), ConstantPad2d((1, 0, 2, 0), 1), ConstantPad3d(1, 0.0), "
      "ZeroPad2d((1, 2, 0, 1)), ReflectionPad1d(2), ReflectionPad2d((1, 1, 2, 0)), ReflectionPad3d(1), "
      "ReplicationPad1d((1, 2)), ReplicationPad2d(1), ReplicationPad3d(1), PixelShuffle(2), "
      "PixelUnshuffle(downscale_factor=2), ChannelShuffle(3), Upsample(scale_factor=2), "
      "Upsample(size=(4, 5), mode='bilinear'), Upsample(size=4), Upsample(scale_factor=(2, 3)), "
      "LocalResponseNorm(3, alpha=0.5), UpsamplingNearest2d(scale_factor=2), UpsamplingBilinear2d(size=(3, "
      "4)))",
      v113);
  EXPECT_EQ(model->repr(),
            "Sequential(\n"
            "  (0): ConstantPad1d(padding=(2, 2), value=3.5)\n"
            "  (1): ConstantPad2d(padding=(1, 0, 2, 0), value=1)\n"
            "  (2): ConstantPad3d(padding=(1, 1, 1, 1, 1, 1), value=0.0)\n"
            "  (3): ZeroPad2d((1, 2, 0, 1))\n"
            "  (4): ReflectionPad1d((2, 2))\n"
            "  (5): ReflectionPad2d((1, 1, 2, 0))\n"
            "  (6): ReflectionPad3d((1, 1, 1, 1, 1, 1))\n"
            "  (7): ReplicationPad1d((1, 2))\n"
            "  (8): ReplicationPad2d((1, 1, 1, 1))\n"
            "  (9): ReplicationPad3d((1, 1, 1, 1, 1, 1))\n"
            "  (10): PixelShuffle(upscale_factor=2)\n"
            "  (11): PixelUnshuffle(downscale_factor=2)\n"
            "  (12): ChannelShuffle(groups=3)\n"
            "  (13): Upsample(scale_factor=2.0, mode=nearest)\n"
            "  (14): Upsample(size=(4, 5), mode=bilinear)\n"
            "  (15): Upsample(size=4, mode=nearest)\n"
            "  (16): Upsample(scale_factor=(2.0, 3.0), mode=nearest)\n"
            "  (17): LocalResponseNorm(3, alpha=0.5, beta=0.75, k=1.0)\n"
            "  (18): UpsamplingNearest2d(scale_factor=2.0, mode=nearest)\n"
            "  (19): UpsamplingBilinear2d(size=(3, 4), mode=bilinear)\n"
            ")");
  EXPECT_TRUE(model->child("18").is_instance("Upsample"));
  EXPECT_TRUE(model->child("3").is_instance("ConstantPad2d"));
  EXPECT_TRUE(model->child("5").is_instance("_ReflectionPadNd"));
  EXPECT_STARTS_WITH(error("ConstantPad2d(1)"),
                     "TypeError: ConstantPad2d.__init__() missing 1 required positional argument: 'value'");
  EXPECT_STARTS_WITH(error("PixelShuffle(2.0)"), "TypeError: ");
}

TEST(ModelExpression, ContainersAsPyTorchUsersWriteThem) {
  for (const KnownAnswer& answer : kContainers113) {
    EXPECT_EQ(fingerprint_of(answer, v113), answer.lines) << answer.expression;
  }
  EXPECT_EQ(build("ModuleDict()")->type_name(), "ModuleDict");
  EXPECT_EQ(build("nn.ModuleDict(OrderedDict(b=ReLU(), a=Tanh()))")->own_children()[1].first, "a");
  EXPECT_EQ(build("Sequential(collections.OrderedDict({'x': ReLU()}))")->own_children()[0].first, "x");
  // In PyTorch (1.13, 2.14) Sequential takes its names from an OrderedDict only; a plain dict is one
  // argument.
  EXPECT_STARTS_WITH(error("Sequential({'a': Linear(2, 2)})"), "TypeError: dict is not a Module subclass");
  EXPECT_STARTS_WITH(error("Sequential(OrderedDict([('a.b', ReLU())]))"),
                     "ValueError: module name can't contain \".\", got: a.b at column 26");
  EXPECT_STARTS_WITH(error("ModuleDict({'': ReLU()})"), "ValueError: module name can't be empty string \"\"");
  EXPECT_STARTS_WITH(error("ModuleDict({1: ReLU()})"), "TypeError: module name should be a string. Got int");
  EXPECT_STARTS_WITH(error("ModuleDict({'a': 3})"), "TypeError: int is not a Module subclass");
  EXPECT_STARTS_WITH(error("ModuleDict([3])"),
                     "TypeError: ModuleDict update sequence element #0 should be Iterable; isint");
  EXPECT_STARTS_WITH(error("ModuleDict([('a', ReLU(), 1)])"),
                     "ValueError: ModuleDict update sequence element #0 has length 3; 2 is required");
  EXPECT_STARTS_WITH(
      error("ModuleDict(3)"),
      "TypeError: ModuleDict.update should be called with an iterable of key/value pairs, but got "
      "int");
  EXPECT_STARTS_WITH(error("Sequential(OrderedDict(3))"), "ValueError: nninit takes OrderedDict with a list");
}

// Python evaluates a call's arguments first, left to right: the nested modules draw before their container,
// in source order, exactly as constructing them one after the other.
TEST(ModelExpression, DrawsInPythonsEvaluationOrder) {
  TorchGenerator g = generator_for(v214, TorchCapability::avx2, 7);
  const nn::ModulePtr model =
      build_model("Sequential(Linear(4, 3), Sequential(Linear(3, 2), ReLU()), Linear(2, 1))", g);
  TorchGenerator h = generator_for(v214, TorchCapability::avx2, 7);
  const nn::Linear first({.in_features = 4, .out_features = 3}, h);
  const nn::Linear second({.in_features = 3, .out_features = 2}, h);
  const nn::Linear third({.in_features = 2, .out_features = 1}, h);
  const std::vector<NamedTensor> state = model->state_dict();
  ASSERT_EQ(state.size(), 6u);
  EXPECT_EQ(state[0].name, "0.weight");
  EXPECT_EQ(state[2].name, "1.0.weight");
  EXPECT_EQ(state[4].name, "2.weight");
  const Tensor expected[] = {first.weight(), first.bias(),   second.weight(),
                             second.bias(),  third.weight(), third.bias()};
  for (std::size_t i = 0; i < state.size(); ++i) {
    EXPECT_EQ(state[i].tensor.to_doubles(), expected[i].to_doubles()) << state[i].name;
  }
  EXPECT_EQ(fingerprint(*model, g).back(), fingerprint(third, h).back());  // the streams end in step
}

TEST(ModelExpression, PrefixesAreOptional) {
  const std::vector<std::string> plain = fingerprint_of({"Sequential(Linear(4, 3), GELU())", {}}, v214);
  EXPECT_EQ(fingerprint_of({"nn.Sequential(nn.Linear(4, 3), nn.GELU())", {}}, v214), plain);
  EXPECT_EQ(fingerprint_of({"torch.nn.Sequential(torch.nn.Linear(4, 3), nn.GELU())", {}}, v214), plain);
}

// Constant folding refuses a repeated list of calls ([Linear(2, 2)] * 3), whose elements Python would
// share: written out, each call is its own module.
TEST(ModelExpression, EachCallIsItsOwnModule) {
  const nn::ModulePtr list = build("ModuleList([Linear(2, 2), Linear(2, 2)])");
  auto& modules = dynamic_cast<nn::ModuleList&>(*list);
  ASSERT_EQ(modules.size(), 2u);
  EXPECT_NE(&modules[0], &modules[1]);
  EXPECT_NE(modules[0].parameter("weight").to_doubles(), modules[1].parameter("weight").to_doubles());
  EXPECT_STARTS_WITH(error("ModuleList([Linear(2, 2)] * 3)"),
                     "ValueError: repeating a sequence that holds calls");
}

// Each registry name with typical arguments, under the oldest and the newest release.
TEST(ModelExpression, EveryLayerBuilds) {
  struct Case {
    const char* expression;
    std::vector<std::string> parameters;  // named_parameters()
  };
  const Case cases[] = {
      {"Linear(4, 3)", {"weight", "bias"}},
      {"Bilinear(2, 3, 4, bias=False)", {"weight"}},
      {"Identity(54, unused_argument=0.1)", {}},
      {"Conv1d(2, 4, 3, stride=2, padding=1)", {"weight", "bias"}},
      {"Conv2d(3, 8, (3, 5), padding='valid', dilation=2)", {"weight", "bias"}},
      {"Conv3d(2, 2, 3, padding_mode='circular', bias=False)", {"weight"}},
      {"ConvTranspose1d(4, 2, 3, output_padding=1, stride=2)", {"weight", "bias"}},
      {"ConvTranspose2d(4, 4, 2, groups=2)", {"weight", "bias"}},
      {"ConvTranspose3d(2, 3, [1, 2, 3], padding=(0, 1, 1))", {"weight", "bias"}},
      {"Embedding(10, 4, padding_idx=-1, max_norm=1.0)", {"weight"}},
      {"EmbeddingBag(10, 4, mode='sum', include_last_offset=True)", {"weight"}},
      {"LayerNorm([4, 5], eps=1e-6)", {"weight", "bias"}},
      {"GroupNorm(2, 4, affine=False)", {}},
      {"BatchNorm1d(4, momentum=None)", {"weight", "bias"}},
      {"BatchNorm2d(4, track_running_stats=False)", {"weight", "bias"}},
      {"BatchNorm3d(4, affine=False)", {}},
      {"InstanceNorm1d(4, affine=True)", {"weight", "bias"}},
      {"InstanceNorm2d(4)", {}},
      {"InstanceNorm3d(4, track_running_stats=True)", {}},
      {"PReLU(3, init=0.1)", {"weight"}},
      {"RNN(3, 4, nonlinearity='relu')", {"weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"}},
      {"LSTM(3, 4, proj_size=2, bias=False)", {"weight_ih_l0", "weight_hh_l0", "weight_hr_l0"}},
      {"GRU(3, 4, 2, False)", {"weight_ih_l0", "weight_hh_l0", "weight_ih_l1", "weight_hh_l1"}},
      {"RNNCell(3, 4, nonlinearity='relu')", {"weight_ih", "weight_hh", "bias_ih", "bias_hh"}},
      {"LSTMCell(3, 4)", {"weight_ih", "weight_hh", "bias_ih", "bias_hh"}},
      {"GRUCell(3, 4, bias=False)", {"weight_ih", "weight_hh"}},
      {"MultiheadAttention(8, 2, bias=False)", {"in_proj_weight", "out_proj.weight"}},
      {"TransformerEncoderLayer(8, 2, 16, activation=nn.GELU())",
       {"self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight",
        "self_attn.out_proj.bias", "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias",
        "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias"}},
      {"TransformerDecoderLayer(4, 1, 8, activation=F.gelu, norm_first=True)", {}},
      {"TransformerEncoder(TransformerEncoderLayer(4, 2, 8, batch_first=True), 1)", {}},
      {"TransformerDecoder(TransformerDecoderLayer(4, 2, 8), 2, norm=LayerNorm(4))", {}},
      {"Transformer(4, 2, 1, 1, 8, activation='gelu')", {}},
      {"Sequential()", {}},
      {"ModuleList([Linear(2, 2), ReLU()])", {"0.weight", "0.bias"}},
      {"ModuleDict({'proj': Linear(2, 2), 'act': ReLU()})", {"proj.weight", "proj.bias"}},
      {"Sequential(ConstantPad1d(1, 0.5), ConstantPad2d(1, 0), ConstantPad3d(1, 0), ZeroPad2d(1), "
       "ReflectionPad1d(1), ReflectionPad2d(1), ReflectionPad3d(1), ReplicationPad1d(1), "
       "ReplicationPad2d(1), "
       "ReplicationPad3d(1), PixelShuffle(2), PixelUnshuffle(2), ChannelShuffle(2), "
       "Upsample(scale_factor=2), "
       "LocalResponseNorm(2), UpsamplingNearest2d(2), UpsamplingBilinear2d(scale_factor=2))",
       {}},
      {"Sequential(ReLU(inplace=True), ReLU6(), SELU(), SiLU(), Mish(), Hardswish(), Hardsigmoid(), "
       "LeakyReLU(0.2), ELU(alpha=0.5), CELU(), GELU(approximate='tanh'), Hardtanh(-2, 2), Softplus(beta=2), "
       "Softmax(dim=1), LogSoftmax(1), Softmin(-1), GLU(), Threshold(0.1, 20), Hardshrink(), "
       "Softshrink(0.3), "
       "RReLU(0.1, 0.3), Sigmoid(), Tanh(), Softsign(), Tanhshrink(), LogSigmoid(), Softmax2d())",
       {}},
      {"Sequential(Dropout(0.1), Dropout1d(), Dropout2d(p=0.2), Dropout3d(), AlphaDropout(0.5), "
       "FeatureAlphaDropout(), Flatten(0, -1), Unflatten(1, (2, 3)))",
       {}},
      {"Sequential(MaxPool1d(2), MaxPool2d((2, 3), stride=1), MaxPool3d(2, ceil_mode=True), AvgPool1d(3), "
       "AvgPool2d(2, divisor_override=3), AvgPool3d(2, padding=1), AdaptiveAvgPool1d(4), "
       "AdaptiveAvgPool2d((None, 3)), AdaptiveAvgPool3d(1), AdaptiveMaxPool1d(2), AdaptiveMaxPool2d(3, "
       "True), "
       "AdaptiveMaxPool3d((1, 2, 3)))",
       {}},
  };
  std::vector<std::string> covered;
  for (const Case& c : cases) {
    for (TorchVersion version : {v113, v214}) {
      const nn::ModulePtr model = build(c.expression, version);
      if (!c.parameters.empty()) {
        EXPECT_EQ(nn::testing::names(model->named_parameters()), c.parameters) << c.expression;
      }
      for (const nn::NamedModule& m : model->named_modules()) covered.push_back(m.module->type_name());
    }
  }
  EXPECT_EQ(build("RMSNorm(4, eps=1e-6)")->type_name(), "RMSNorm");
  covered.push_back("RMSNorm");
  for (const std::string& name : model_layer_names()) {
    EXPECT_NE(std::find(covered.begin(), covered.end(), name), covered.end()) << name << " is not tested";
  }
}

// Python's rules where PyTorch relies on them: bool is an int, `if bias:` tests truthiness.
TEST(ModelExpression, PythonTruthinessAndBoolsAsInts) {
  EXPECT_EQ(nn::testing::describe(build("Linear(True, 3)")->named_parameters()),
            (std::vector<std::string>{"weight [3, 1] float32", "bias [3] float32"}));
  for (const char* no_bias :
       {"Linear(4, 3, bias=0)", "Linear(4, 3, bias=None)", "Linear(4, 3, bias='')", "Linear(4, 3, bias=0.0)",
        "Linear(4, 3, bias=())", "Linear(4, 3, bias=Sequential())"}) {
    EXPECT_EQ(build(no_bias)->named_parameters().size(), 1u) << no_bias;
  }
  EXPECT_EQ(build("Linear(4, 3, bias='no')")->named_parameters().size(), 2u);
  EXPECT_EQ(build("LayerNorm(4, elementwise_affine=0)")->named_parameters().size(), 0u);
  EXPECT_EQ(build("Dropout(p=True)")->type_name(), "Dropout");
  EXPECT_EQ(build("LayerNorm(torch.Size([4, 2]))")->named_parameters()[0].tensor.sizes(), (Shape{4, 2}));
  // RNNBase checks bias and batch_first with isinstance(x, bool) from 2.11.
  EXPECT_EQ(build("RNN(3, 4, bias=1)", v113)->named_parameters().size(), 4u);
  EXPECT_EQ(error("RNN(3, 4, bias=1)"),
            "TypeError: RNN: bias should be of type bool, got: int at column 16\n"
            "  RNN(3, 4, bias=1)\n"
            "                 ^");
  EXPECT_EQ(error("LSTM(3, 4.0)"),
            "TypeError: LSTM: hidden_size should be of type int, got: float at column 9\n"
            "  LSTM(3, 4.0)\n"
            "          ^");
  EXPECT_EQ(error("LSTM(3, 4, dropout=True)", v113),
            "ValueError: LSTM: dropout should be a number in range [0, 1] representing the probability of an "
            "element being zeroed at column 20\n"
            "  LSTM(3, 4, dropout=True)\n"
            "                     ^");
}

TEST(ModelExpression, DtypeAndDevice) {
  for (const char* dtype : {"torch.float64", "torch.double"}) {
    EXPECT_EQ(build(fmt::format("Linear(4, 3, dtype={})", dtype))->named_parameters()[0].tensor.dtype(),
              DType::float64);
  }
  EXPECT_EQ(build("Linear(4, 3, dtype=torch.half)")->named_parameters()[0].tensor.dtype(), DType::float16);
  EXPECT_EQ(build("Linear(4, 3, dtype=torch.bfloat16)")->named_parameters()[0].tensor.dtype(),
            DType::bfloat16);
  EXPECT_EQ(build("Linear(4, 3, dtype=torch.float)")->named_parameters()[0].tensor.dtype(), DType::float32);
  EXPECT_EQ(build("Linear(4, 3, device='cpu', dtype=None)")->type_name(), "Linear");
  EXPECT_EQ(build("Linear(4, 3, device=torch.device('cpu'))")->type_name(), "Linear");
  EXPECT_EQ(
      error("Linear(4, 3, device='meta')"),
      "ValueError: Linear: nninit builds parameters on the CPU, not on device='meta' (PyTorch draws other "
      "devices' values from other generators) at column 21\n"
      "  Linear(4, 3, device='meta')\n"
      "                      ^");
  EXPECT_EQ(
      error("Linear(4, 3, dtype=torch.int64)"),
      "RuntimeError: Linear: Only Tensors of floating point and complex dtype can require gradients (nninit "
      "builds float32, float64, float16 and bfloat16 parameters) at column 20\n"
      "  Linear(4, 3, dtype=torch.int64)\n"
      "                     ^");
  EXPECT_EQ(error("Linear(4, 3, dtype='float64')"),
            "TypeError: Linear.__init__() argument 'dtype' must be torch.dtype, not str at column 20\n"
            "  Linear(4, 3, dtype='float64')\n"
            "                     ^");
}

// Signatures follow the release: arguments and classes appear when PyTorch added them.
TEST(ModelExpression, SignaturesByRelease) {
  EXPECT_EQ(error("LayerNorm(4, bias=False)", v113),
            "TypeError: LayerNorm.__init__() got an unexpected keyword argument 'bias' at column 14\n"
            "  LayerNorm(4, bias=False)\n"
            "               ^");
  EXPECT_EQ(build("LayerNorm(4, bias=False)", v214)->named_parameters().size(), 1u);
  // The norms' keyword-only bias (2.12).
  EXPECT_EQ(error("GroupNorm(2, 4, bias=False)", v26),
            "TypeError: GroupNorm.__init__() got an unexpected keyword argument 'bias' at column 17\n"
            "  GroupNorm(2, 4, bias=False)\n"
            "                  ^");
  EXPECT_EQ(build("BatchNorm1d(4, bias=False)", v214)->named_parameters().size(), 1u);
  EXPECT_EQ(
      error("BatchNorm1d(4, 1e-5, 0.1, True, True, None, None, False)", v214),
      "TypeError: _BatchNorm.__init__() takes from 2 to 8 positional arguments but 9 were given at column "
      "51\n"
      "  BatchNorm1d(4, 1e-5, 0.1, True, True, None, None, False)\n"
      "                                                    ^");
  EXPECT_STARTS_WITH(
      error("TransformerEncoderLayer(8, 2, bias=False)", v113),
      "TypeError: TransformerEncoderLayer.__init__() got an unexpected keyword argument 'bias' at co");
  // nn.RMSNorm (2.4).
  EXPECT_EQ(error("Sequential(nn.RMSNorm(4))", v113),
            "AttributeError: module 'torch.nn' has no attribute 'RMSNorm' (nn.RMSNorm is new in PyTorch 2.4; "
            "this model is built for PyTorch 1.13) at column 12\n"
            "  Sequential(nn.RMSNorm(4))\n"
            "             ^");
  EXPECT_STARTS_WITH(error("RMSNorm(4)", v113),
                     "NameError: name 'RMSNorm' is not defined (nn.RMSNorm is new");
  // Module.__init__ names the class from 2.0.
  EXPECT_STARTS_WITH(error("Sigmoid(3)", v113),
                     "TypeError: Module.__init__() takes 1 positional argument but 2 were given at colu");
  EXPECT_STARTS_WITH(error("Sigmoid(3)", v214),
                     "TypeError: Sigmoid.__init__() takes 1 positional argument but 2 were given at colu");
  // Embedding(_freeze=) (2.0).
  EXPECT_STARTS_WITH(error("Embedding(4, 2, _freeze=True)", v113),
                     "TypeError: Embedding.__init__() got an unexpected keyword argument '_freeze'");
  EXPECT_EQ(build("Embedding(4, 2, _freeze=True)", v26)->type_name(), "Embedding");
  // RNN's positional nonlinearity (2.3): before, the fourth argument was RNNBase's bias.
  EXPECT_EQ(nn::testing::names(build("RNN(3, 4, 2, 'relu')", v113)->named_parameters()).size(), 8u);
  EXPECT_EQ(build("RNN(3, 4, 1, 'sigmoid')", v113)->type_name(), "RNN");
  EXPECT_EQ(error("RNN(3, 4, 1, 'sigmoid')", v214),
            "ValueError: RNN: Unknown nonlinearity 'sigmoid'. Select from 'tanh' or 'relu'. at column 14\n"
            "  RNN(3, 4, 1, 'sigmoid')\n"
            "               ^");
  EXPECT_STARTS_WITH(error("RNN(3, 4, nonlinearity='sigmoid')", v113),
                     "ValueError: RNN: Unknown nonlinearity 'sigmoid' at c");
}

TEST(ModelExpression, BindingErrorsInCPythonsWords) {
  EXPECT_EQ(
      error("Linear(784)"),
      "TypeError: Linear.__init__() missing 1 required positional argument: 'out_features' at column 1\n"
      "  Linear(784)\n"
      "  ^");
  EXPECT_EQ(
      error("Sequential(Linear(4, 3, biass=True))"),
      "TypeError: Linear.__init__() got an unexpected keyword argument 'biass' (did you mean 'bias'?) at "
      "column 25\n"
      "  Sequential(Linear(4, 3, biass=True))\n"
      "                          ^");
  EXPECT_STARTS_WITH(error("Linear(1, 2, 3, 4, 5, 6)"),
                     "TypeError: Linear.__init__() takes from 3 to 6 positional arguments but 7 were given");
  EXPECT_STARTS_WITH(error("LSTM(3)"),
                     "TypeError: RNNBase.__init__() missing 1 required positional argument: 'hidden_size'");
  EXPECT_STARTS_WITH(
      error("LSTM(3, 4, 1, True, False, 0.0, False, 0, None, None, 7)"),
      "TypeError: RNNBase.__init__() takes from 4 to 12 positional arguments but 13 were given");
  EXPECT_STARTS_WITH(error("GRU(3, 4, nonlinearity='relu')"),
                     "TypeError: RNNBase.__init__() got an unexpected keyword argument 'nonlinearity' at c");
  EXPECT_EQ(error("Linear(4.0, 3)"),
            "TypeError: Linear.__init__() argument 'in_features' must be int, not float at column 8\n"
            "  Linear(4.0, 3)\n"
            "         ^");
  EXPECT_STARTS_WITH(
      error("Conv2d(3, 6, (3, 3, 3))"),
      "TypeError: Conv2d.__init__() argument 'kernel_size' must be int or tuple of 2 ints, not tuple of 3 "
      "el");
}

TEST(ModelExpression, ConstructorErrorsSayWhichCall) {
  // The example of the issue: the layer's own error, its kind kept, and the call that raised it.
  EXPECT_EQ(
      error("Sequential(Conv2d(3, 64, 3, groups=5))"),
      "ValueError: Conv2d(3, 64, 3, groups=5) at column 12: Conv2d: in_channels must be divisible by groups\n"
      "  Sequential(Conv2d(3, 64, 3, groups=5))\n"
      "             ^");
  EXPECT_STARTS_WITH(
      error("Embedding(10, 3, padding_idx=10)"),
      "AssertionError: Embedding(10, 3, padding_idx=10) at column 1: Embedding: Padding_idx must be within "
      "nu");
  EXPECT_STARTS_WITH(
      error("Linear(-1, 3)"),
      "RuntimeError: Linear(-1, 3) at column 1: Trying to create tensor with negative dimension -1: ");
  EXPECT_STARTS_WITH(error("MultiheadAttention(8, 3)"),
                     "AssertionError: MultiheadAttention(8, 3) at column 1: MultiheadAttention: embed_dim "
                     "must be divisible by "
                     "num");
  EXPECT_STARTS_WITH(
      error("GroupNorm(2, 5)", v113),
      "ValueError: GroupNorm(2, 5) at column 1: GroupNorm: num_channels must be divisible by num_groups\n");
  EXPECT_STARTS_WITH(
      error("TransformerEncoderLayer(8, 2, activation='tanh')"),
      "RuntimeError: TransformerEncoderLayer(8, 2, activation='tanh') at column 1: TransformerEncoderLayer: "
      "activatio");
  // A long call is shortened to its name.
  EXPECT_STARTS_WITH(
      error("Sequential(Linear(4, 3), TransformerEncoderLayer(d_model=8, nhead=3, dim_feedforward=16))"),
      "AssertionError: TransformerEncoderLayer(...) at column 26: MultiheadAttention: embed_dim must");
  EXPECT_STARTS_WITH(
      error("RNN(3, 4, proj_size=2)"),
      "ValueError: RNN: proj_size argument is only supported for LSTM, not RNN or GRU at column 11\n  RNN");
}

TEST(ModelExpression, NamesAndValuesThatAreNotModules) {
  // Python's words: the expression runs after `from torch.nn import *`, so a bare name is a NameError
  // (nninit has no such class: a ValueError), a qualified one an AttributeError.
  EXPECT_EQ(error("Sequential(Lienar(4, 3))"),
            "NameError: name 'Lienar' is not defined (did you mean 'Linear' or 'Bilinear'?) at column 12\n"
            "  Sequential(Lienar(4, 3))\n"
            "             ^");
  EXPECT_STARTS_WITH(error("torch.nn.Lienar(4, 3)"),
                     "AttributeError: module 'torch.nn' has no attribute 'Lienar' (did you mean 'Linear'");
  EXPECT_STARTS_WITH(
      error("nn.linear(4, 3)"),
      "AttributeError: module 'torch.nn' has no attribute 'linear' (did you mean 'Linear' or 'Bilinear'?)");
  // The refusal says why the class is not built.
  EXPECT_STARTS_WITH(
      error("Sequential(Fold(4, 2))"),
      "ValueError: nninit does not build torch.nn.Fold: it is not yet among the parameter-free "
      "modules nninit builds");
  EXPECT_STARTS_WITH(
      error("nn.MSELoss()"),
      "ValueError: nninit does not build torch.nn.MSELoss: it is a loss, not a part of a model");
  EXPECT_STARTS_WITH(
      error("LazyLinear(3)"),
      "ValueError: nninit does not build torch.nn.LazyLinear: a lazy module takes its sizes from "
      "its first input; give them to Linear(...)");
  EXPECT_STARTS_WITH(error("Linear(4, x)"), "NameError: name 'x' is not defined at column 11");
  EXPECT_STARTS_WITH(error("torch.Linear(4, 3)"), "AttributeError: module 'torch' has no attribute 'Linear'");
  EXPECT_EQ(error("3"),
            "ValueError: a model expression builds a module, such as Sequential(Linear(4, 2), ReLU()), not "
            "int at column 1\n"
            "  3\n"
            "  ^");
  EXPECT_STARTS_WITH(error("nn.Linear"),
                     "ValueError: nn.Linear is a class; call it to build a module, as in nn.Linear(...) at");
  EXPECT_STARTS_WITH(
      error("(Linear(2, 2), ReLU())"),
      "ValueError: a model expression builds one module, not a tuple; put the modules in Sequential(...)");
  EXPECT_EQ(error("Sequential(Linear(2, 2), 3)"),
            "TypeError: int is not a Module subclass at column 26\n"
            "  Sequential(Linear(2, 2), 3)\n"
            "                           ^");
  EXPECT_STARTS_WITH(error("Sequential(nn.ReLU)"),
                     "TypeError: torch.nn.modules.activation.ReLU is not a Module subclass at c");
  EXPECT_STARTS_WITH(
      error("ModuleList(Linear(2, 2))"),
      "TypeError: ModuleList.extend should be called with an iterable, but got Linear at column");
  EXPECT_EQ(build("ModuleList(Sequential(Linear(2, 2), ReLU()))")->named_parameters().size(), 2u);
  EXPECT_EQ(build("Sequential(Linear(2, 2), None)")->own_children().size(), 2u);
  EXPECT_STARTS_WITH(error("Linear(4, 3) + 1"), "TypeError:");
  EXPECT_STARTS_WITH(error("Linear(4,"), "ValueError:");
}

// PyTorch raises for an unknown activation string at the end of the layer's __init__, after its submodules
// have drawn: the generator must end where PyTorch's does.
TEST(ModelExpression, ActivationErrorsComeAfterTheDraws) {
  for (const char* expression : {"TransformerEncoderLayer(8, 2, 16, activation='silu')",
                                 "Transformer(8, 2, 1, 1, 16, activation='tanh')"}) {
    TorchGenerator g = generator_for(v214);
    EXPECT_THROW(build_model(expression, g), RuntimeError);
    TorchGenerator h = generator_for(v214);
    build_model("TransformerEncoderLayer(8, 2, 16)", h);
    EXPECT_EQ(g.get_state(), h.get_state()) << expression;
  }
  EXPECT_STARTS_WITH(error("Transformer(8, 2, 1, 1, 16, activation='tanh')"),
                     "RuntimeError: Transformer(8, 2, 1, 1, 16, activation='tanh') at column 1: "
                     "TransformerEncoderLayer: activation should be relu/gelu, not tanh");
  // With both layers custom PyTorch never looks at the activation.
  EXPECT_EQ(build("Transformer(4, 2, custom_encoder=Identity(), custom_decoder=Identity(), activation='x')")
                ->type_name(),
            "Transformer");
}

// The parameter-free modules' warnings, in each release's words.
TEST(ModelExpression, Warnings) {
  ScopedWarningCapture old_release;
  build("Hardtanh(min_value=-2.0)", v113);
  build("LSTM(3, 4, dropout=0.5)", v113);
  ASSERT_EQ(old_release.warnings().size(), 2u);
  EXPECT_EQ(old_release.warnings()[0].message,
            "keyword argument min_value is deprecated and rename to min_val");
  EXPECT_EQ(old_release.warnings()[1].message.substr(0, 40), "dropout option adds dropout after all bu");
  ScopedWarningCapture new_release;
  build("Hardtanh(max_value=2.0)", v214);
  ASSERT_EQ(new_release.warnings().size(), 1u);
  EXPECT_EQ(new_release.warnings()[0].message,
            "keyword argument `max_value` is deprecated and renamed to `max_val`");
  EXPECT_EQ(new_release.warnings()[0].category, WarningCategory::future);
}

}  // namespace
}  // namespace nninit::expr

namespace nninit::expr {
namespace {

TEST(ModelExpression, RNNCellKeepsAnUnknownNonlinearityAsPyTorchDoes) {
  // PyTorch 1.13 and 2.14: nn.RNNCell(3, 4, nonlinearity='sigmoid') builds (and draws); only forward fails.
  const nn::ModulePtr cell = build("RNNCell(3, 4, nonlinearity='sigmoid')");
  EXPECT_EQ(cell->repr(), "RNNCell(3, 4, nonlinearity=sigmoid)");
  EXPECT_EQ(cell->named_parameters().size(), 4u);
}

}  // namespace
}  // namespace nninit::expr
