#include "nninit/diag/lsuv.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "nninit/core/error.h"
#include "nninit/core/tensor_statistics.h"
#include "nninit/engine/engine_test_support.h"
#include "nninit/engine/trace.h"
#include "nninit/expr/model_expression.h"
#include "nninit/nn/activation.h"
#include "nninit/nn/container.h"
#include "nninit/nn/linear.h"
#include "nninit/random/torch_generator.h"

namespace nninit::diag {
namespace {

using engine::testing::randn;

nn::ModulePtr build(std::string_view expression, std::uint64_t seed = 0) {
  TorchGenerator g(seed);
  return expr::build_model(expression, g);
}

// Sequential(Linear(64, 64), Tanh(), ...) with `layers` Linear layers.
std::string tanh_mlp(int layers) {
  std::string expression = "Sequential(";
  for (int i = 0; i < layers; ++i)
    expression += i == 0 ? "Linear(64, 64), Tanh()" : ", Linear(64, 64), Tanh()";
  return expression + ")";
}

// The std of every module call's first output, by call name, measured by a forward pass of its own.
std::map<std::string, double> call_output_stds(nn::Module& model, const std::vector<Tensor>& inputs) {
  const engine::Trace trace = engine::run_forward(model, inputs);
  std::map<std::string, double> stds;
  for (const engine::ModuleCall& call : trace.calls())
    stds[call.name] = statistics(trace.outputs(call).at(0)).std;
  return stds;
}

Tensor parameter_named(const nn::Module& model, std::string_view name) {
  for (const NamedTensor& p : model.named_parameters()) {
    if (p.name == name) return p.tensor;
  }
  throw IndexError(fmt::format("no parameter named '{}'", name));
}

// How far W W^T (W with its trailing dimensions flattened, rows <= columns) is from scale^2 I, relative to
// scale^2; `scale` receives the RMS row norm.
double orthogonality_error(const Tensor& weight, double& scale) {
  const std::int64_t rows = weight.size(0);
  const std::int64_t cols = weight.numel() / rows;
  const std::vector<double> w = weight.to_doubles();
  std::vector<double> gram(static_cast<std::size_t>(rows * rows));
  for (std::int64_t i = 0; i < rows; ++i) {
    for (std::int64_t j = 0; j < rows; ++j) {
      double dot = 0.0;
      for (std::int64_t k = 0; k < cols; ++k)
        dot += w[static_cast<std::size_t>(i * cols + k)] * w[static_cast<std::size_t>(j * cols + k)];
      gram[static_cast<std::size_t>(i * rows + j)] = dot;
    }
  }
  double diagonal = 0.0;
  for (std::int64_t i = 0; i < rows; ++i) diagonal += gram[static_cast<std::size_t>(i * rows + i)];
  diagonal /= static_cast<double>(rows);
  scale = std::sqrt(diagonal);
  double error = 0.0;
  for (std::int64_t i = 0; i < rows; ++i) {
    for (std::int64_t j = 0; j < rows; ++j) {
      const double expected = i == j ? diagonal : 0.0;
      error = std::max(error, std::fabs(gram[static_cast<std::size_t>(i * rows + j)] - expected) / diagonal);
    }
  }
  return error;
}

// Every reported layer: within tolerance when measured again, an orthogonal weight scaled by exactly
// final_std / initial_std (the orthogonal start had scale 1 and the output is proportional to the weight
// when biases are zero), and near unit std on a fresh batch from the same distribution.
void expect_unit_std_layers(nn::Module& model, const LsuvReport& report, const std::vector<Tensor>& batch,
                            const std::vector<Tensor>& fresh) {
  const std::map<std::string, double> measured = call_output_stds(model, batch);
  const std::map<std::string, double> generalised = call_output_stds(model, fresh);
  for (const LsuvLayer& layer : report.layers) {
    SCOPED_TRACE(layer.path);
    EXPECT_TRUE(layer.converged);
    EXPECT_EQ(layer.iterations, 1);  // zero biases: one division lands on the target
    EXPECT_NEAR(layer.final_std, 1.0, 1e-3);
    const double std = measured.at(layer.path);
    EXPECT_LT(std::fabs(std * std - 1.0), LsuvOptions{}.tolerance);
    EXPECT_NEAR(std, layer.final_std, 1e-5);
    const double fresh_std = generalised.at(layer.path);
    EXPECT_GT(fresh_std, 0.8);
    EXPECT_LT(fresh_std, 1.25);
    double scale = 0.0;
    EXPECT_LT(orthogonality_error(parameter_named(model, layer.parameter), scale), 1e-4);
    EXPECT_NEAR(scale, layer.final_std / layer.initial_std, 1e-4 * scale);
  }
}

TEST(Lsuv, TanhMlpLayersReachUnitStd) {
  const nn::ModulePtr model = build(tanh_mlp(10));
  TorchGenerator data(1);
  // Inputs with std 3, so that the first layer too starts away from the target.
  const std::vector<Tensor> batch{randn({128, 64}, data, 3.0)};
  const std::vector<Tensor> fresh{randn({128, 64}, data, 3.0)};
  TorchGenerator g(2);
  const LsuvReport report = lsuv_(*model, batch, g);
  ASSERT_EQ(report.layers.size(), 10u);
  EXPECT_TRUE(report.skipped.empty());
  for (std::size_t i = 0; i < report.layers.size(); ++i) {
    EXPECT_EQ(report.layers[i].path, std::to_string(2 * i));
    EXPECT_EQ(report.layers[i].parameter, std::to_string(2 * i) + ".weight");
  }
  EXPECT_NEAR(report.layers[0].initial_std, 3.0, 0.1);  // an orthogonal map keeps N(0, 9) inputs' std
  // Later layers read tanh outputs of unit-std inputs: E[tanh(z)^2] = 0.394 for z ~ N(0, 1).
  EXPECT_NEAR(report.layers[5].initial_std, 0.63, 0.03);
  expect_unit_std_layers(*model, report, batch, fresh);
}

TEST(Lsuv, ReluCnnLayersReachUnitStd) {
  const nn::ModulePtr model = build(
      "Sequential(Conv2d(3, 16, 3, padding=1), ReLU(), Conv2d(16, 32, 3, stride=2), ReLU(), Flatten(), "
      "Linear(288, 10))");
  TorchGenerator data(3);
  const std::vector<Tensor> batch{randn({64, 3, 8, 8}, data)};
  const std::vector<Tensor> fresh{randn({64, 3, 8, 8}, data)};
  TorchGenerator g(4);
  const LsuvReport report = lsuv_(*model, batch, g);
  ASSERT_EQ(report.layers.size(), 3u);
  EXPECT_EQ(report.layers[0].path, "0");
  EXPECT_EQ(report.layers[1].path, "2");
  EXPECT_EQ(report.layers[2].path, "5");
  for (const char* bias : {"0.bias", "2.bias", "5.bias"}) {
    EXPECT_EQ(statistics(parameter_named(*model, bias)).zero_fraction, 1.0) << bias;
  }
  expect_unit_std_layers(*model, report, batch, fresh);
}

// Sequential(Linear(32, 32), Tanh(), Linear(32, 32)) whose biases alternate +-0.8 (variance 0.66): the
// bias does not scale with the weight, so one division falls short of the target.
nn::ModulePtr mlp_with_biases(double bias) {
  const nn::ModulePtr model = build("Sequential(Linear(32, 32), Tanh(), Linear(32, 32))");
  for (const NamedTensor& p : model->named_parameters()) {
    if (p.name.ends_with("bias")) {
      for (std::int64_t i = 0; i < p.tensor.numel(); ++i) p.tensor.set({i}, i % 2 == 0 ? bias : -bias);
    }
  }
  return model;
}

TEST(Lsuv, BiasesTakeMoreIterations) {
  TorchGenerator data(5);
  const std::vector<Tensor> batch{randn({256, 32}, data)};
  const LsuvOptions keep_biases{.zero_biases = false};

  const nn::ModulePtr once = mlp_with_biases(0.8);
  TorchGenerator g1(6);
  LsuvOptions one_iteration = keep_biases;
  one_iteration.max_iterations = 1;
  const LsuvReport short_report = lsuv_(*once, batch, g1, one_iteration);
  ASSERT_EQ(short_report.layers.size(), 2u);
  const LsuvLayer& first = short_report.layers[0];
  EXPECT_EQ(first.iterations, 1);
  EXPECT_FALSE(first.converged);
  EXPECT_GT(first.final_std * first.final_std - 1.0, 0.1);  // 1 / 1.66 + 0.66 = 1.26
  EXPECT_NEAR(call_output_stds(*once, batch).at("0"), first.final_std, 1e-5);
  for (const LsuvLayer& layer : short_report.layers) {
    EXPECT_EQ(layer.converged, std::fabs(layer.final_std * layer.final_std - 1.0) < 0.1) << layer.path;
  }

  const nn::ModulePtr converging = mlp_with_biases(0.8);
  TorchGenerator g2(6);
  const LsuvReport report = lsuv_(*converging, batch, g2, keep_biases);
  ASSERT_EQ(report.layers.size(), 2u);
  EXPECT_GE(report.layers[0].iterations, 2);
  const std::map<std::string, double> measured = call_output_stds(*converging, batch);
  for (const LsuvLayer& layer : report.layers) {
    EXPECT_TRUE(layer.converged) << layer.path;
    EXPECT_LE(layer.iterations, LsuvOptions{}.max_iterations);
    EXPECT_LT(std::fabs(measured.at(layer.path) * measured.at(layer.path) - 1.0), 0.1) << layer.path;
  }
}

TEST(Lsuv, UnreachableTargetStopsAtMaxIterations) {
  // Biases of variance 2.25 alone exceed the target variance 1: no weight scale reaches it.
  const nn::ModulePtr model = mlp_with_biases(1.5);
  TorchGenerator data(7);
  TorchGenerator g(8);
  const LsuvReport report = lsuv_(*model, {randn({64, 32}, data)}, g, {.zero_biases = false});
  ASSERT_EQ(report.layers.size(), 2u);
  for (const LsuvLayer& layer : report.layers) {
    EXPECT_EQ(layer.iterations, 10) << layer.path;
    EXPECT_FALSE(layer.converged) << layer.path;
    EXPECT_GT(layer.final_std, 1.4) << layer.path;
  }
}

TEST(Lsuv, ZeroOutputIsSkippedNotDivided) {
  // The threshold zeroes every activation, so the second Linear (zero bias) outputs zeros.
  const nn::ModulePtr model = build("Sequential(Linear(8, 8), Threshold(1e6, 0.0), Linear(8, 8))");
  TorchGenerator data(9);
  TorchGenerator g(10);
  const LsuvReport report = lsuv_(*model, {randn({32, 8}, data)}, g);
  ASSERT_EQ(report.layers.size(), 1u);
  EXPECT_EQ(report.layers[0].path, "0");
  ASSERT_EQ(report.skipped.size(), 1u);
  EXPECT_EQ(report.skipped[0].path, "2");
  EXPECT_NE(report.skipped[0].reason.find("zero variance"), std::string::npos) << report.skipped[0].reason;
  for (const NamedTensor& p : model->named_parameters()) {
    EXPECT_EQ(statistics(p.tensor).non_finite, 0) << p.name;
  }
  // The skipped layer keeps its orthogonal start, scale 1.
  double scale = 0.0;
  EXPECT_LT(orthogonality_error(model->child("2").parameter("weight"), scale), 1e-4);
  EXPECT_NEAR(scale, 1.0, 1e-5);
}

TEST(Lsuv, SameSeedGivesTheSameBits) {
  auto run = [](std::uint64_t seed) {
    const nn::ModulePtr model = build(tanh_mlp(4), 12);
    TorchGenerator data(13);
    TorchGenerator g(seed);
    lsuv_(*model, {randn({64, 64}, data)}, g);
    std::vector<std::vector<double>> values;
    for (const NamedTensor& p : model->named_parameters()) values.push_back(p.tensor.to_doubles());
    return values;
  };
  const auto first = run(14);
  EXPECT_EQ(first, run(14));  // exact equality of every element
  EXPECT_NE(first, run(15));
}

TEST(Lsuv, TransformerEncoderLayerScalesOutProjAndFeedForward) {
  const nn::ModulePtr model = build("TransformerEncoderLayer(16, 2, 32, dropout=0.0)");
  const Tensor in_proj = model->child("self_attn").parameter("in_proj_weight").clone();
  TorchGenerator data(16);
  const std::vector<Tensor> batch{randn({10, 8, 16}, data)};  // (sequence, batch, embedding)
  TorchGenerator g(17);
  const LsuvReport report = lsuv_(*model, batch, g);
  ASSERT_EQ(report.layers.size(), 3u);
  // The forward order: self-attention (its out_proj), then the feed-forward block.
  EXPECT_EQ(report.layers[0].path, "self_attn.out_proj");
  EXPECT_EQ(report.layers[1].path, "linear1");
  EXPECT_EQ(report.layers[2].path, "linear2");
  // out_proj's output is the attention's output.
  const std::map<std::string, double> measured = call_output_stds(*model, batch);
  EXPECT_NEAR(measured.at("self_attn"), 1.0, 0.05);
  EXPECT_NEAR(measured.at("linear1"), 1.0, 0.05);
  EXPECT_NEAR(measured.at("linear2"), 1.0, 0.05);
  ASSERT_EQ(report.skipped.size(), 1u);
  EXPECT_EQ(report.skipped[0].path, "self_attn");
  EXPECT_EQ(model->child("self_attn").parameter("in_proj_weight").to_doubles(), in_proj.to_doubles());
}

TEST(Lsuv, RecurrentLayerGetsTheOrthogonalStartOnly) {
  const nn::ModulePtr model = build("Sequential(Linear(4, 8), RNN(8, 8))");
  const Tensor weight_hh = model->child("1").parameter("weight_hh_l0").clone();
  TorchGenerator data(18);
  TorchGenerator g(19);
  const LsuvReport report = lsuv_(*model, {randn({5, 3, 4}, data)}, g);
  ASSERT_EQ(report.layers.size(), 1u);
  EXPECT_EQ(report.layers[0].path, "0");
  ASSERT_EQ(report.skipped.size(), 1u);
  EXPECT_EQ(report.skipped[0].path, "1");
  EXPECT_NE(report.skipped[0].reason.find("recurrent"), std::string::npos);
  EXPECT_NE(model->child("1").parameter("weight_hh_l0").to_doubles(), weight_hh.to_doubles());
  // weight_hh_l0 (8, 8) is orthogonal now: W W^T = I.
  const std::vector<double> w = model->child("1").parameter("weight_hh_l0").to_doubles();
  for (int i = 0; i < 8; ++i) {
    for (int j = 0; j < 8; ++j) {
      double dot = 0.0;
      for (int k = 0; k < 8; ++k)
        dot += w[static_cast<std::size_t>(i * 8 + k)] * w[static_cast<std::size_t>(j * 8 + k)];
      EXPECT_NEAR(dot, i == j ? 1.0 : 0.0, 1e-5) << i << "," << j;
    }
  }
}

TEST(Lsuv, AnLstmAloneGetsTheOrthogonalStart) {
  const nn::ModulePtr model = build("LSTM(4, 8, num_layers=2)");
  TorchGenerator data(23);
  TorchGenerator g(24);
  const LsuvReport report = lsuv_(*model, {randn({5, 3, 4}, data)}, g);
  EXPECT_TRUE(report.layers.empty());
  ASSERT_EQ(report.skipped.size(), 1u);
  EXPECT_NE(report.skipped[0].reason.find("orthogonal start only"), std::string::npos);
  // weight_ih_l1 (32, 8): orthonormal columns, W^T W = I.
  const Tensor& w = model->parameter("weight_ih_l1");
  for (std::int64_t i = 0; i < 8; ++i) {
    double norm = 0.0;
    for (std::int64_t r = 0; r < 32; ++r) norm += w.at({r, i}) * w.at({r, i});
    EXPECT_NEAR(norm, 1.0, 1e-5);
  }
}

TEST(Lsuv, SharedLayerIsScaledAtItsFirstCall) {
  TorchGenerator defaults(20);
  const auto shared =
      std::make_shared<nn::Linear>(nn::LinearOptions{.in_features = 16, .out_features = 16}, defaults);
  nn::Sequential model({shared, std::make_shared<nn::Tanh>(), shared});
  TorchGenerator data(21);
  const std::vector<Tensor> batch{randn({64, 16}, data, 2.0)};
  TorchGenerator g(22);
  const LsuvReport report = lsuv_(model, batch, g);
  ASSERT_EQ(report.layers.size(), 1u);
  EXPECT_EQ(report.layers[0].path, "0");
  EXPECT_TRUE(report.skipped.empty());
  // The first call has unit std; the second reads tanh outputs and is not rescaled for them.
  const engine::Trace trace = engine::run_forward(model, batch);
  EXPECT_NEAR(statistics(trace.outputs(trace.calls()[1]).at(0)).std, 1.0, 1e-3);
  EXPECT_LT(statistics(trace.outputs(trace.calls()[3]).at(0)).std, 0.8);
}

TEST(Lsuv, TiedWeightIsScaledOnce) {
  const nn::ModulePtr model = build("Sequential(Linear(8, 8), Tanh(), Linear(8, 8))");
  model->child("2").set_parameter("weight", model->child("0").parameter("weight"));
  TorchGenerator data(23);
  TorchGenerator g(24);
  const LsuvReport report = lsuv_(*model, {randn({64, 8}, data, 2.0)}, g);
  ASSERT_EQ(report.layers.size(), 1u);
  EXPECT_EQ(report.layers[0].path, "0");
  ASSERT_EQ(report.skipped.size(), 1u);
  EXPECT_EQ(report.skipped[0].path, "2");
  EXPECT_NE(report.skipped[0].reason.find("tied"), std::string::npos);
}

TEST(Lsuv, Errors) {
  TorchGenerator data(25);
  TorchGenerator g(26);
  try {
    lsuv_(*build("Sequential(Tanh(), ReLU())"), {randn({4, 4}, data)}, g);
    ADD_FAILURE() << "no exception";
  } catch (const ValueError& e) {
    EXPECT_EQ(
        std::string(e.what()),
        "lsuv_: Sequential has no Linear, Bilinear, Conv, ConvTranspose or recurrent layer to initialise "
        "(LSUV scales fully connected and convolutional layers)");
  }
  EXPECT_THROW(lsuv_(*build("Sequential(ReLU(), LayerNorm(4))"), {randn({5, 3, 4}, data)}, g), ValueError);

  // An integer input fails in the forward pass, before any weight changes.
  const nn::ModulePtr model = build("Sequential(Linear(4, 4))");
  const std::vector<double> before = model->child("0").parameter("weight").to_doubles();
  EXPECT_THROW(lsuv_(*model, {Tensor::zeros({2, 4}, DType::int64)}, g), Error);
  EXPECT_EQ(model->child("0").parameter("weight").to_doubles(), before);

  const std::vector<Tensor> batch{randn({8, 4}, data)};
  EXPECT_THROW(lsuv_(*model, batch, g, {.target_std = 0.0}), ValueError);
  EXPECT_THROW(lsuv_(*model, batch, g, {.tolerance = 0.0}), ValueError);
  EXPECT_THROW(lsuv_(*model, batch, g, {.max_iterations = -1}), ValueError);
}

}  // namespace
}  // namespace nninit::diag
