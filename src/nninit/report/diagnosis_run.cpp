#include "nninit/report/diagnosis_run.h"

#include <fmt/format.h>

#include "nninit/report/charts.h"
#include "nninit/report/text.h"

namespace nninit::report {
namespace {

// The summary lines at the top of the page: the settings, then what the diagnosis concluded.
std::vector<std::pair<std::string, std::string>> summary_lines(const DiagnosisRun& run) {
  const diag::Diagnosis& d = run.diagnosis;
  std::vector<std::pair<std::string, std::string>> lines = {
      {"seed", fmt::format("{}", run.seed)},
      {"generator", fmt::format("PyTorch {} ({})", run.variant.version.str(),
                                torch_capability_name(run.variant.capability))},
      {"input", run.inputs},
      {"gradient", d.gradient_note},
      {"mode", d.train ? "train" : "eval"},
  };
  for (const std::string& r : run.rules) lines.emplace_back("--init", r);
  if (!run.preset.empty()) lines.emplace_back("--preset", run.preset);
  if (!run.weights.empty()) lines.emplace_back("--weights", run.weights);
  for (const std::string& line : diag::signal_verdict(d)) lines.emplace_back("signal", line);
  if (!d.symmetries_checked) {
    lines.emplace_back("symmetry", "not checked (it reads nninit's own module tree)");
  } else if (d.symmetries.empty()) {
    lines.emplace_back("symmetry", "no hidden units start identical");
  }
  for (const diag::SymmetryFinding& s : d.symmetries) lines.emplace_back("symmetry", s.message);
  if (!run.lint_note.empty()) lines.emplace_back("lint", run.lint_note);
  return lines;
}

// What the depth sweep ran, under its charts.
std::string sweep_note(const diag::DepthSweep& sweep, std::uint64_t seed) {
  if (!sweep.block.empty()) {
    return fmt::format(
        "{} copies of the model's block {}, deep copies of the model's blocks in turn with the same "
        "initialisation rules drawn anew; an N(0, 1) input of shape {} (the shape the block receives in the "
        "model) from seed {} and an N(0, 1) gradient at the last copy's output from seed {}.",
        sweep.options.depth, sweep.block, shape_string(sweep.block_input), seed, seed + 1);
  }
  return fmt::format(
      "{} layers of Linear({}, {}) with zero biases, each followed by the activation; a batch of {} N(0, 1) "
      "inputs and an N(0, 1) gradient at the last layer (seed {}).",
      sweep.options.depth, sweep.options.width, sweep.options.width, sweep.options.batch, seed);
}

}  // namespace

ReportData diagnosis_page(const DiagnosisRun& run) {
  ReportData page;
  page.title = "nninit diagnose";
  page.model = run.model;
  page.summary = summary_lines(run);
  for (const NamedTensor& p : run.parameters) page.parameters.push_back(parameter_row(p.name, p.tensor));
  page.depth_profile = depth_profile_chart(run.diagnosis);
  page.layers = run.diagnosis.layers;
  page.over_time = over_time_charts(run.diagnosis);
  std::vector<std::pair<std::string, Tensor>> outputs;
  for (const auto& [name, sample] : run.diagnosis.samples)
    outputs.emplace_back(fmt::format("output of {}", name), sample);
  page.histograms = histograms_on_one_scale(outputs);
  if (!page.histograms.empty()) {
    page.histograms_note =
        "Layer outputs in forward order, on one shared x scale, so that a signal that shrinks or grows from "
        "layer to layer shows as a narrower or wider histogram.";
  }
  page.lint_ran = true;
  page.findings = run.findings;
  if (run.probe) {
    page.training = loss_chart(*run.probe);
    page.probe = run.probe;
  }
  for (const diag::DepthSweep& sweep : run.sweeps) {
    page.depth_sweep.push_back(sweep_activation_chart(sweep));
    page.depth_sweep.push_back(sweep_gradient_chart(sweep));
  }
  if (!run.sweeps.empty()) {
    page.depth_sweep_note = sweep_note(run.sweeps.front(), run.seed);
    if (!run.sweep_note.empty()) page.depth_sweep_note = run.sweep_note + " " + page.depth_sweep_note;
  }
  return page;
}

Json diagnosis_json(const DiagnosisRun& run) {
  Json out;
  out["schema_version"] = json_schema_version;
  out["model"] = run.model;
  out["seed"] = run.seed;
  out["weights"] = run.weights.empty() ? Json(nullptr) : Json(run.weights);
  out["torch_version"] = run.variant.version.str();
  out["capability"] = torch_capability_name(run.variant.capability);
  out["diagnosis"] = to_json(run.diagnosis);
  out["findings"] = to_json(run.findings);
  out["lint_note"] = run.lint_note.empty() ? Json(nullptr) : Json(run.lint_note);
  out["lsuv"] = run.lsuv ? to_json(*run.lsuv) : Json(nullptr);
  out["probe"] = run.probe ? to_json(*run.probe) : Json(nullptr);
  Json sweeps = Json::array();
  for (const diag::DepthSweep& s : run.sweeps) sweeps.push_back(to_json(s));
  out["depth_sweep"] = sweeps;
  out["depth_sweep_note"] = run.sweep_note.empty() ? Json(nullptr) : Json(run.sweep_note);
  out["report"] = run.report_path.empty() ? Json(nullptr) : Json(run.report_path);
  return out;
}

std::string diagnosis_text(const DiagnosisRun& run) {
  std::string text = fmt::format("{}\n\n", run.model_repr);
  if (run.lsuv) text += format_lsuv(*run.lsuv) + "\n";
  text += format_diagnosis(run.diagnosis);
  text += "\n" + format_findings(run.findings, run.findings_view);
  if (!run.lint_note.empty()) text += fmt::format("lint: {}\n", run.lint_note);
  if (run.probe) text += "\ntraining probe\n" + format_probe(*run.probe);
  if (!run.sweep_note.empty()) text += "\n" + run.sweep_note + "\n";
  for (const diag::DepthSweep& sweep : run.sweeps) text += "\n" + format_sweep(sweep);
  if (!run.report_path.empty()) text += fmt::format("\nwrote {}\n", run.report_path);
  return text;
}

}  // namespace nninit::report
