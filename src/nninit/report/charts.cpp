#include "nninit/report/charts.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include <fmt/format.h>

#include "nninit/core/tensor_statistics.h"

namespace nninit::report {
namespace {

svg::LineChart sweep_chart(const diag::DepthSweep& sweep, std::string title, std::string y_label,
                           std::vector<double> diag::SweepScheme::*values) {
  svg::LineChart c{.title = std::move(title),
                   .x_label = sweep.block.empty() ? "layer" : "copies of the block",
                   .y_label = std::move(y_label)};
  for (const diag::SweepScheme& s : sweep.schemes) {
    svg::Series series{.name = s.name, .y = s.*values};
    for (int k = 1; k <= sweep.options.depth; ++k) series.x.push_back(k);
    c.series.push_back(std::move(series));
  }
  return c;
}

std::string network_description(const diag::DepthSweep& sweep) {
  if (!sweep.block.empty()) {
    return fmt::format("{} copies of the model's block {}, input {}", sweep.options.depth, sweep.block,
                       shape_string(sweep.block_input));
  }
  return fmt::format("{} x (Linear({}, {}) + {}), batch {}", sweep.options.depth, sweep.options.width,
                     sweep.options.width, diag::sweep_activation_name(sweep.activation), sweep.options.batch);
}

}  // namespace

svg::LineChart depth_profile_chart(const diag::Diagnosis& diagnosis) {
  svg::LineChart profile;
  profile.title = "Activation and gradient std by layer";
  profile.x_label = "layer, in the order the forward pass calls them";
  profile.y_label = "std";
  svg::Series activations{.name = "activation std (layer output)"};
  svg::Series gradients{.name = "gradient std (at the layer's input)"};
  for (std::size_t i = 0; i < diagnosis.layers.size(); ++i) {
    const diag::LayerDiagnosis& l = diagnosis.layers[i];
    activations.x.push_back(static_cast<double>(i));
    activations.y.push_back(l.output.std);
    gradients.x.push_back(static_cast<double>(i));
    gradients.y.push_back(l.input_grad_std);
    profile.x_categories.push_back(l.name == l.type ? l.name : fmt::format("{} {}", l.name, l.type));
  }
  profile.series = {activations, gradients};
  return profile;
}

std::vector<svg::LineChart> over_time_charts(const diag::Diagnosis& diagnosis) {
  std::vector<svg::LineChart> charts;
  for (const diag::RecurrentDiagnosis& r : diagnosis.recurrent) {
    svg::LineChart chart;
    const std::string who = r.name == r.type ? r.name : fmt::format("{} ({})", r.name, r.type);
    chart.title =
        fmt::format("{} layer {}{}: std by time step", who, r.layer, r.direction == 1 ? " reverse" : "");
    chart.x_label = "time step";
    chart.y_label = "std";
    chart.series = {{.name = "hidden state h_t", .y = r.hidden_std},
                    {.name = "gradient reaching h_t", .y = r.grad_std}};
    charts.push_back(std::move(chart));
  }
  return charts;
}

svg::LineChart loss_chart(const diag::ProbeResult& result) {
  const diag::ProbeOptions& o = result.options;
  svg::LineChart chart{
      .title =
          fmt::format("training probe: {} steps of {} (lr {:.4g}), batch {}", o.steps,
                      o.optimizer == diag::Optimizer::sgd ? "SGD" : "Adam", o.learning_rate, o.batch_size),
      .x_label = "step",
      .y_label = result.task == diag::ProbeTask::classification ? "cross-entropy loss" : "MSE loss",
      .log_y = true};
  for (const diag::CandidateResult& c : result.candidates) {
    std::string name = c.label;
    if (c.diverged_at) name += fmt::format(" (diverged at step {})", *c.diverged_at);
    chart.series.push_back({.name = name, .x = c.steps, .y = c.losses});
  }
  return chart;
}

// The charts show four decades below 1 for activations (a std under 1e-4 has vanished for any purpose)
// and six either side of 1 for gradients; the legend says where a scheme leaves the range.
svg::LineChart sweep_activation_chart(const diag::DepthSweep& sweep) {
  svg::LineChart c = sweep_chart(
      sweep, fmt::format("activation std by layer: {}", network_description(sweep)),
      sweep.block.empty() ? fmt::format("std after {}", diag::sweep_activation_name(sweep.activation))
                          : "std after the block",
      &diag::SweepScheme::activation_std);
  c.log_floor = 1e-4;
  c.log_ceiling = 1e4;
  return c;
}

svg::LineChart sweep_gradient_chart(const diag::DepthSweep& sweep) {
  svg::LineChart c =
      sweep_chart(sweep,
                  fmt::format("gradient std by layer, from a unit-variance output gradient: {}",
                              network_description(sweep)),
                  sweep.block.empty() ? "std of d loss / d layer input" : "std of d loss / d block input",
                  &diag::SweepScheme::gradient_std);
  c.log_floor = 1e-6;
  c.log_ceiling = 1e6;
  return c;
}

namespace {

// `bins` equal bins over [low, high] (widened to one bin around a single value), the tensor's finite values
// counted into them.
svg::Histogram histogram_over(std::string title, const Tensor& tensor, int bins, double low, double high) {
  svg::Histogram h;
  h.title = std::move(title);
  h.x_label = "value";
  bins = std::max(bins, 1);
  if (high <= low) {
    const double half = low == 0.0 ? 0.5 : std::fabs(low) * 0.5;
    low -= half;
    high += half;
  }
  h.edges.resize(static_cast<std::size_t>(bins) + 1);
  for (int i = 0; i <= bins; ++i) h.edges[static_cast<std::size_t>(i)] = low + (high - low) * i / bins;
  h.counts.assign(static_cast<std::size_t>(bins), 0.0);
  for (double v : tensor.to_doubles()) {
    if (!std::isfinite(v)) continue;
    auto bin = static_cast<std::int64_t>(std::floor((v - low) / (high - low) * bins));
    bin = std::clamp<std::int64_t>(bin, 0, bins - 1);
    h.counts[static_cast<std::size_t>(bin)] += 1;
  }
  return h;
}

}  // namespace

svg::Histogram histogram_of(std::string title, const Tensor& tensor, int bins) {
  const TensorStatistics s = statistics(tensor);
  if (s.count == 0) return {.title = std::move(title), .x_label = "value"};
  return histogram_over(std::move(title), tensor, bins, s.min, s.max);
}

std::vector<svg::Histogram> histograms_on_one_scale(std::span<const std::pair<std::string, Tensor>> tensors,
                                                    int bins) {
  double low = std::numeric_limits<double>::infinity();
  double high = -std::numeric_limits<double>::infinity();
  for (const auto& [title, tensor] : tensors) {
    const TensorStatistics s = statistics(tensor);
    if (s.count == 0) continue;
    low = std::min(low, s.min);
    high = std::max(high, s.max);
  }
  std::vector<svg::Histogram> out;
  for (const auto& [title, tensor] : tensors) {
    if (!(low <= high)) {
      out.push_back({.title = title, .x_label = "value"});
      continue;
    }
    out.push_back(histogram_over(title, tensor, bins, low, high));
  }
  return out;
}

}  // namespace nninit::report
