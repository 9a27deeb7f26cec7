#include "nninit/report/charts.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace nninit::report {
namespace {

// A block sweep as run_block_sweep (diag/block_sweep.h) returns it: 4 copies of a transformer layer.
diag::DepthSweep block_sweep() {
  diag::DepthSweep sweep{.options = {.depth = 4, .width = 64, .batch = 16}};
  sweep.block = "layers.* (TransformerEncoderLayer)";
  sweep.block_input = {16, 32, 64};
  sweep.schemes.push_back({.name = "the model's initialisation",
                           .init = "PyTorch's defaults",
                           .activation_std = {1.0, 1.0, 1.0, 1.0},
                           .gradient_std = {0.7, 0.5, 0.4, 0.3}});
  return sweep;
}

TEST(Charts, BlockSweepChartsNameTheBlockAndCountCopies) {
  const svg::LineChart activations = sweep_activation_chart(block_sweep());
  const svg::LineChart gradients = sweep_gradient_chart(block_sweep());
  EXPECT_EQ(
      activations.title,
      "activation std by layer: 4 copies of the model's block layers.* (TransformerEncoderLayer), input "
      "[16, 32, 64]");
  EXPECT_EQ(activations.x_label, "copies of the block");
  EXPECT_EQ(activations.y_label, "std after the block");
  EXPECT_EQ(gradients.y_label, "std of d loss / d block input");
  ASSERT_EQ(gradients.series.size(), 1u);
  EXPECT_EQ(gradients.series[0].x, (std::vector<double>{1, 2, 3, 4}));
  EXPECT_EQ(gradients.series[0].y, (std::vector<double>{0.7, 0.5, 0.4, 0.3}));
}

TEST(Charts, SweepChartsDrawEverySchemeAndLeaveOutNonFiniteValues) {
  // The default sweep (50 layers): "large normal" overflows to infinity in the ReLU network.
  const diag::DepthSweep sweep = diag::run_depth_sweep(diag::SweepActivation::relu);
  const svg::LineChart activations = sweep_activation_chart(sweep);
  const svg::LineChart gradients = sweep_gradient_chart(sweep);
  for (const svg::LineChart* chart : {&activations, &gradients}) {
    EXPECT_TRUE(chart->log_y);
    ASSERT_EQ(chart->series.size(), 7u);
    EXPECT_EQ(chart->series[3].name, "Xavier");
    EXPECT_EQ(chart->series[3].x.front(), 1.0);
    EXPECT_EQ(chart->series[3].x.back(), 50.0);
    const std::string markup = svg::line_chart(*chart);
    EXPECT_EQ(markup.find("nan"), std::string::npos);
    EXPECT_EQ(markup.find("inf"), std::string::npos);
  }
  EXPECT_EQ(activations.series[2].y, sweep.scheme("large normal (std 1)").activation_std);
  EXPECT_EQ(gradients.series[4].y, sweep.scheme("Kaiming").gradient_std);
  EXPECT_NE(activations.title.find("ReLU"), std::string::npos);
}

TEST(Charts, LossChartNamesDivergedRuns) {
  diag::ProbeResult r;
  r.options.steps = 3;
  r.options.learning_rate = 0.1;
  r.candidates.push_back(
      {.label = "too large", .steps = {0, 1, 2}, .losses = {5.0, 90.0, 4000.0}, .diverged_at = 2});
  r.candidates.push_back({.label = "matched", .steps = {0, 1, 2, 3}, .losses = {2.3, 1.1, 0.6, 0.4}});
  const svg::LineChart chart = loss_chart(r);
  EXPECT_TRUE(chart.log_y);
  EXPECT_EQ(chart.title, "training probe: 3 steps of SGD (lr 0.1), batch 64");
  EXPECT_EQ(chart.y_label, "cross-entropy loss");
  ASSERT_EQ(chart.series.size(), 2u);
  EXPECT_EQ(chart.series[0].name, "too large (diverged at step 2)");
  EXPECT_EQ(chart.series[1].name, "matched");
  EXPECT_EQ(chart.series[1].y, r.candidates[1].losses);
  EXPECT_NE(svg::line_chart(chart).find("<svg"), std::string::npos);
}

TEST(Charts, DepthProfileAndOverTime) {
  diag::Diagnosis d;
  d.layers.push_back(
      {.name = "0", .type = "Linear", .output = {.count = 4, .std = 0.5}, .input_grad_std = 1.0});
  d.layers.push_back(
      {.name = "ReLU", .type = "ReLU", .output = {.count = 4, .std = 0.3}, .input_grad_std = 2.0});
  d.recurrent.push_back({.name = "lstm",
                         .type = "LSTM",
                         .layer = 1,
                         .direction = 1,
                         .hidden_std = {0.1, 0.2},
                         .grad_std = {1.0, 0.5}});
  const svg::LineChart profile = depth_profile_chart(d);
  EXPECT_EQ(profile.x_categories, (std::vector<std::string>{"0 Linear", "ReLU"}));
  ASSERT_EQ(profile.series.size(), 2u);
  EXPECT_EQ(profile.series[0].y, (std::vector<double>{0.5, 0.3}));
  EXPECT_EQ(profile.series[1].y, (std::vector<double>{1.0, 2.0}));
  const std::vector<svg::LineChart> over_time = over_time_charts(d);
  ASSERT_EQ(over_time.size(), 1u);
  EXPECT_EQ(over_time[0].title, "lstm (LSTM) layer 1 reverse: std by time step");
  EXPECT_EQ(over_time[0].series[1].y, (std::vector<double>{1.0, 0.5}));
}

TEST(Charts, Histogram) {
  const svg::Histogram constant = histogram_of("c", Tensor::full({10}, 2.0), 4);
  EXPECT_EQ(constant.edges.front(), 1.0);
  EXPECT_EQ(constant.edges.back(), 3.0);
  EXPECT_EQ(constant.counts, (std::vector<double>{0, 0, 10, 0}));
  const double values[] = {0, 1, 2, 3, 4};
  EXPECT_EQ(histogram_of("h", Tensor::from_values(values, {5}), 2).counts, (std::vector<double>{2, 3}));
}

TEST(Charts, HistogramsOnOneScaleShareTheirEdges) {
  // A wide layer and one that shrank it tenfold: both are drawn over [-4, 4], the second within its middle.
  const double wide[] = {-4, -2, 0, 2, 4};
  const double narrow[] = {-0.4, -0.2, 0, 0.2, 0.4};
  const std::vector<std::pair<std::string, Tensor>> outputs = {
      {"output of 0", Tensor::from_values(wide, {5})}, {"output of 2", Tensor::from_values(narrow, {5})}};
  const std::vector<svg::Histogram> h = histograms_on_one_scale(outputs, 4);
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0].title, "output of 0");
  EXPECT_EQ(h[0].edges, (std::vector<double>{-4, -2, 0, 2, 4}));
  EXPECT_EQ(h[1].edges, h[0].edges);
  EXPECT_EQ(h[0].counts, (std::vector<double>{1, 1, 1, 2}));
  EXPECT_EQ(h[1].counts, (std::vector<double>{0, 2, 3, 0}));
}

}  // namespace
}  // namespace nninit::report
