#include "nninit/diag/architecture.h"

#include <cmath>
#include <initializer_list>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "nninit/expr/model_expression.h"
#include "nninit/init/fan.h"
#include "nninit/random/torch_generator.h"

namespace nninit::diag {
namespace {

nn::ModulePtr build(std::string_view expression) {
  TorchGenerator g(0);
  return expr::build_model(expression, g);
}

const LayerInfo& layer(const Architecture& a, std::string_view path) {
  const LayerInfo* info = a.find(path);
  EXPECT_NE(info, nullptr) << path;
  static const LayerInfo missing;
  return info ? *info : missing;
}

TEST(Architecture, MlpRolesFollowersAndConsumers) {
  const nn::ModulePtr model =
      build("Sequential(Linear(784, 256), ReLU(), Linear(256, 128), ReLU(), Linear(128, 10))");
  const Architecture a = analyze_architecture(*model);
  ASSERT_EQ(a.layers.size(), 3u);
  EXPECT_EQ(a.depth, 3);
  EXPECT_FALSE(a.has_attention);
  const LayerInfo& first = layer(a, "0");
  EXPECT_EQ(first.type, "Linear");
  EXPECT_EQ(first.role, LayerRole::hidden);
  EXPECT_EQ(first.following.kind, NonlinearityKind::relu);
  EXPECT_EQ(first.following.module, "ReLU");
  EXPECT_EQ(first.following.path, "1");
  EXPECT_DOUBLE_EQ(first.following.gain, std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(*first.following.pytorch_gain, std::sqrt(2.0));
  EXPECT_EQ(first.consumer, "2");
  EXPECT_EQ(layer(a, "2").consumer, "4");
  const LayerInfo& last = layer(a, "4");
  EXPECT_EQ(last.role, LayerRole::output);
  EXPECT_EQ(last.following.kind, NonlinearityKind::none);
  EXPECT_EQ(last.consumer, "");
}

TEST(Architecture, LooksThroughNormDropoutAndFlatten) {
  const nn::ModulePtr model = build(
      "Sequential(Conv2d(3, 8, 3), BatchNorm2d(8), Dropout(0.1), LeakyReLU(0.2), MaxPool2d(2), Flatten(), "
      "Linear(72, 10), LogSoftmax(dim=1))");
  const Architecture a = analyze_architecture(*model);
  const LayerInfo& conv = layer(a, "0");
  EXPECT_EQ(conv.role, LayerRole::hidden);
  EXPECT_EQ(conv.following.kind, NonlinearityKind::leaky_relu);
  EXPECT_DOUBLE_EQ(*conv.following.slope, 0.2);
  EXPECT_DOUBLE_EQ(conv.following.gain, init::calculate_gain(init::Nonlinearity::leaky_relu, 0.2));
  EXPECT_TRUE(conv.following.normalized);
  EXPECT_EQ(conv.following.skipped, (std::vector<std::string>{"BatchNorm2d", "Dropout"}));
  EXPECT_EQ(conv.consumer, "6");
  EXPECT_TRUE(conv.consumer_after_flatten);
  EXPECT_EQ(layer(a, "1").role, LayerRole::normalization);
  const LayerInfo& head = layer(a, "6");
  EXPECT_EQ(head.role, LayerRole::output);
  EXPECT_EQ(head.following.kind, NonlinearityKind::none);
  EXPECT_EQ(head.following.module, "LogSoftmax");
  EXPECT_EQ(a.depth, 2);
}

TEST(Architecture, NestedSequentialsAreOneChain) {
  const nn::ModulePtr model = build("Sequential(Sequential(Linear(4, 4)), Sequential(Tanh(), Linear(4, 2)))");
  const Architecture a = analyze_architecture(*model);
  EXPECT_EQ(layer(a, "0.0").following.kind, NonlinearityKind::tanh);
  EXPECT_EQ(layer(a, "0.0").following.path, "1.0");
  EXPECT_DOUBLE_EQ(layer(a, "0.0").following.gain, 5.0 / 3.0);
  EXPECT_EQ(layer(a, "0.0").role, LayerRole::hidden);
  EXPECT_EQ(layer(a, "1.1").role, LayerRole::output);
}

TEST(Architecture, GainsPyTorchHasNotAndSelu) {
  const nn::ModulePtr model = build(
      "Sequential(Linear(4, 4), GELU(), Linear(4, 4), SiLU(), Linear(4, 4), SELU(), Linear(4, 4), ELU(), "
      "Linear(4, 4), PReLU(), Linear(4, 4), Sigmoid(), Linear(4, 4), Softsign(), Linear(4, 1))");
  const Architecture a = analyze_architecture(*model);
  for (std::string_view path : {"0", "2", "6"}) {
    const FollowingNonlinearity& f = layer(a, path).following;
    EXPECT_EQ(f.kind, NonlinearityKind::relu_like) << path;
    EXPECT_TRUE(f.approximate);
    EXPECT_FALSE(f.pytorch_gain.has_value());
    EXPECT_DOUBLE_EQ(f.gain, std::sqrt(2.0));
  }
  const FollowingNonlinearity& selu = layer(a, "4").following;
  EXPECT_EQ(selu.kind, NonlinearityKind::selu);
  EXPECT_DOUBLE_EQ(*selu.pytorch_gain, 0.75);  // calculate_gain('selu')
  EXPECT_DOUBLE_EQ(selu.gain, 1.0);            // judged as LeCun
  const FollowingNonlinearity& prelu = layer(a, "8").following;
  EXPECT_EQ(prelu.kind, NonlinearityKind::leaky_relu);
  EXPECT_NEAR(*prelu.slope, 0.25, 1e-7);  // PReLU's initial weight
  EXPECT_EQ(layer(a, "9").role, LayerRole::activation);
  EXPECT_EQ(layer(a, "10").following.kind, NonlinearityKind::sigmoid);
  EXPECT_EQ(layer(a, "12").following.kind, NonlinearityKind::other);
  EXPECT_EQ(layer(a, "14").role, LayerRole::output);
}

TEST(Architecture, TransformerLayer) {
  const nn::ModulePtr model = build("TransformerEncoderLayer(16, 2, 32, activation='gelu')");
  const Architecture a = analyze_architecture(*model);
  EXPECT_TRUE(a.has_attention);
  const LayerInfo& linear1 = layer(a, "linear1");
  EXPECT_TRUE(linear1.in_transformer);
  EXPECT_EQ(linear1.following.kind, NonlinearityKind::relu_like);
  EXPECT_EQ(linear1.following.module, "gelu");
  EXPECT_EQ(linear1.consumer, "linear2");
  EXPECT_TRUE(layer(a, "linear2").residual_branch_end);
  EXPECT_EQ(layer(a, "self_attn").role, LayerRole::attention);
  EXPECT_EQ(layer(a, "self_attn.out_proj").role, LayerRole::attention);
  EXPECT_TRUE(layer(a, "self_attn.out_proj").residual_branch_end);
  EXPECT_EQ(layer(a, "norm1").role, LayerRole::normalization);
  EXPECT_EQ(a.depth, 0);  // transformer linears are judged by the small-normal rule, not by depth

  const Architecture with_module =
      analyze_architecture(*build("TransformerEncoderLayer(16, 2, 32, activation=LeakyReLU(0.1))"));
  EXPECT_EQ(layer(with_module, "linear1").following.kind, NonlinearityKind::leaky_relu);
  EXPECT_EQ(layer(with_module, "linear1").following.path, "activation");
}

TEST(Architecture, RecurrentLayersAndEmbeddings) {
  const Architecture a = analyze_architecture(*build(
      "Sequential(Embedding(100, 8), LSTM(8, 16, 2), RNN(16, 4, nonlinearity='relu'), GRUCell(4, 4))"));
  EXPECT_EQ(layer(a, "0").role, LayerRole::embedding);
  EXPECT_EQ(layer(a, "1").role, LayerRole::recurrent);
  EXPECT_EQ(layer(a, "1").following.kind, NonlinearityKind::gates);
  EXPECT_EQ(layer(a, "2").following.kind, NonlinearityKind::relu);
  EXPECT_EQ(layer(a, "3").following.kind, NonlinearityKind::gates);
  EXPECT_EQ(analyze_architecture(*build("RNNCell(3, 3)")).layers[0].following.kind, NonlinearityKind::tanh);
}

TEST(Architecture, ModuleListChildrenHaveUnknownSuccessors) {
  const Architecture a = analyze_architecture(*build("ModuleList([Linear(2, 2), ReLU(), Linear(2, 2)])"));
  ASSERT_EQ(a.layers.size(), 2u);
  EXPECT_EQ(a.layers[0].following.kind, NonlinearityKind::unknown);
  EXPECT_EQ(a.layers[0].role, LayerRole::hidden);
}

TEST(Architecture, SingleLayerModelIsItsOwnOutput) {
  const Architecture a = analyze_architecture(*build("Linear(3, 2)"));
  ASSERT_EQ(a.layers.size(), 1u);
  EXPECT_EQ(a.layers[0].path, "");
  EXPECT_EQ(a.layers[0].role, LayerRole::output);
  EXPECT_EQ(parameter_path("", "weight"), "weight");
  EXPECT_EQ(parameter_path("0.1", "bias"), "0.1.bias");
}

// The recorded forward's leaf calls for a model's children by name; "?" is code the recorder did not see,
// and "fn:EXPR" a functional layer (F.relu) as the module that does the same.
std::vector<ForwardCall> calls(const nn::ModulePtr& model, std::initializer_list<std::string_view> order) {
  std::vector<ForwardCall> out;
  for (std::string_view name : order) {
    if (name == "?") {
      out.push_back({});
    } else if (name.starts_with("fn:")) {
      out.push_back({"", build(name.substr(3))});
    } else {
      for (const auto& [child, module] : model->own_children()) {
        if (child == name) out.push_back({std::string(name), module});
      }
    }
  }
  return out;
}

TEST(Architecture, ForwardOrderReplacesRegistrationOrder) {
  // Registered Tanh, Linear, Linear; called 1, 0, 2: the first Linear meets the Tanh.
  const nn::ModulePtr model = build("ModuleList([Tanh(), Linear(8, 8), Linear(8, 2)])");
  const Architecture a = analyze_architecture(*model, calls(model, {"1", "0", "2"}));
  const LayerInfo& first = layer(a, "1");
  EXPECT_EQ(first.order, OrderSource::forward);
  EXPECT_EQ(first.role, LayerRole::hidden);
  EXPECT_EQ(first.following.kind, NonlinearityKind::tanh);
  EXPECT_EQ(first.following.path, "0");
  EXPECT_EQ(first.consumer, "2");
  const LayerInfo& last = layer(a, "2");
  EXPECT_EQ(last.role, LayerRole::output);
  EXPECT_EQ(last.following.kind, NonlinearityKind::none);
  EXPECT_EQ(a.depth, 2);
  // Called the other way round, the Tanh follows the last layer, which is the output all the same.
  const Architecture b = analyze_architecture(*model, calls(model, {"2", "1", "0"}));
  EXPECT_EQ(layer(b, "2").following.kind, NonlinearityKind::none);
  EXPECT_EQ(layer(b, "2").role, LayerRole::hidden);
  EXPECT_EQ(layer(b, "1").following.kind, NonlinearityKind::tanh);
  EXPECT_EQ(layer(b, "1").role, LayerRole::output);
}

TEST(Architecture, FunctionalLayersInTheForward) {
  const nn::ModulePtr model = build("ModuleList([Linear(8, 8), Linear(8, 8), Linear(8, 2)])");
  const Architecture a = analyze_architecture(
      *model, calls(model, {"0", "fn:LeakyReLU(0.2)", "1", "fn:Dropout()", "fn:GELU()", "2"}));
  EXPECT_EQ(layer(a, "0").following.kind, NonlinearityKind::leaky_relu);
  EXPECT_DOUBLE_EQ(*layer(a, "0").following.slope, 0.2);
  EXPECT_EQ(layer(a, "0").following.path, "");
  EXPECT_EQ(layer(a, "0").consumer, "1");
  EXPECT_EQ(layer(a, "1").following.kind, NonlinearityKind::relu_like);
  EXPECT_EQ(layer(a, "1").following.skipped, (std::vector<std::string>{"Dropout"}));
  EXPECT_EQ(layer(a, "2").role, LayerRole::output);
}

TEST(Architecture, UnseenCodeHidesWhatIsNotSeenToFollow) {
  // Module hooks between two Linears inside a user's forward: an activation may have run unseen; a Tanh seen
  // after the unseen code is what followed.
  const nn::ModulePtr model = build("ModuleList([Linear(8, 8), Tanh(), Linear(8, 8), Linear(8, 2)])");
  const Architecture a = analyze_architecture(*model, calls(model, {"0", "?", "1", "?", "2", "?", "3", "?"}));
  EXPECT_EQ(layer(a, "0").following.kind, NonlinearityKind::tanh);
  EXPECT_EQ(layer(a, "0").consumer, "");
  EXPECT_EQ(layer(a, "2").following.kind, NonlinearityKind::unknown);
  EXPECT_EQ(layer(a, "2").role, LayerRole::hidden);
  EXPECT_EQ(layer(a, "3").following.kind, NonlinearityKind::unknown);
  EXPECT_EQ(layer(a, "3").role, LayerRole::output);
}

TEST(Architecture, ReusedLayerKeepsWhatItsCallsAgreeOn) {
  const nn::ModulePtr model = build("ModuleList([Linear(8, 8), ReLU(), Tanh(), Linear(8, 2)])");
  // Both calls meet a ReLU: ReLU. The first call's output is read by the layer itself, the second's by
  // "3": no one consumer.
  const Architecture same = analyze_architecture(*model, calls(model, {"0", "1", "0", "1", "3"}));
  EXPECT_EQ(layer(same, "0").following.kind, NonlinearityKind::relu);
  EXPECT_EQ(layer(same, "0").consumer, "");
  EXPECT_EQ(layer(same, "0").role, LayerRole::hidden);
  // One meets the ReLU, the other the Tanh: no one scheme fits both.
  const Architecture mixed = analyze_architecture(*model, calls(model, {"0", "1", "0", "2", "3"}));
  EXPECT_EQ(layer(mixed, "0").following.kind, NonlinearityKind::unknown);
  // The last call ends the model, an earlier one feeds another layer: hidden.
  const Architecture last = analyze_architecture(*model, calls(model, {"0", "1", "3", "0"}));
  EXPECT_EQ(layer(last, "0").role, LayerRole::hidden);
  EXPECT_EQ(layer(last, "0").following.kind, NonlinearityKind::unknown);
}

TEST(Architecture, LayersThatNeverRanKeepTheTreesReading) {
  const nn::ModulePtr model = build("Sequential(Linear(8, 8), ReLU(), Linear(8, 2))");
  const Architecture a = analyze_architecture(*model, calls(model, {"0", "1"}));
  EXPECT_EQ(layer(a, "0").order, OrderSource::forward);
  EXPECT_EQ(layer(a, "0").following.kind, NonlinearityKind::relu);
  EXPECT_EQ(layer(a, "0").role, LayerRole::output);  // nothing parametrised ran after it
  const LayerInfo& unused = layer(a, "2");
  EXPECT_EQ(unused.order, OrderSource::not_run);
  EXPECT_EQ(unused.role, LayerRole::output);
  EXPECT_EQ(unused.following.kind, NonlinearityKind::none);
  EXPECT_EQ(layer(analyze_architecture(*model), "0").order, OrderSource::tree);
  EXPECT_EQ(order_source_name(OrderSource::not_run), "not_run");
}

}  // namespace
}  // namespace nninit::diag
