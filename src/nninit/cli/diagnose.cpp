// nninit diagnose MODEL and nninit check MODEL: what an initialisation does to the network, measured
// (diag/diagnose.h) and judged against the architecture (diag/lint.h), with the HTML report
// (diag/report.h), the training probe (diag/probe.h) and the depth sweep (diag/depth_sweep.h).
#include <cmath>
#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "nninit/cli/commands.h"
#include "nninit/cli/options.h"
#include "nninit/cli/summary.h"
#include "nninit/core/error.h"
#include "nninit/diag/auto_preset.h"
#include "nninit/diag/depth_sweep.h"
#include "nninit/diag/diagnose.h"
#include "nninit/diag/lint.h"
#include "nninit/diag/probe.h"
#include "nninit/expr/model_expression.h"
#include "nninit/io/safetensors.h"
#include "nninit/random/torch_generator.h"
#include "nninit/report/charts.h"
#include "nninit/report/json.h"
#include "nninit/report/report.h"
#include "nninit/report/text.h"

namespace nninit::cli {
namespace {

using Json = nlohmann::ordered_json;

// The model's inputs: the file's tensors, or a random batch of the given (or default) shapes.
std::vector<Tensor> model_inputs(const DiagnoseOptions& options, PreparedModel& prepared) {
  if (!options.input_file.empty()) {
    if (!options.input.empty()) throw UsageError("--input and --input-file exclude each other");
    io::SafetensorsContents contents;
    try {
      contents = io::read_safetensors(options.input_file);
    } catch (const IoError& e) {
      throw Failure(e.what());
    }
    if (contents.tensors.empty())
      throw UsageError(fmt::format("--input-file {}: holds no tensor", options.input_file));
    std::vector<Tensor> inputs;
    for (auto& [name, tensor] : contents.tensors) {
      inputs.push_back(tensor.dtype() == DType::int64 ? tensor : tensor.to(DType::float32));
    }
    return inputs;
  }
  const std::string shapes = options.input.empty() ? prepared.default_input_shape : options.input;
  if (shapes.empty()) {
    throw UsageError(
        "diagnose needs the input's shape: give --input SHAPE (e.g. --input 64,784) or --input-file");
  }
  return diag::random_inputs(*prepared.model, parse_input_shapes(shapes), default_generator());
}

// The probe's candidates: the standard five (probe.h), and the user's own initialisation when one was given.
std::vector<diag::Candidate> probe_candidates(nn::Module& prototype, const DiagnoseOptions& options,
                                              const PreparedModel& prepared,
                                              const std::vector<Shape>& shapes) {
  std::vector<diag::Candidate> candidates = diag::standard_candidates(prototype);
  if (prepared.rules.empty() && !prepared.lsuv) return candidates;
  diag::Candidate mine;
  mine.label = options.preset.empty() ? "--init rules" : fmt::format("--preset {}", options.preset);
  mine.description = "the initialisation given on the command line";
  mine.rules = prepared.rules;
  if (prepared.lsuv) {
    mine.initialize = [shapes](nn::Module& model, Generator& generator) {
      diag::lsuv_(model, diag::random_inputs(model, shapes, generator), generator);
    };
  }
  candidates.push_back(std::move(mine));
  return candidates;
}

}  // namespace

int run_diagnose(const DiagnoseOptions& options) {
  if (options.steps < 1) throw UsageError(fmt::format("--steps must be at least 1, got {}", options.steps));
  if (options.optimizer != "sgd" && options.optimizer != "adam") {
    throw UsageError(
        fmt::format("--optimizer: unknown optimizer '{}'; expected sgd or adam", options.optimizer));
  }
  PreparedModel prepared = prepare_model(options);
  const std::vector<Tensor> inputs = model_inputs(options, prepared);
  const std::uint64_t seed = parse_seed(options.generator.seed);
  const diag::Diagnosis diagnosis =
      diag::diagnose(*prepared.model, inputs, {.gradient_seed = seed, .train = options.train});
  const std::vector<diag::Finding> findings = lint_prepared(prepared);

  std::optional<diag::ProbeResult> probe;
  if (options.probe) {
    // The prototype is the model as PyTorch builds it; every candidate initialises its own copy.
    TorchGenerator build_generator(seed, prepared.variant);
    const nn::ModulePtr prototype = expr::build_model(prepared.expression, build_generator);
    std::vector<Shape> shapes;
    for (const Tensor& t : inputs) shapes.push_back(t.sizes());
    const std::vector<diag::Candidate> candidates = probe_candidates(*prototype, options, prepared, shapes);
    probe = diag::run_probe(
        *prototype, shapes.front(), candidates,
        {.steps = options.steps,
         .optimizer = options.optimizer == "adam" ? diag::Optimizer::adam : diag::Optimizer::sgd,
         .seed = seed},
        {.seed = seed});
  }
  std::vector<diag::DepthSweep> sweeps;
  if (options.depth_sweep) {
    for (diag::SweepActivation a : {diag::SweepActivation::tanh, diag::SweepActivation::relu})
      sweeps.push_back(diag::run_depth_sweep(a, {.seed = seed}));
  }

  if (!options.report.empty()) {
    report::ReportData report;
    report.title = "nninit diagnose";
    report.model = prepared.expression;
    std::string input_text;
    for (const Tensor& t : inputs) input_text += (input_text.empty() ? "" : ", ") + shape_string(t.sizes());
    report.summary = {
        {"seed", options.generator.seed},
        {"generator", fmt::format("PyTorch {} ({})", prepared.variant.version.str(),
                                  torch_capability_name(prepared.variant.capability))},
        {"input", options.input_file.empty()
                      ? fmt::format("{}, drawn as torch.randn after construction (std {:.4g})", input_text,
                                    diagnosis.input_std)
                      : fmt::format("{} from {}", input_text, options.input_file)},
        {"gradient", diagnosis.gradient_note},
        {"mode", options.train ? "train" : "eval"},
    };
    for (const std::string& r : options.rules) report.summary.emplace_back("--init", r);
    if (!options.preset.empty()) report.summary.emplace_back("--preset", options.preset);
    for (const std::string& line : diag::signal_verdict(diagnosis))
      report.summary.emplace_back("signal", line);
    if (diagnosis.symmetries.empty())
      report.summary.emplace_back("symmetry", "no hidden units start identical");
    for (const diag::SymmetryFinding& s : diagnosis.symmetries)
      report.summary.emplace_back("symmetry", s.message);

    for (const NamedTensor& p : prepared.model->named_parameters())
      report.parameters.push_back(report::parameter_row(p.name, p.tensor));

    report.depth_profile = report::depth_profile_chart(diagnosis);
    report.over_time = report::over_time_charts(diagnosis);
    for (const auto& [name, sample] : diagnosis.samples)
      report.histograms.push_back(report::histogram_of(fmt::format("output of {}", name), sample));

    report.lint_ran = true;
    report.findings = findings;
    if (probe) report.training = report::loss_chart(*probe);
    for (const diag::DepthSweep& sweep : sweeps) {
      report.depth_sweep.push_back(report::sweep_activation_chart(sweep));
      report.depth_sweep.push_back(report::sweep_gradient_chart(sweep));
    }
    if (!sweeps.empty()) {
      report.depth_sweep_note = fmt::format(
          "{} layers of Linear({}, {}) with zero biases, each followed by the activation; a batch of {} N(0, "
          "1) "
          "inputs and an N(0, 1) gradient at the last layer (seed {}).",
          sweeps.front().options.depth, sweeps.front().options.width, sweeps.front().options.width,
          sweeps.front().options.batch, options.generator.seed);
    }
    try {
      report::write_report(report, options.report);
    } catch (const IoError& e) {
      throw Failure(e.what());
    }
  }

  if (options.json) {
    Json out;
    out["model"] = prepared.expression;
    out["seed"] = options.generator.seed;
    out["torch_version"] = prepared.variant.version.str();
    out["capability"] = torch_capability_name(prepared.variant.capability);
    out["diagnosis"] = report::to_json(diagnosis);
    out["findings"] = report::to_json(findings);
    out["lsuv"] = prepared.lsuv ? report::to_json(*prepared.lsuv) : Json(nullptr);
    out["probe"] = probe ? report::to_json(*probe) : Json(nullptr);
    Json sweep_out = Json::array();
    for (const diag::DepthSweep& s : sweeps) sweep_out.push_back(report::to_json(s));
    out["depth_sweep"] = sweep_out;
    out["report"] = options.report.empty() ? Json(nullptr) : Json(options.report);
    std::fputs((out.dump(2) + "\n").c_str(), stdout);
    return 0;
  }

  std::string text = fmt::format("{}\n\n", prepared.model->repr());
  if (prepared.lsuv) text += report::format_lsuv(*prepared.lsuv) + "\n";
  text += report::format_diagnosis(diagnosis);
  text += "\n" + report::format_findings(findings);
  if (probe) text += "\ntraining probe\n" + report::format_probe(*probe);
  for (const diag::DepthSweep& sweep : sweeps) text += "\n" + report::format_sweep(sweep);
  if (!options.report.empty()) text += fmt::format("\nwrote {}\n", options.report);
  std::fputs(text.c_str(), stdout);
  return 0;
}

int run_check(const CheckOptions& options) {
  PreparedModel prepared = prepare_model(options);
  const std::vector<diag::Finding> findings = lint_prepared(prepared);
  if (options.json) {
    Json out;
    out["model"] = prepared.expression;
    out["findings"] = report::to_json(findings);
    out["errors"] = diag::count(findings, diag::Severity::error);
    out["warnings"] = diag::count(findings, diag::Severity::warning);
    out["infos"] = diag::count(findings, diag::Severity::info);
    std::fputs((out.dump(2) + "\n").c_str(), stdout);
  } else {
    std::fputs(report::format_findings(findings).c_str(), stdout);
  }
  return diag::has_errors(findings) ? 1 : 0;
}

}  // namespace nninit::cli
