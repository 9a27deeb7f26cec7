// The HTML report of `nninit diagnose --report OUT.html`: one self-contained page (inline CSS and SVG, no
// network, no script needed to display) with, each where the data has it:
//   - a summary (model, seed, generator, input shape, ...);
//   - activation and gradient std by depth (log scale), then the per-layer table the terminal prints
//     (folded in a <details>, open);
//   - std by time step for recurrent layers;
//   - histograms of a few parameters (or activations);
//   - the training probe's loss curves, its table (held-out loss and accuracy, identical units, weight
//     growth) and its verdicts;
//   - a depth sweep: the model's own repeated block stacked deep (diag/block_sweep.h), or one deep network
//     under several initialisations, std by layer or copy (log scale);
//   - the lint findings (lint.h) as the terminal shows them (grouped, each reason once), after the charts;
//   - the parameter table: name, shape, fan_in, fan_out, mean, std, min, max and the reference stds.
// ReportData is plain data that the diagnose command fills; every section is optional and is left out
// when empty. Readable at 1200 px; colours from svg::palette(). A name longer than a table cell's room is
// cut in the middle (svg::middle_ellipsis), the whole name in the cell's title attribute. A few lines of
// inline script only record each chart's and table's position in data attributes, for the browser test
// (tests/report).
//
// The usual way to fill one is diagnosis_page (diagnosis_run.h); by hand:
//
//   ReportData page{.model = "Sequential(Linear(784, 256), ReLU(), Linear(256, 10))"};
//   for (const NamedTensor& p : model->named_parameters())
//     page.parameters.push_back(parameter_row(p.name, p.tensor));
//   page.depth_profile = depth_profile_chart(diagnosis);             // charts.h
//   page.lint_ran = true;
//   page.findings = diag::check_initialization(*model);
//   write_report(page, "out/report.html");
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "nninit/core/tensor.h"
#include "nninit/core/tensor_statistics.h"
#include "nninit/diag/diagnose.h"
#include "nninit/diag/lint.h"
#include "nninit/diag/probe.h"
#include "nninit/init/fan.h"
#include "nninit/report/svg.h"

namespace nninit::report {

struct ParameterRow {
  std::string name{};
  Shape shape{};
  std::int64_t fan_in = 0;  // 0 when the tensor has fewer than 2 dimensions
  std::int64_t fan_out = 0;
  TensorStatistics statistics{};
  init::ReferenceStds reference{};
  std::string init{};  // what initialised it, when known ("kaiming_normal_(nonlinearity='relu')", "default")
};

// A row from a tensor: its statistics, fans and reference stds.
ParameterRow parameter_row(std::string name, const Tensor& tensor, std::string init = {});

struct ReportData {
  std::string title = "nninit report";
  std::string model{};                                         // the model expression or name
  std::vector<std::pair<std::string, std::string>> summary{};  // (key, value) lines
  std::vector<ParameterRow> parameters{};
  std::optional<svg::LineChart> depth_profile{};  // activation and gradient std by depth
  std::vector<diag::LayerDiagnosis> layers{};     // the per-layer table, under the depth profile
  std::vector<svg::LineChart> over_time{};        // recurrent layers: hidden and gradient std by time step
  std::vector<svg::Histogram> histograms{};
  std::string histograms_note{};  // what they show and on which scale
  // The lint's findings; shown when `lint_ran` (so that "no findings" is said too).
  bool lint_ran = false;
  std::vector<diag::Finding> findings{};
  std::optional<svg::LineChart> training{};   // the training probe's loss curves
  std::optional<diag::ProbeResult> probe{};   // its table and verdicts, under the curves
  std::vector<svg::LineChart> depth_sweep{};  // e.g. one chart for tanh, one for ReLU
  std::string depth_sweep_note{};             // what the sweep ran (depth, width, inputs)
};

// The page, as UTF-8 text. It is also well-formed XML (the tests parse it as such).
std::string render_report(const ReportData& data);

// Writes the page to `path` as the safetensors writer writes its files (io::AtomicOutputFile: an
// exclusively created temporary file in the same folder, then a rename), so that a failure leaves no
// partial file and a link planted in the folder is never followed. IoError naming the path when it cannot.
void write_report(const ReportData& data, const std::string& path);

}  // namespace nninit::report
