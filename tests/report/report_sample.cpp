// Writes a report page covering every chart type, for the browser test (check_report.py):
//
//   nninit_report_sample OUT.html [--broken=paths|markup]
//
// The parameter table, histograms and findings come from a real model (the reference 784-256-128-10 ReLU MLP
// with PyTorch's default initialisation); the std-by-depth, training and depth-sweep curves are synthetic
// (closed forms, no random numbers), shaped like what diagnose measures.
// --broken=paths  corrupts every drawing element (path data, marker radii, bar heights), as a bug in the
// chart
//                 code might; --broken=markup drops each chart title's </text>, so the rest of the chart
//                 becomes text content and draws nothing. Either must make the browser test fail.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>

#include "nninit/diag/lint.h"
#include "nninit/expr/model_expression.h"
#include "nninit/random/torch_generator.h"
#include "nninit/report/charts.h"
#include "nninit/report/report.h"

namespace {

using namespace nninit;
using report::svg::LineChart;
using report::svg::Series;

void replace_all(std::string& text, std::string_view from, std::string_view to) {
  for (std::size_t i = text.find(from); i != std::string::npos; i = text.find(from, i + to.size())) {
    text.replace(i, from.size(), to);
  }
}

// Deterministic wiggle in [-1, 1], for curves that look measured.
double wiggle(int i, int seed) {
  return std::sin(12.9898 * i + 78.233 * seed) * std::cos(4.1 * i + seed);
}

// std at layers 1..layers: start * factor^(l-1) * (l^power), capped at `cap` (tanh saturates), with a
// small deterministic wiggle.
Series curve(std::string name, int layers, double start, double factor, int seed, double power = 0.0,
             double cap = 0.0) {
  Series s{.name = std::move(name)};
  for (int l = 1; l <= layers; ++l) {
    double v = start * std::pow(factor, l - 1) * std::pow(static_cast<double>(l), power);
    if (cap > 0.0) v = std::min(v, cap);
    s.x.push_back(l);
    s.y.push_back(v * (1.0 + 0.03 * wiggle(l, seed)));
  }
  return s;
}

// Shaped like a sweep of a 50-layer, width-256 network, with the curves kept apart so that every series
// shows in the screenshot (measured curves may coincide: Kaiming and LSUV; the dash patterns help there).
LineChart sweep(std::string activation, bool relu) {
  LineChart chart{.title = "std of activations, 50 layers of width 256: " + activation,
                  .x_label = "layer",
                  .y_label = "activation std",
                  .width = 575,
                  .height = 440};
  chart.series.push_back(curve("zeros", 50, 0.0, 1.0, 1));
  if (relu) {
    chart.series.push_back(curve("normal(0, 0.05)", 50, 0.57, 0.566, 2));
    chart.series.push_back(curve("normal(0, 0.15)", 50, 1.7, 1.7, 3));
    chart.series.push_back(curve("Xavier", 50, 0.71, 0.71, 4));
    chart.series.push_back(curve("Kaiming", 50, 1.0, 1.03, 5));
    chart.series.push_back(curve("orthogonal (gain sqrt(2))", 50, 0.97, 0.99, 6));
    chart.series.push_back(curve("LSUV", 50, 1.0, 1.0, 7));
  } else {
    chart.series.push_back(curve("normal(0, 0.05)", 50, 0.62, 0.8, 2));
    chart.series.push_back(curve("normal(0, 1)", 50, 0.98, 1.0, 3));
    chart.series.push_back(curve("Xavier", 50, 0.63, 1.0, 4, -0.5));
    chart.series.push_back(curve("Kaiming", 50, 0.75, 1.0, 5));
    chart.series.push_back(curve("orthogonal", 50, 0.7, 1.0, 6, -0.3));
    chart.series.push_back(curve("LSUV", 50, 0.6, 1.0, 7));
  }
  return chart;
}

report::ReportData sample() {
  TorchGenerator generator(0);
  const std::string expression =
      "Sequential(Linear(784, 256), ReLU(), Linear(256, 128), ReLU(), Linear(128, 10))";
  const nn::ModulePtr model = expr::build_model(expression, generator);
  report::ReportData data;
  data.title = "nninit report: browser test sample";
  data.model = expression;
  data.summary = {{"seed", "0"}, {"generator", "torch (mt19937)"}, {"input", "[64, 784], N(0, 1)"}};
  for (const NamedTensor& p : model->named_parameters()) {
    data.parameters.push_back(report::parameter_row(p.name, p.tensor, "PyTorch default"));
    if (p.tensor.dim() < 2) continue;
    report::svg::Histogram h = report::histogram_of(p.name, p.tensor, 30);
    // The expected count per bin under U(+-1/sqrt(fan_in)): flat over the bins that lie inside the bound.
    h.reference_name = "U(+-1/sqrt(fan_in))";
    const double total = static_cast<double>(p.tensor.numel());
    for (std::size_t i = 0; i + 1 < h.edges.size(); ++i) {
      h.reference.push_back(total / static_cast<double>(h.counts.size()));
    }
    data.histograms.push_back(std::move(h));
  }
  data.lint_ran = true;
  data.findings = diag::grouped_findings(*model);
  // A per-layer table shaped like diagnose's, with a module path too long for its cell (cut in the middle,
  // whole in the cell's title).
  const char* layer_names[] = {
      "0", "1", "encoder.layers.11.self_attn.out_proj.parametrizations.weight.original", "3", "4"};
  const char* layer_types[] = {"Linear", "ReLU", "Linear", "ReLU", "Linear"};
  for (int i = 0; i < 5; ++i) {
    const double spread = 0.58 * std::pow(0.71, i);
    data.layers.push_back(
        {.name = layer_names[i],
         .type = layer_types[i],
         .depth = 1,
         .output = {.count = 64, .mean = 0.0, .std = spread, .min = -3 * spread, .max = 3 * spread},
         .std_ratio = 0.71,
         .input_grad_std = 0.01 * std::pow(1.4, i),
         .grad_ratio = 1.4});
  }

  LineChart depth{.title = "std by depth (PyTorch default, ReLU)", .x_label = "layer", .y_label = "std"};
  depth.series.push_back(curve("activation std", 10, 0.58, 0.41, 11));
  depth.series.push_back(curve("gradient std", 10, 2e-4, 2.4, 12));
  data.depth_profile = depth;

  LineChart training{.title = "training probe: loss, 200 steps of SGD",
                     .x_label = "step",
                     .y_label = "loss",
                     .log_y = false};
  for (int k = 0; k < 3; ++k) {
    static const char* names[] = {"PyTorch default", "Kaiming", "auto preset"};
    Series s{.name = names[k]};
    for (int step = 0; step <= 200; step += 2) {
      s.x.push_back(step);
      s.y.push_back(0.3 + 2.0 * std::exp(-step / (70.0 - 20.0 * k)) + 0.03 * wiggle(step, k));
    }
    training.series.push_back(std::move(s));
  }
  data.training = training;
  data.depth_sweep = {sweep("tanh", false), sweep("ReLU", true)};
  data.depth_sweep_note =
      "Synthetic curves shaped like a 50-layer sweep; zeros leave nothing to plot on a log scale.";
  return data;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: nninit_report_sample OUT.html [--broken=paths|markup]\n");
    return 2;
  }
  const std::string_view mode = argc > 2 ? std::string_view(argv[2]) : std::string_view();
  try {
    const report::ReportData data = sample();
    if (mode.empty()) {
      report::write_report(data, argv[1]);
      return 0;
    }
    std::string html = report::render_report(data);
    if (mode == "--broken=paths") {
      replace_all(html, " d=\"M", " d=\"Q");
      replace_all(html, " r=\"3.5\"", " r=\"-1\"");
      replace_all(html, "<rect class=\"bar\"", "<rect class=\"bar\" transform=\"scale(0)\"");
    } else if (mode == "--broken=markup") {
      for (std::size_t i = html.find("<svg "); i != std::string::npos; i = html.find("<svg ", i + 1)) {
        const std::size_t close = html.find("</text>", i);
        if (close != std::string::npos) html.erase(close, 7);
      }
    } else {
      std::fprintf(stderr, "nninit_report_sample: unknown option %s\n", argv[2]);
      return 2;
    }
    std::FILE* file = std::fopen(argv[1], "wb");
    if (file == nullptr || std::fwrite(html.data(), 1, html.size(), file) != html.size() ||
        std::fclose(file) != 0) {
      std::fprintf(stderr, "nninit_report_sample: cannot write %s\n", argv[1]);
      return 1;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "nninit_report_sample: %s\n", e.what());
    return 1;
  }
  return 0;
}
