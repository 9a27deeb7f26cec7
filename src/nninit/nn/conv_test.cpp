#include "nninit/nn/conv.h"

#include <cmath>

#include <gtest/gtest.h>

#include "nninit/core/warning.h"
#include "nninit/init/init.h"
#include "nninit/nn/layer_test_support.h"

namespace nninit::nn {
namespace {

using testing::describe;
using testing::error_of;
using testing::hex32;
using testing::next_rand;

// From PyTorch 1.13.1 (Debian bookworm), for each capability:
//   ATEN_CPU_CAPABILITY=avx2|default python3 -c 'import torch; torch.manual_seed(0);
//     m = torch.nn.Conv2d(3, 4, 3); print(m.weight[0,0,0,:3], m.bias, torch.rand(1))'
// (printed as float32 bits). PyTorch 2.14.1 gives the same bits.
TEST(Conv, KnownAnswersFromPyTorch) {
  struct Case {
    TorchCapability capability;
    const char* weight;
    const char* bias;
  };
  for (const Case& c :
       {Case{TorchCapability::avx2, "babcda8b 3dd36ec5 be223254", "bc2dbc15 3cecb61b bda1694f 3de9df5e"},
        Case{TorchCapability::generic, "babcda80 3dd36ec6 be223254",
             "bc2dbc10 3cecb618 bda1694f 3de9df5e"}}) {
    TorchGenerator g(0, {.version = {1, 13}, .capability = c.capability});
    Conv2d conv({.in_channels = 3, .out_channels = 4, .kernel_size = {3}}, g);
    EXPECT_EQ(hex32(conv.weight().select(0, 0).select(0, 0).select(0, 0), 3), c.weight);
    EXPECT_EQ(hex32(conv.bias(), 4), c.bias);
    EXPECT_EQ(next_rand(g), "3e486d90");
  }
}

// ATEN_CPU_CAPABILITY=avx2 python3 -c 'import torch; torch.manual_seed(0);
//   m = torch.nn.ConvTranspose2d(4, 6, 2, groups=2); print(m.weight[0,0,0], m.bias[:3], torch.rand(1))'
// (PyTorch 1.13.1 and 2.14.1 agree).
TEST(Conv, TransposedKnownAnswersFromPyTorch) {
  TorchGenerator g(0, {.version = {1, 13}});
  ConvTranspose2d conv({.in_channels = 4, .out_channels = 6, .kernel_size = {2}, .groups = 2}, g);
  EXPECT_EQ(hex32(conv.weight().select(0, 0).select(0, 0).select(0, 0), 2), "bb0da3e8 3e1e9313");
  EXPECT_EQ(hex32(conv.bias(), 3), "be03193f bc2aa83d 3e3d0e68");
  EXPECT_EQ(next_rand(g), "3f55d27f");
}

TEST(Conv, ParametersInPyTorchsShapes) {
  Conv1d c1({.in_channels = 4, .out_channels = 6, .kernel_size = {3}, .groups = 2});
  EXPECT_EQ(describe(c1.named_parameters()),
            (std::vector<std::string>{"weight [6, 2, 3] float32", "bias [6] float32"}));
  Conv2d c2(
      {.in_channels = 3, .out_channels = 8, .kernel_size = {3, 5}, .bias = false, .dtype = DType::float64});
  EXPECT_EQ(describe(c2.state_dict()), std::vector<std::string>{"weight [8, 3, 3, 5] float64"});
  EXPECT_FALSE(c2.has_parameter("bias"));
  EXPECT_EQ(c2.own_parameters().size(), 2u);  // bias registered as None
  Conv3d c3({.in_channels = 2, .out_channels = 4, .kernel_size = {1, 2, 3}});
  EXPECT_EQ(describe(c3.named_parameters()),
            (std::vector<std::string>{"weight [4, 2, 1, 2, 3] float32", "bias [4] float32"}));
  ConvTranspose3d t3({.in_channels = 4, .out_channels = 6, .kernel_size = {2}, .groups = 2});
  EXPECT_EQ(describe(t3.named_parameters()),
            (std::vector<std::string>{"weight [4, 3, 2, 2, 2] float32", "bias [6] float32"}));
  EXPECT_EQ(t3.type_name(), "ConvTranspose3d");
}

// Construction draws exactly what kaiming_uniform_(a=sqrt(5)) then uniform_(+-1/sqrt(fan_in)) draw.
TEST(Conv, DrawsAsItsInitCalls) {
  for (DType dtype : {DType::float32, DType::float64, DType::bfloat16}) {
    TorchGenerator built(7), replayed(7);
    ConvTranspose1d conv(
        {.in_channels = 6, .out_channels = 4, .kernel_size = {5}, .groups = 2, .dtype = dtype}, built);
    const Tensor w = Tensor::empty({6, 2, 5}, dtype);
    init::kaiming_uniform_(w, {.a = std::sqrt(5.0)}, replayed);
    init::uniform_(Tensor::empty({4}, dtype), {.a = -1 / std::sqrt(10.0), .b = 1 / std::sqrt(10.0)},
                   replayed);
    EXPECT_EQ(built.get_state(), replayed.get_state());
    EXPECT_EQ(conv.weight().to_doubles(), w.to_doubles());
  }
}

// PyTorch 1.13.1: torch.manual_seed(0); torch.nn.Conv2d(0, 4, 3); torch.rand(1) gives 3efe1558, the first
// word after seeding (no draws; the bias is left uninitialised). PyTorch 2.14.1 gives 3e9d6686, the
// fifth: the bias drew four words with bound 0.
TEST(Conv, ZeroFanInBiasDependsOnTheRelease) {
  ScopedWarningCapture warnings;  // kaiming_uniform_ warns about the empty weight
  TorchGenerator old_release = testing::torch_at(1, 13);
  Conv2d before({.in_channels = 0, .out_channels = 4, .kernel_size = {3}}, old_release);
  EXPECT_EQ(before.bias().to_doubles(), std::vector<double>(4, 0.0));
  EXPECT_EQ(next_rand(old_release), "3efe1558");
  TorchGenerator new_release = testing::torch_at(2, 14);
  Conv2d after({.in_channels = 0, .out_channels = 4, .kernel_size = {3}}, new_release);
  EXPECT_EQ(after.bias().to_doubles(), std::vector<double>(4, 0.0));
  EXPECT_EQ(next_rand(new_release), "3e9d6686");
  EXPECT_EQ(warnings.warnings().size(), 2u);
}

// Messages from PyTorch 1.13.1 and 2.14.1 (identical), prefixed with the class name.
TEST(Conv, ConstructorErrors) {
  auto conv2d = [](ConvOptions o) { return [o] { Conv2d c(o); }; };
  EXPECT_EQ(error_of(conv2d({.in_channels = 3, .out_channels = 4, .kernel_size = {3}, .groups = 0})),
            "ValueError: Conv2d: groups must be a positive integer");
  EXPECT_EQ(error_of(conv2d({.in_channels = 3, .out_channels = 4, .kernel_size = {3}, .groups = 2})),
            "ValueError: Conv2d: in_channels must be divisible by groups");
  EXPECT_EQ(error_of(conv2d({.in_channels = 4, .out_channels = 3, .kernel_size = {3}, .groups = 2})),
            "ValueError: Conv2d: out_channels must be divisible by groups");
  EXPECT_EQ(error_of(conv2d({.in_channels = 4,
                             .out_channels = 4,
                             .kernel_size = {3},
                             .stride = {2},
                             .padding = ConvPadding::same()})),
            "ValueError: Conv2d: padding='same' is not supported for strided convolutions");
  EXPECT_EQ(error_of(conv2d({.in_channels = -3, .out_channels = 4, .kernel_size = {3}})),
            "RuntimeError: Trying to create tensor with negative dimension -3: [4, -3, 3, 3]");
  EXPECT_EQ(error_of(conv2d({.in_channels = 3, .out_channels = 4, .kernel_size = {3, 3, 3}})),
            "ValueError: Conv2d: kernel_size must have 1 or 2 values, got 3");
  // _ConvTransposeNd checks the padding mode before anything else.
  EXPECT_EQ(error_of([] {
              ConvTranspose2d t({.in_channels = 4,
                                 .out_channels = 4,
                                 .kernel_size = {3},
                                 .groups = 0,
                                 .padding_mode = PaddingMode::reflect});
            }),
            "ValueError: ConvTranspose2d: Only \"zeros\" padding mode is supported for ConvTranspose2d");
  EXPECT_EQ(error_of([] { ConvPadding::from_name("foo", "Conv2d"); }),
            "ValueError: Conv2d: Invalid padding string 'foo', should be one of {'same', 'valid'}");
  EXPECT_EQ(error_of([] { padding_mode_from_name("bad", "Conv2d"); }),
            "ValueError: Conv2d: padding_mode must be one of {'zeros', 'reflect', 'replicate', 'circular'}, "
            "but got "
            "padding_mode='bad'");
  EXPECT_EQ(padding_mode_from_name("circular", "Conv1d"), PaddingMode::circular);
  EXPECT_EQ(ConvPadding::from_name("valid", "Conv1d").kind, ConvPadding::Kind::valid);
}

// Reprs printed by PyTorch 1.13.1 and 2.14.1.
TEST(Conv, ReprMatchesPyTorch) {
  EXPECT_EQ(Conv2d({.in_channels = 3, .out_channels = 4, .kernel_size = {3}}).repr(),
            "Conv2d(3, 4, kernel_size=(3, 3), stride=(1, 1))");
  EXPECT_EQ(Conv2d({.in_channels = 3,
                    .out_channels = 4,
                    .kernel_size = {3, 5},
                    .stride = {2},
                    .padding = {1},
                    .dilation = {2},
                    .bias = false,
                    .padding_mode = PaddingMode::reflect})
                .repr(),
            "Conv2d(3, 4, kernel_size=(3, 5), stride=(2, 2), padding=(1, 1), dilation=(2, 2), bias=False, "
            "padding_mode=reflect)");
  EXPECT_EQ(Conv1d({.in_channels = 4, .out_channels = 8, .kernel_size = {3}, .padding = ConvPadding::same()})
                .repr(),
            "Conv1d(4, 8, kernel_size=(3,), stride=(1,), padding=same)");
  EXPECT_EQ(Conv3d({.in_channels = 2,
                    .out_channels = 4,
                    .kernel_size = {3},
                    .padding = ConvPadding::valid(),
                    .groups = 2})
                .repr(),
            "Conv3d(2, 4, kernel_size=(3, 3, 3), stride=(1, 1, 1), padding=valid, groups=2)");
  EXPECT_EQ(ConvTranspose2d({.in_channels = 4,
                             .out_channels = 6,
                             .kernel_size = {3},
                             .stride = {2},
                             .output_padding = {1},
                             .groups = 2})
                .repr(),
            "ConvTranspose2d(4, 6, kernel_size=(3, 3), stride=(2, 2), output_padding=(1, 1), groups=2)");
  EXPECT_EQ(ConvTranspose1d({.in_channels = 4, .out_channels = 6, .kernel_size = {3}}).repr(),
            "ConvTranspose1d(4, 6, kernel_size=(3,), stride=(1,))");
}

TEST(Conv, CloneKeepsTheClassAndCopiesTheTensors) {
  Conv2d conv({.in_channels = 2, .out_channels = 2, .kernel_size = {1}});
  ModulePtr copy = conv.clone();
  ASSERT_NE(dynamic_cast<Conv2d*>(copy.get()), nullptr);
  EXPECT_EQ(copy->repr(), conv.repr());
  EXPECT_FALSE(copy->parameter("weight").shares_storage_with(conv.weight()));
  EXPECT_EQ(copy->parameter("weight").to_doubles(), conv.weight().to_doubles());
}

}  // namespace
}  // namespace nninit::nn
