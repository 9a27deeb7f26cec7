// nninit diagnose MODEL: what an initialisation does to the network, measured (diag/diagnose.h) and judged
// against the architecture (diag/lint.h), with the training probe (diag/probe.h), the depth sweep of the
// model's own block (diag/block_sweep.h; diag/depth_sweep.h where it has none) and the HTML report
// (report/report.h). With --weights FILE the parameters are the file's (cli/weights.h), and the probe trains
// them as one more candidate.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "nninit/cli/commands.h"
#include "nninit/cli/model.h"
#include "nninit/cli/options.h"
#include "nninit/cli/summary.h"
#include "nninit/cli/weights.h"
#include "nninit/core/error.h"
#include "nninit/diag/auto_preset.h"
#include "nninit/diag/block_sweep.h"
#include "nninit/diag/depth_sweep.h"
#include "nninit/diag/diagnose.h"
#include "nninit/diag/lint.h"
#include "nninit/diag/probe.h"
#include "nninit/expr/model_expression.h"
#include "nninit/io/safetensors.h"
#include "nninit/nn/load_state_dict.h"
#include "nninit/random/torch_generator.h"
#include "nninit/report/diagnosis_run.h"

namespace nninit::cli {
namespace {

// The model's inputs: the file's tensors, or a random batch of the given (or default) shapes.
std::vector<Tensor> model_inputs(const DiagnoseOptions& options, PreparedModel& prepared) {
  if (!options.input_file.empty()) {
    if (!options.input.empty()) throw UsageError("--input and --input-file exclude each other");
    // A missing or malformed file is bad input (exit status 2), as for `inspect`.
    const io::SafetensorsContents contents = io::read_safetensors(options.input_file);
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
                                              const PreparedModel& prepared, const std::vector<Shape>& shapes,
                                              const std::vector<NamedTensor>& weights) {
  std::vector<diag::Candidate> candidates = diag::standard_candidates(prototype);
  if (!options.weights.empty()) {
    diag::Candidate loaded{.label = "--weights",
                           .description = fmt::format("the state_dict in {}", options.weights)};
    loaded.initialize = [weights](nn::Module& model, Generator&) { nn::load_state_dict(model, weights); };
    candidates.push_back(std::move(loaded));
    return candidates;
  }
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

// Step 1: the options only diagnose has, checked before any work.
void check_diagnose_options(const DiagnoseOptions& options) {
  if (options.steps < 1) throw UsageError(fmt::format("--steps must be at least 1, got {}", options.steps));
  if (!(options.probe_budget > 0.0 && std::isfinite(options.probe_budget)) && options.probe_budget != 0.0) {
    throw UsageError(
        fmt::format("--probe-budget must be a positive number of seconds, got {}", options.probe_budget));
  }
  if (options.probe_budget > 0.0 && !options.probe) throw UsageError("--probe-budget needs --probe");
  if (options.sweep_depth < 1) {
    throw UsageError(fmt::format("--sweep-depth must be at least 1, got {}", options.sweep_depth));
  }
  if (options.optimizer != "sgd" && options.optimizer != "adam") {
    throw UsageError(
        fmt::format("--optimizer: unknown optimizer '{}'; expected sgd or adam", options.optimizer));
  }
}

// Where the inputs came from, in words, for the page.
std::string describe_inputs(const DiagnoseOptions& options, const std::vector<Tensor>& inputs,
                            double input_std) {
  std::string shapes;
  for (const Tensor& t : inputs) shapes += (shapes.empty() ? "" : ", ") + shape_string(t.sizes());
  if (!options.input_file.empty()) return fmt::format("{} from {}", shapes, options.input_file);
  return fmt::format("{}, drawn as torch.randn after construction (std {:.4g})", shapes, input_std);
}

// "6.5 min" or "40 s".
std::string duration(double seconds) {
  return seconds >= 120.0 ? fmt::format("{:.1f} min", seconds / 60.0) : fmt::format("{:.2g} s", seconds);
}

// What the probe will cost, on stderr once its first step was timed, and (on a terminal) where it stands,
// on one line rewritten after every step.
void show_progress(const diag::ProbeProgress& p, bool terminal) {
  if (p.plan) {
    std::string plan = fmt::format(
        "training probe: {} candidates x {} steps ({} batches per epoch); the first step took {}, so about "
        "{} in all",
        p.candidates, p.steps, p.batches_per_epoch, duration(p.first_step_seconds),
        duration(p.estimated_seconds));
    if (p.cut_by_budget) plan += fmt::format(" (steps cut from {} to fit --probe-budget)", p.steps_asked);
    std::fputs(((terminal ? "\r" : "") + plan + "\n").c_str(), stderr);
  }
  if (!terminal) return;
  // What is left at the rate seen so far (the first step, which warms up, weighs less as steps go by).
  const auto total = static_cast<std::int64_t>(p.candidates) * p.steps;
  const std::int64_t done = static_cast<std::int64_t>(p.candidate) * p.steps + p.step;
  const std::string line = fmt::format(
      "probe: candidate {}/{} ({}), step {}/{}, {} elapsed, about {} left", p.candidate + 1, p.candidates,
      p.label, p.step, p.steps, duration(p.elapsed_seconds),
      duration(p.elapsed_seconds / static_cast<double>(done) * static_cast<double>(total - done)));
  std::fputs(fmt::format("\r{:<100}", line).c_str(), stderr);
  std::fflush(stderr);
}

// The training probe on a fresh build of the model (as PyTorch builds it): every candidate initialises its
// own copy of that prototype.
diag::ProbeResult run_probe(const DiagnoseOptions& options, const PreparedModel& prepared,
                            const std::vector<Tensor>& inputs, const std::vector<NamedTensor>& weights,
                            std::uint64_t seed) {
  TorchGenerator build_generator(seed, prepared.variant);
  const nn::ModulePtr prototype = expr::build_model(prepared.expression, build_generator);
  std::vector<Shape> shapes;
  for (const Tensor& t : inputs) shapes.push_back(t.sizes());
  const std::vector<diag::Candidate> candidates =
      probe_candidates(*prototype, options, prepared, shapes, weights);
  const bool terminal = isatty(STDERR_FILENO) == 1;
  diag::ProbeResult result = diag::run_probe(
      *prototype, shapes.front(), candidates,
      {.steps = options.steps,
       .optimizer = options.optimizer == "adam" ? diag::Optimizer::adam : diag::Optimizer::sgd,
       .seed = seed,
       .budget_seconds = options.probe_budget,
       .progress = [terminal](const diag::ProbeProgress& p) { show_progress(p, terminal); }},
      {.seed = seed});
  if (terminal) std::fputs(fmt::format("\r{:<100}\r", "").c_str(), stderr);
  return result;
}

// The rules of `prepared` that initialised a parameter of the block's copies in the model, in their order.
std::vector<expr::Rule> block_rules(const PreparedModel& prepared, const diag::RepeatedBlock& block) {
  if (!prepared.report) return {};
  std::vector<bool> used(prepared.rules.size(), false);
  for (const expr::RuleApplication& a : prepared.report->applications) {
    for (const std::string& path : block.blocks) {
      if (a.parameter.starts_with(path + ".")) used.at(a.rule) = true;
    }
  }
  std::vector<expr::Rule> rules;
  for (std::size_t i = 0; i < prepared.rules.size(); ++i) {
    if (used[i]) rules.push_back(prepared.rules[i]);
  }
  return rules;
}

// --depth-sweep: the model's own repeated block where it has one (diag/block_sweep.h), its copies
// initialised as the model's blocks were: the rules that reached them drawn anew, or (for --weights and
// LSUV, which set values rather than draw them) the model's own values. Without a block, the fixed demo.
void add_depth_sweep(report::DiagnosisRun& run, const DiagnoseOptions& options, const PreparedModel& prepared,
                     const std::vector<Tensor>& inputs, std::uint64_t seed) {
  const std::optional<diag::RepeatedBlock> block = diag::find_repeated_block(*prepared.model);
  if (!block) {
    run.sweep_note =
        "The model has no repeated block (two or more consecutive children of a Sequential or ModuleList "
        "with the same structure), so the depth sweep runs the fixed demo networks.";
  } else {
    diag::BlockSweepOptions sweep{.depth = options.sweep_depth, .seed = seed, .train = options.train};
    diag::StackInitialiser initialise;
    if (!options.weights.empty()) {
      sweep.label = "--weights";
      sweep.init = fmt::format("the values in {}, block by block", options.weights);
    } else if (prepared.lsuv) {
      sweep.label = fmt::format("--preset {}", options.preset);
      sweep.init = "the values LSUV gave the model's blocks";
    } else if (std::vector<expr::Rule> rules = block_rules(prepared, *block); !rules.empty()) {
      sweep.label = options.preset.empty() ? "--init rules" : fmt::format("--preset {}", options.preset);
      sweep.init = fmt::format("{} rule(s) drawn anew for every copy", rules.size());
      initialise = [rules = std::move(rules)](nn::Module& stack, Generator& generator) {
        expr::apply_rules(stack, rules, generator);
      };
    }
    try {
      run.sweeps.push_back(diag::run_block_sweep(*prepared.model, inputs, *block, initialise, sweep));
      return;
    } catch (const Error& e) {
      // The model itself ran (the diagnosis did), so this is the stack: a block that cannot follow itself.
      run.sweep_note = fmt::format(
          "The model's repeated block {} cannot be stacked ({}), so the depth sweep runs the fixed demo "
          "networks.",
          block->blocks.front(), e.what());
    }
  }
  for (diag::SweepActivation a : {diag::SweepActivation::tanh, diag::SweepActivation::relu})
    run.sweeps.push_back(diag::run_depth_sweep(a, {.depth = options.sweep_depth, .seed = seed}));
}
}  // namespace

int run_diagnose(const DiagnoseOptions& options) {
  check_diagnose_options(options);
  check_output("--report", options.report, {options.model, options.input_file, options.weights});
  const report::FindingsView view = findings_view(options.lint_text);
  PreparedModel prepared = prepare_model(options);
  const std::vector<NamedTensor> weights =
      options.weights.empty() ? std::vector<NamedTensor>() : read_weights(options.weights);
  if (!options.weights.empty()) load_weights(*prepared.model, weights, options.weights, options);
  const std::vector<Tensor> inputs = model_inputs(options, prepared);
  const std::uint64_t seed = parse_seed(options.generator.seed);

  report::DiagnosisRun run{.model = prepared.expression,
                           .model_repr = prepared.model->repr(),
                           .seed = seed,
                           .variant = prepared.variant,
                           .rules = options.rules,
                           .preset = options.preset,
                           .parameters = prepared.model->named_parameters(),
                           .lsuv = prepared.lsuv,
                           .report_path = options.report,
                           .findings_view = view};
  run.diagnosis = diag::diagnose(*prepared.model, inputs, {.gradient_seed = seed, .train = options.train});
  run.inputs = describe_inputs(options, inputs, run.diagnosis.input_std);
  run.findings = lint_prepared(prepared);
  run.weights = options.weights;
  if (options.probe) run.probe = run_probe(options, prepared, inputs, weights, seed);
  if (options.depth_sweep) add_depth_sweep(run, options, prepared, inputs, seed);

  if (!options.report.empty()) {
    try {
      report::write_report(report::diagnosis_page(run), options.report);
    } catch (const IoError& e) {
      throw Failure(e.what());
    }
  }
  const std::string out =
      options.json ? report::diagnosis_json(run).dump(2) + "\n" : report::diagnosis_text(run);
  std::fputs(out.c_str(), stdout);
  return 0;
}

}  // namespace nninit::cli
