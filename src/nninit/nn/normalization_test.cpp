#include "nninit/nn/normalization.h"

#include <gtest/gtest.h>

#include "nninit/nn/layer_test_support.h"

namespace nninit::nn {
namespace {

using testing::describe;
using testing::error_of;
using testing::torch_at;

std::vector<double> values(const Module& m, std::string_view name) {
  for (const NamedTensor& t : m.state_dict()) {
    if (t.name == name) return t.tensor.to_doubles();
  }
  return {};
}

TEST(LayerNorm, ParametersValuesAndNoDraws) {
  TorchGenerator g(5);
  const auto before = g.get_state();
  LayerNorm norm({.normalized_shape = {2, 3}, .dtype = DType::bfloat16}, g);
  EXPECT_EQ(g.get_state(), before);
  EXPECT_EQ(describe(norm.state_dict()),
            (std::vector<std::string>{"weight [2, 3] bfloat16", "bias [2, 3] bfloat16"}));
  EXPECT_EQ(values(norm, "weight"), std::vector<double>(6, 1.0));
  EXPECT_EQ(values(norm, "bias"), std::vector<double>(6, 0.0));
  LayerNorm plain({.normalized_shape = {4}, .elementwise_affine = false});
  EXPECT_TRUE(plain.named_parameters().empty());
  EXPECT_EQ(plain.own_parameters().size(), 2u);  // weight and bias registered as None
  LayerNorm no_bias({.normalized_shape = {4}, .bias = false});
  EXPECT_EQ(describe(no_bias.named_parameters()), std::vector<std::string>{"weight [4] float32"});
}

// PyTorch 1.13.1: TypeError "LayerNorm.__init__() got an unexpected keyword argument 'bias'"; 2.1+ accept it.
TEST(LayerNorm, BiasArgumentFrom21) {
  TorchGenerator old_release = torch_at(1, 13), new_release = torch_at(2, 1);
  EXPECT_EQ(error_of([&] { LayerNorm n({.normalized_shape = {4}, .bias = false}, old_release); }),
            "TypeError: LayerNorm: LayerNorm.__init__() got an unexpected keyword argument 'bias'");
  EXPECT_EQ(error_of([&] { LayerNorm n({.normalized_shape = {4}, .bias = false}, new_release); }),
            "no error");
}

// Reprs printed by PyTorch 1.13.1 and 2.14.1; 2.6 prints them as 1.13 does.
TEST(LayerNorm, ReprShowsBiasFrom212) {
  TorchGenerator old_release = torch_at(2, 6), new_release = torch_at(2, 14);
  EXPECT_EQ(LayerNorm({.normalized_shape = {8}}, old_release).repr(),
            "LayerNorm((8,), eps=1e-05, elementwise_affine=True)");
  EXPECT_EQ(LayerNorm({.normalized_shape = {8}}, new_release).repr(),
            "LayerNorm((8,), eps=1e-05, elementwise_affine=True, bias=True)");
  EXPECT_EQ(
      LayerNorm({.normalized_shape = {4, 8}, .eps = 1e-6, .elementwise_affine = false}, new_release).repr(),
      "LayerNorm((4, 8), eps=1e-06, elementwise_affine=False, bias=False)");
}

TEST(GroupNorm, ParametersAndRepr) {
  TorchGenerator old_release = torch_at(1, 13), new_release = torch_at(2, 14);
  GroupNorm norm({.num_groups = 2, .num_channels = 4}, old_release);
  EXPECT_EQ(describe(norm.state_dict()),
            (std::vector<std::string>{"weight [4] float32", "bias [4] float32"}));
  EXPECT_EQ(norm.repr(), "GroupNorm(2, 4, eps=1e-05, affine=True)");
  EXPECT_EQ(GroupNorm({.num_groups = 2, .num_channels = 4}, new_release).repr(),
            "GroupNorm(2, 4, eps=1e-05, affine=True, bias=True)");
  EXPECT_EQ(
      describe(
          GroupNorm({.num_groups = 2, .num_channels = 4, .bias = false}, new_release).named_parameters()),
      std::vector<std::string>{"weight [4] float32"});
  // Python's % accepts a negative divisor: GroupNorm(-2, 4) builds.
  EXPECT_EQ(error_of([] { GroupNorm n({.num_groups = -2, .num_channels = 4}); }), "no error");
}

// Messages of PyTorch 1.13.1 and 2.14.1.
TEST(GroupNorm, ErrorsByRelease) {
  TorchGenerator old_release = torch_at(1, 13), new_release = torch_at(2, 14);
  EXPECT_EQ(error_of([&] { GroupNorm n({.num_groups = 3, .num_channels = 4}, old_release); }),
            "ValueError: GroupNorm: num_channels must be divisible by num_groups");
  EXPECT_EQ(error_of([&] { GroupNorm n({.num_groups = 3, .num_channels = 4}, new_release); }),
            "ValueError: GroupNorm: num_channels (4) must be divisible by num_groups (3)");
  EXPECT_EQ(error_of([&] { GroupNorm n({.num_groups = 0, .num_channels = 4}, old_release); }),
            "ZeroDivisionError: GroupNorm: integer modulo by zero");
  EXPECT_EQ(error_of([&] { GroupNorm n({.num_groups = 2, .num_channels = 4, .bias = false}, old_release); }),
            "TypeError: GroupNorm: GroupNorm.__init__() got an unexpected keyword argument 'bias'");
}

TEST(RMSNorm, WeightOnly) {
  RMSNorm norm({.normalized_shape = {8}});
  EXPECT_EQ(describe(norm.state_dict()), std::vector<std::string>{"weight [8] float32"});
  EXPECT_EQ(values(norm, "weight"), std::vector<double>(8, 1.0));
  // Reprs printed by PyTorch 2.14.1.
  EXPECT_EQ(norm.repr(), "RMSNorm((8,), eps=None, elementwise_affine=True)");
  EXPECT_EQ(RMSNorm({.normalized_shape = {2, 4}, .eps = 1e-6, .elementwise_affine = false}).repr(),
            "RMSNorm((2, 4), eps=1e-06, elementwise_affine=False)");
}

TEST(BatchNorm, StateInRegistrationOrder) {
  TorchGenerator g(1);
  const auto before = g.get_state();
  BatchNorm2d norm({.num_features = 3, .dtype = DType::float64}, g);
  EXPECT_EQ(g.get_state(), before);
  EXPECT_EQ(describe(norm.state_dict()),
            (std::vector<std::string>{"weight [3] float64", "bias [3] float64", "running_mean [3] float64",
                                      "running_var [3] float64", "num_batches_tracked [] int64"}));
  EXPECT_EQ(testing::names(norm.named_parameters()), (std::vector<std::string>{"weight", "bias"}));
  EXPECT_EQ(values(norm, "running_var"), std::vector<double>(3, 1.0));
  EXPECT_EQ(values(norm, "running_mean"), std::vector<double>(3, 0.0));
  EXPECT_EQ(values(norm, "num_batches_tracked"), std::vector<double>{0.0});
  norm.to(DType::float16);
  EXPECT_EQ(norm.buffer("num_batches_tracked").dtype(), DType::int64);
  EXPECT_EQ(norm.buffer("running_mean").dtype(), DType::float16);

  BatchNorm1d bare({.num_features = 3, .affine = false, .track_running_stats = false});
  EXPECT_TRUE(bare.state_dict().empty());
}

// Reprs printed by PyTorch 1.13.1 and 2.14.1.
TEST(BatchNorm, ReprByRelease) {
  TorchGenerator old_release = torch_at(1, 13), new_release = torch_at(2, 14);
  EXPECT_EQ(BatchNorm1d({.num_features = 5}, old_release).repr(),
            "BatchNorm1d(5, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)");
  EXPECT_EQ(BatchNorm1d({.num_features = 5}, new_release).repr(),
            "BatchNorm1d(5, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)");
  EXPECT_EQ(BatchNorm2d({.num_features = 5, .momentum = std::nullopt, .affine = false}, old_release).repr(),
            "BatchNorm2d(5, eps=1e-05, momentum=None, affine=False, track_running_stats=True)");
  EXPECT_EQ(
      InstanceNorm2d({.num_features = 3}, new_release).repr(),
      "InstanceNorm2d(3, eps=1e-05, momentum=0.1, affine=False, bias=False, track_running_stats=False)");
  EXPECT_EQ(
      InstanceNorm1d({.num_features = 3, .affine = true, .track_running_stats = true}, old_release).repr(),
      "InstanceNorm1d(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)");
}

TEST(BatchNorm, BiasArgumentByRelease) {
  TorchGenerator old_release = torch_at(2, 6), new_release = torch_at(2, 14);
  // Python names the __init__ that owns the arguments (PyTorch 1.13.1's and 2.6's message).
  EXPECT_EQ(error_of([&] { BatchNorm2d n({.num_features = 4, .bias = false}, old_release); }),
            "TypeError: BatchNorm2d: _BatchNorm.__init__() got an unexpected keyword argument 'bias'");
  EXPECT_EQ(error_of([&] { InstanceNorm2d n({.num_features = 4, .bias = false}, old_release); }),
            "TypeError: InstanceNorm2d: _InstanceNorm.__init__() got an unexpected keyword argument 'bias'");
  BatchNorm3d norm({.num_features = 4, .bias = false}, new_release);
  EXPECT_EQ(testing::names(norm.state_dict()),
            (std::vector<std::string>{"weight", "running_mean", "running_var", "num_batches_tracked"}));
}

TEST(InstanceNorm, DefaultsHaveNoState) {
  InstanceNorm3d norm({.num_features = 4});
  EXPECT_TRUE(norm.state_dict().empty());
  EXPECT_EQ(norm.type_name(), "InstanceNorm3d");
  InstanceNorm1d tracked({.num_features = 2, .affine = true, .track_running_stats = true});
  EXPECT_EQ(
      testing::names(tracked.state_dict()),
      (std::vector<std::string>{"weight", "bias", "running_mean", "running_var", "num_batches_tracked"}));
}

}  // namespace
}  // namespace nninit::nn
