#include "nninit/nn/module.h"

#include <bit>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include "nninit/core/error.h"
#include "nninit/nn/container.h"
#include "nninit/nn/linear.h"

namespace nninit::nn {
namespace {

std::string hex32(const Tensor& t, std::int64_t count) {
  std::vector<std::string> out;
  const std::vector<double> values = t.flatten().to_doubles();
  for (std::int64_t i = 0; i < count; ++i) {
    out.push_back(fmt::format(
        "{:08x}", std::bit_cast<std::uint32_t>(static_cast<float>(values[static_cast<std::size_t>(i)]))));
  }
  return fmt::format("{}", fmt::join(out, " "));
}

std::vector<std::string> names(const std::vector<NamedTensor>& named) {
  std::vector<std::string> out;
  for (const auto& n : named) out.push_back(n.name);
  return out;
}

// Values from tests/data/known_answers.txt (PyTorch 1.13.1 and 2.14.1, every capability for
// Linear(4,3); the MLP weights differ between capabilities).
TEST(Module, LinearKnownAnswers) {
  TorchGenerator g(0);
  Linear linear({.in_features = 4, .out_features = 3}, g);
  EXPECT_EQ(hex32(linear.weight(), 4), "bb755400 3e89545e bed2b316 bebc6680");
  EXPECT_EQ(hex32(linear.bias(), 3), "bef491b8 bea98b52 be530ee8");
  TorchGenerator h(42);
  Linear other({.in_features = 4, .out_features = 3}, h);
  EXPECT_EQ(hex32(other.weight(), 4), "3ec3b8cc 3ed47b66 bdefe520 3eeb2a1c");
  EXPECT_EQ(hex32(other.bias(), 3), "3ebd2294 3d8aae50 3e76e15c");
}

TEST(Module, MlpKnownAnswersPerCapability) {
  for (auto [capability, first] :
       {std::pair{TorchCapability::avx2, "b98c3000 3c9cf2b5 bcf0ccac bcd75093"},
        std::pair{TorchCapability::generic, "b98c3000 3c9cf2b6 bcf0ccac bcd75093"}}) {
    TorchGenerator g(0, {.version = {1, 13}, .capability = capability});
    auto first_layer = std::make_shared<Linear>(LinearOptions{.in_features = 784, .out_features = 256}, g);
    auto second_layer = std::make_shared<Linear>(LinearOptions{.in_features = 256, .out_features = 10}, g);
    Sequential mlp({first_layer, second_layer});
    EXPECT_EQ(hex32(first_layer->weight(), 4), first);
    EXPECT_EQ(hex32(second_layer->bias(), 4), "3d7cced0 bd6185c0 3d694790 3d3b252e");
    Tensor next = Tensor::empty({1});
    g.uniform_(next, 0, 1);
    EXPECT_EQ(hex32(next, 1), "3eefd7da");
  }
}

TEST(Module, NamesAndOrders) {
  auto inner = std::make_shared<Sequential>(
      std::vector<ModulePtr>{std::make_shared<Linear>(LinearOptions{.in_features = 2, .out_features = 2}),
                             std::make_shared<Identity>()});
  Sequential outer({std::make_shared<Linear>(LinearOptions{.in_features = 2, .out_features = 2}), inner});
  EXPECT_EQ(names(outer.named_parameters()),
            (std::vector<std::string>{"0.weight", "0.bias", "1.0.weight", "1.0.bias"}));
  std::vector<std::string> visited;
  outer.apply([&](Module& m) { visited.push_back(m.type_name()); });
  EXPECT_EQ(visited, (std::vector<std::string>{"Linear", "Linear", "Identity", "Sequential", "Sequential"}));
  std::vector<std::string> module_names;
  for (const auto& m : outer.named_modules()) module_names.push_back(m.name);
  EXPECT_EQ(module_names, (std::vector<std::string>{"", "0", "1", "1.0", "1.1"}));
}

TEST(Module, SharedModulesAreReportedOnceButSavedUnderEveryName) {
  auto shared = std::make_shared<Linear>(LinearOptions{.in_features = 3, .out_features = 3});
  Sequential net({shared, shared});
  EXPECT_EQ(names(net.named_parameters()), (std::vector<std::string>{"0.weight", "0.bias"}));
  EXPECT_EQ(names(net.state_dict()), (std::vector<std::string>{"0.weight", "0.bias", "1.weight", "1.bias"}));
  EXPECT_EQ(net.named_modules().size(), 2u);
}

TEST(Module, CloneIsDeepAndKeepsSharing) {
  auto shared = std::make_shared<Linear>(LinearOptions{.in_features = 3, .out_features = 3});
  Sequential net({shared, shared});
  ModulePtr copy = net.clone();
  const auto original = net.state_dict();
  const auto copied = copy->state_dict();
  ASSERT_EQ(copied.size(), 4u);
  EXPECT_FALSE(copied[0].tensor.shares_storage_with(original[0].tensor));
  EXPECT_EQ(copied[0].tensor.to_doubles(), original[0].tensor.to_doubles());
  EXPECT_TRUE(same_tensor(copied[0].tensor, copied[2].tensor));  // still one module inside the copy
  copied[0].tensor.fill_(5.0);
  EXPECT_NE(original[0].tensor.at({0, 0}), 5.0);
}

TEST(Module, BiasFreeLinearRegistersNone) {
  Linear linear({.in_features = 3, .out_features = 2, .bias = false});
  EXPECT_EQ(names(linear.named_parameters()), std::vector<std::string>{"weight"});
  EXPECT_FALSE(linear.has_parameter("bias"));
  EXPECT_THROW(linear.parameter("gamma"), IndexError);
  EXPECT_EQ(linear.repr(), "Linear(in_features=3, out_features=2, bias=False)");
}

TEST(Module, ToConvertsFloatingTensorsOnce) {
  auto shared = std::make_shared<Linear>(LinearOptions{.in_features = 3, .out_features = 3});
  Sequential net({shared, shared});
  net.to(DType::bfloat16);
  const auto state = net.state_dict();
  EXPECT_EQ(state[0].tensor.dtype(), DType::bfloat16);
  EXPECT_TRUE(same_tensor(state[0].tensor, state[2].tensor));
}

TEST(Module, LinearWithNoInputsDrawsOnlyTheBias) {
  TorchGenerator g(3);
  Linear linear({.in_features = 0, .out_features = 5}, g);
  // +0.0, not -0.0: PyTorch 2.14's uniform_(-0, 0) maps every draw (all equal to `to`) to `from`, and its
  // `from` is the int 0 (nn.Linear(0, 5).bias.view(torch.int32) is all zeros in PyTorch 2.14.1).
  for (double b : linear.bias().to_doubles()) EXPECT_EQ(std::bit_cast<std::uint64_t>(b), 0u);
  const auto state = g.get_state();
  std::uint64_t next;
  std::memcpy(&next, state.data() + 16, 8);
  EXPECT_EQ(next, 5u);
}

}  // namespace
}  // namespace nninit::nn
