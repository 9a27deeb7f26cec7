#include "nninit/diag/diagnose.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>

#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include "nninit/engine/engine_test_support.h"
#include "nninit/expr/model_expression.h"
#include "nninit/expr/rules.h"
#include "nninit/random/torch_generator.h"

namespace nninit::diag {
namespace {

using engine::testing::randn;

// A Sequential of `depth` Linear(width, width) layers, each followed by `activation`.
std::string deep_mlp(int depth, int width, const std::string& activation) {
  std::string text = "Sequential(";
  for (int i = 0; i < depth; ++i)
    text += fmt::format("{}Linear({}, {}), {}()", i ? ", " : "", width, width, activation);
  return text + ")";
}

nn::ModulePtr build(const std::string& expression, std::vector<std::string> rules = {}) {
  TorchGenerator g(0);
  nn::ModulePtr model = expr::build_model(expression, g);
  std::vector<expr::Rule> parsed;
  for (const std::string& r : rules) parsed.push_back(expr::parse_rule(r));
  if (!parsed.empty()) expr::apply_rules(*model, parsed, g);
  return model;
}

Diagnosis run(nn::Module& model, Shape input) {
  TorchGenerator g(1);
  return diagnose(model, {randn(std::move(input), g)});
}

const SignalFlag* find(const Diagnosis& d, SignalDirection direction) {
  for (const SignalFlag& f : d.flags) {
    if (f.direction == direction) return &f;
  }
  return nullptr;
}

TEST(Diagnose, ReportsEveryLayerWithStatisticsAndRatios) {
  nn::ModulePtr model = build("Sequential(Linear(64, 128), ReLU(), Linear(128, 10))",
                              {"Linear.weight=kaiming_normal_(nonlinearity='relu')", "Linear.bias=zeros_()"});
  const Diagnosis d = run(*model, {256, 64});
  ASSERT_EQ(d.layers.size(), 3u);
  EXPECT_EQ(d.layers[0].name, "0");
  EXPECT_EQ(d.layers[1].type, "ReLU");
  EXPECT_EQ(d.layers[2].output_shape, (Shape{256, 10}));
  // Kaiming keeps E[y^2] = 2 E[x^2]: the pre-activation std is about sqrt(2) for a unit input.
  EXPECT_NEAR(d.layers[0].output.std, std::sqrt(2.0), 0.15);
  EXPECT_NEAR(d.layers[0].std_ratio, d.layers[0].output.std / d.input_std, 1e-12);
  // About half of the ReLU's outputs are exact zeros.
  EXPECT_NEAR(d.layers[1].output.zero_fraction, 0.5, 0.05);
  EXPECT_NEAR(d.layers[1].std_ratio, d.layers[1].output.std / d.layers[0].output.std, 1e-12);
  // ReLU keeps sqrt((1 - 1/pi) / 2) = 0.584 of a zero-mean Gaussian's std.
  EXPECT_NEAR(d.layers[1].std_ratio, std::sqrt((1.0 - 1.0 / M_PI) / 2.0), 0.03);
  // The gradient of a unit-variance output gradient through a Linear: std(g W) = std(g) * sqrt(fan_out) *
  // std(W).
  EXPECT_NEAR(d.layers[2].output_grad_std, 1.0, 0.05);
  EXPECT_GT(d.layers[2].input_grad_std, 0.0);
  EXPECT_NEAR(d.layers[2].grad_ratio, d.layers[2].input_grad_std / d.layers[2].output_grad_std, 1e-12);
  ASSERT_EQ(d.parameters.size(), 4u);
  EXPECT_EQ(d.parameters[0].name, "0.weight");
  EXPECT_GT(d.parameters[0].grad.std, 0.0);
  EXPECT_TRUE(std::isfinite(d.parameters[0].grad_to_weight));
  EXPECT_TRUE(std::isnan(d.parameters[1].grad_to_weight)) << "a zero bias has no grad-to-weight ratio";
  EXPECT_TRUE(d.flags.empty());
  EXPECT_TRUE(d.symmetries_checked);
  EXPECT_TRUE(d.symmetries.empty());
  EXPECT_FALSE(d.samples.empty());
}

TEST(Diagnose, DoesNotChangeTheModel) {
  nn::ModulePtr model = build("Sequential(Linear(8, 8), BatchNorm1d(8), ReLU(), Linear(8, 2))");
  const std::vector<NamedTensor> before = model->state_dict();
  std::vector<std::vector<double>> values;
  for (const NamedTensor& t : before) values.push_back(t.tensor.to_doubles());
  TorchGenerator g(3);
  diagnose(*model, {randn({16, 8}, g)}, {.train = true});
  const std::vector<NamedTensor> after = model->state_dict();
  for (std::size_t i = 0; i < after.size(); ++i)
    EXPECT_EQ(after[i].tensor.to_doubles(), values[i]) << after[i].name;
  EXPECT_TRUE(model->is_training());  // PyTorch's default mode, restored
}

TEST(Diagnose, PyTorchDefaultWeightsInDeepReluNetworkVanishFromTheFirstReLU) {
  // PyTorch's default gives Var(W) = 1/(3 fan_in): each Linear-ReLU pair multiplies the std by about
  // sqrt(1/3) * sqrt(1/2) = 0.41 (lint.h), 0.41^10 = 1.3e-4. (PyTorch's default biases, U(+-1/sqrt(fan_in)),
  // would hold the activations near their own std, 0.05 here: the signal is then mostly bias.)
  nn::ModulePtr model = build(deep_mlp(10, 128, "ReLU"), {"Linear.bias=zeros_()"});
  const Diagnosis d = run(*model, {256, 128});
  const SignalFlag* forward = find(d, SignalDirection::forward);
  ASSERT_NE(forward, nullptr) << fmt::to_string(fmt::join(signal_verdict(d), "\n"));
  EXPECT_EQ(forward->trend, SignalTrend::vanishing);
  EXPECT_EQ(forward->starts_at, "1") << "Linear 0 keeps 0.58 of the std; its ReLU takes it below one half";
  EXPECT_LT(forward->factor, 0.01);
  EXPECT_NE(forward->message.find("vanishing"), std::string::npos);
  const SignalFlag* backward = find(d, SignalDirection::backward);
  ASSERT_NE(backward, nullptr);
  EXPECT_EQ(backward->trend, SignalTrend::vanishing);
}

TEST(Diagnose, KaimingKeepsADeepReluNetworkFlagFree) {
  nn::ModulePtr model = build(deep_mlp(10, 128, "ReLU"),
                              {"Linear.weight=kaiming_normal_(nonlinearity='relu')", "Linear.bias=zeros_()"});
  const Diagnosis d = run(*model, {256, 128});
  EXPECT_TRUE(d.flags.empty()) << fmt::to_string(fmt::join(signal_verdict(d), "\n"));
  // Every Linear output keeps a std near sqrt(2) (within sampling noise over ten layers).
  for (std::size_t i = 0; i < d.layers.size(); i += 2)
    EXPECT_NEAR(d.layers[i].output.std, std::sqrt(2.0), 0.4);
}

TEST(Diagnose, LargeNormalExplodesAndNamesWhereItStarts) {
  nn::ModulePtr model = build(deep_mlp(6, 256, "ReLU"), {"Linear.weight=normal_(std=1.0)"});
  const Diagnosis d = run(*model, {64, 256});
  const SignalFlag* forward = find(d, SignalDirection::forward);
  ASSERT_NE(forward, nullptr);
  EXPECT_EQ(forward->trend, SignalTrend::exploding);
  EXPECT_EQ(forward->starts_at, "0") << "std(W) = 1 with fan_in 256 multiplies the std by 16 at once";
  EXPECT_EQ(forward->crosses_at, "2") << "16 x 0.58 x 16 = 150 > 100 at the second Linear";
}

TEST(Diagnose, ZeroWeightsAreFoundSymmetric) {
  nn::ModulePtr model =
      build("Sequential(Linear(16, 32), Tanh(), Linear(32, 4))", {"Linear.weight=zeros_()"});
  const Diagnosis d = run(*model, {32, 16});
  ASSERT_FALSE(d.symmetries.empty());
  EXPECT_EQ(d.symmetries.front().parameter, "0.weight");
  EXPECT_EQ(d.parameters[0].grad.std, 0.0) << "zero outgoing weights pass no gradient back to layer 0";
}

TEST(Diagnose, RecurrentLayersOverTime) {
  nn::ModulePtr model = build("LSTM(8, 16, num_layers=2, bidirectional=True)");
  const Diagnosis d = run(*model, {12, 4, 8});
  ASSERT_EQ(d.recurrent.size(), 4u);  // 2 layers x 2 directions
  for (const RecurrentDiagnosis& r : d.recurrent) {
    EXPECT_EQ(r.hidden_std.size(), 12u);
    EXPECT_EQ(r.grad_std.size(), 12u);
    for (double s : r.hidden_std) EXPECT_GT(s, 0.0);
    for (double s : r.grad_std) EXPECT_GT(s, 0.0);
  }
  EXPECT_EQ(d.recurrent[1].direction, 1);
}

TEST(Diagnose, TransformerEncoderLayersAreReportedInside) {
  nn::ModulePtr model =
      build("TransformerEncoder(TransformerEncoderLayer(16, 2, 32, dropout=0.0), num_layers=2)");
  const Diagnosis d = run(*model, {5, 3, 16});
  bool saw_linear1 = false;
  for (const LayerDiagnosis& l : d.layers) saw_linear1 |= l.name == "layers.1.linear1";
  EXPECT_TRUE(saw_linear1);
  EXPECT_TRUE(d.flags.empty()) << fmt::to_string(
      fmt::join(signal_verdict(d), "\n"));  // LayerNorm keeps every block at unit scale
}

// Global average pooling over 8x8 divides every element's gradient by 64 by construction; judged per element
// against the output gradient, PyTorch's defaults in this small CNN would read as a vanishing gradient
// (Linear(16, 10)'s input gradient has std sqrt(10 / (3 * 16)) = 0.46, over 64: 0.007, below 1/100). The
// backward judgement divides the pooling's own factor out; a real shrink (convolutions at std 0.001) is
// still flagged.
TEST(Diagnose, GlobalAveragePoolingIsNoVanishingGradient) {
  const std::string cnn =
      "Sequential(Conv2d(3, 16, 3, padding=1), ReLU(), Conv2d(16, 16, 3, padding=1), ReLU(), "
      "AdaptiveAvgPool2d(1), Flatten(), Linear(16, 10))";
  nn::ModulePtr model = build(cnn);
  const Diagnosis d = run(*model, {8, 3, 8, 8});
  const auto pool = std::find_if(d.layers.begin(), d.layers.end(),
                                 [](const LayerDiagnosis& l) { return l.type == "AdaptiveAvgPool2d"; });
  ASSERT_NE(pool, d.layers.end());
  EXPECT_NEAR(pool->grad_ratio * 64.0, 1.0, 0.02);
  EXPECT_EQ(find(d, SignalDirection::backward), nullptr)
      << fmt::to_string(fmt::join(signal_verdict(d), "\n"));

  nn::ModulePtr tiny = build(cnn, {"Conv2d.weight=normal_(std=0.001)"});
  const Diagnosis shrunk = run(*tiny, {8, 3, 8, 8});
  const SignalFlag* flag = find(shrunk, SignalDirection::backward);
  ASSERT_NE(flag, nullptr) << fmt::to_string(fmt::join(signal_verdict(shrunk), "\n"));
  EXPECT_EQ(flag->trend, SignalTrend::vanishing);
  EXPECT_NE(flag->message.find("pooling, reshaping and dropout layers' own factors divided out"),
            std::string::npos)
      << flag->message;
}

// Inside a Transformer layer, LayerNorm reads a residual sum and the feed-forward Dropout reads a functional
// ReLU: neither input is a module's output, and each still gets its gradient (the conformance suite holds
// these to PyTorch's hooks on the inputs). In eval mode a Dropout passes the gradient through unchanged, so
// the sum x + dropout1(sa(x)) that norm1 reads has the gradient dropout1 passes to its input.
TEST(Diagnose, GradientsReachInputsThatAreNoModulesOutput) {
  nn::ModulePtr model = build("TransformerEncoderLayer(16, 2, 32)");
  const Diagnosis d = run(*model, {5, 3, 16});
  std::map<std::string, const LayerDiagnosis*> by_name;
  for (const LayerDiagnosis& l : d.layers) {
    EXPECT_TRUE(std::isfinite(l.input_grad_std) && l.input_grad_std > 0.0)
        << l.name << "\n"
        << fmt::to_string(fmt::join(signal_verdict(d), "\n"));
    by_name[l.name] = &l;
  }
  ASSERT_TRUE(by_name.contains("norm1") && by_name.contains("dropout1") && by_name.contains("dropout") &&
              by_name.contains("linear2"));
  EXPECT_EQ(by_name["norm1"]->input_grad_std, by_name["dropout1"]->input_grad_std);
  EXPECT_EQ(by_name["dropout"]->input_grad_std, by_name["linear2"]->input_grad_std);
}

// The ratio column compares a layer's output with the input it really received: norm1 reads the residual
// sum x + dropout1(self_attn(x)), not dropout1's output (the row printed before it). LayerNorm gives unit
// std per token; the sum of a unit input and a smaller branch has a std a little above 1, so the ratio is
// near 1 (against dropout1's small output it was 16 in issue 9's report).
TEST(Diagnose, RatioIsOverTheLayersOwnInput) {
  nn::ModulePtr model = build("TransformerEncoderLayer(16, 2, 32, dropout=0.0)");
  TorchGenerator g(1);
  const std::vector<Tensor> x = {randn({5, 3, 16}, g)};
  const Recording recording = record_pass(*model, x);
  const Diagnosis d = diagnose(recording);
  for (std::size_t i = 0; i < recording.calls.size(); ++i) {
    const CallRecord& call = recording.calls[i];
    if (call.name != "norm1") continue;
    ASSERT_TRUE(call.input.defined());
    const double residual_sum_std = statistics(call.input).std;
    const auto row = std::find_if(d.layers.begin(), d.layers.end(),
                                  [](const LayerDiagnosis& l) { return l.name == "norm1"; });
    ASSERT_NE(row, d.layers.end());
    EXPECT_NEAR(row->std_ratio, row->output.std / residual_sum_std, 1e-12);
    EXPECT_GT(row->std_ratio, 0.5);
    EXPECT_LT(row->std_ratio, 1.5);
    return;
  }
  FAIL() << "no norm1 call";
}

TEST(Diagnose, RandomIndicesForEmbeddingsAreTorchRandint) {
  // torch.manual_seed(7); torch.randint(0, 100, (12,)).tolist() in PyTorch 1.13 and 2.x.
  const std::vector<double> expected = {15, 92, 21, 86, 83, 47, 87, 79, 88, 61, 58, 31};
  nn::ModulePtr model = build("Sequential(Embedding(100, 4), Flatten(), Linear(48, 2))");
  TorchGenerator g(7);
  const std::vector<Tensor> inputs = random_inputs(*model, {{1, 12}}, g);
  ASSERT_EQ(inputs.size(), 1u);
  EXPECT_EQ(inputs[0].dtype(), DType::int64);
  EXPECT_EQ(inputs[0].to_doubles(), expected);
  const Diagnosis d = diagnose(*model, inputs);
  EXPECT_TRUE(std::isnan(d.input_std));
  EXPECT_TRUE(std::isnan(d.layers.front().input_grad_std));
}

TEST(Diagnose, WrongInputShapeIsAnErrorNamingTheLayer) {
  nn::ModulePtr model = build("Sequential(Linear(8, 4), ReLU())");
  TorchGenerator g(0);
  try {
    diagnose(*model, {randn({2, 9}, g)});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("9"), std::string::npos) << e.what();
  }
}

// The verdict reads the bound it was judged by: a deep tanh stack under PyTorch's defaults shrinks well past
// 100x, but not past a bound of 1e30.
TEST(Diagnose, VerdictStatesTheBoundItUsed) {
  nn::ModulePtr model = build(deep_mlp(20, 32, "Tanh"));
  TorchGenerator g(1);
  const std::vector<Tensor> x = {randn({64, 32}, g)};
  const Diagnosis strict = diagnose(*model, x);
  ASSERT_FALSE(strict.flags.empty());
  EXPECT_EQ(signal_verdict(strict).size(), strict.flags.size());
  EXPECT_EQ(signal_verdict(strict).front(), strict.flags.front().message);
  const Diagnosis lenient = diagnose(*model, x, {.signal_bound = 1e30});
  EXPECT_TRUE(lenient.flags.empty());
  EXPECT_EQ(signal_verdict(lenient),
            (std::vector<std::string>{
                "no vanishing or exploding activations or gradients (within a factor 1e+30)"}));
  EXPECT_EQ(
      signal_verdict(diagnose(*build("Sequential(Linear(4, 4))"), {randn({8, 4}, g)})),
      (std::vector<std::string>{"no vanishing or exploding activations or gradients (within a factor 100)"}));
}

// The analysis reads only the recording: a pass recorded by someone else (here built by hand, as the Python
// package builds one from PyTorch's hooks) is diagnosed the same way as the engine's own.
TEST(Diagnose, ReadsARecordingWhoeverMadeIt) {
  nn::ModulePtr model = build("Sequential(Linear(8, 16), ReLU(), Linear(16, 4))");
  TorchGenerator g(2);
  const std::vector<Tensor> x = {randn({32, 8}, g)};
  const Recording engine_pass = record_pass(*model, x);
  const Diagnosis through_engine = diagnose(*model, x);

  Recording by_hand;
  by_hand.inputs = x;
  by_hand.gradient_note = "by hand";
  for (const CallRecord& call : engine_pass.calls) {
    by_hand.calls.push_back({.name = call.name,
                             .type = call.type,
                             .depth = call.depth,
                             .has_parameters = call.has_parameters,
                             .input = call.input.clone(),
                             .outputs = {call.outputs.front().clone()},
                             .input_gradient = call.input_gradient.clone(),
                             .output_gradient = call.output_gradient.clone()});
  }
  for (std::size_t i = 0; i < engine_pass.parameters.size(); ++i) {
    by_hand.parameters.push_back({engine_pass.parameters[i].name, engine_pass.parameters[i].tensor.clone()});
    by_hand.parameter_gradients.push_back(
        {engine_pass.parameter_gradients[i].name, engine_pass.parameter_gradients[i].tensor.clone()});
  }
  const Diagnosis from_record = diagnose(by_hand);
  ASSERT_EQ(from_record.layers.size(), through_engine.layers.size());
  for (std::size_t i = 0; i < from_record.layers.size(); ++i) {
    EXPECT_EQ(from_record.layers[i].name, through_engine.layers[i].name);
    EXPECT_EQ(from_record.layers[i].output.std, through_engine.layers[i].output.std);
    EXPECT_EQ(from_record.layers[i].input_grad_std, through_engine.layers[i].input_grad_std);
    EXPECT_EQ(from_record.layers[i].std_ratio, through_engine.layers[i].std_ratio);
  }
  ASSERT_EQ(from_record.parameters.size(), 4u);
  EXPECT_EQ(from_record.parameters[2].grad_to_weight, through_engine.parameters[2].grad_to_weight);
  EXPECT_EQ(from_record.gradient_note, "by hand");
  EXPECT_FALSE(from_record.symmetries_checked) << "a recording carries no module tree to search";
}

}  // namespace
}  // namespace nninit::diag
