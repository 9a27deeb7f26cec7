// The training probe: a few hundred steps of SGD or Adam of one model under several initialisations, on the
// same data and the same batches, with the loss curves and a few numbers at the end. It measures the
// classic claims on this model: zero init stays symmetric, too-large init diverges, too-small init
// stalls in deep nets, matched init trains.
//
//   nn::ModulePtr model = expr::build_model("Sequential(Linear(64, 32), ReLU(), Linear(32, 10))", g);
//   ProbeResult r = run_probe(*model, {64, 64}, standard_candidates(*model), {.steps = 300});
//   for (const std::string& v : probe_verdicts(r)) fmt::print("{}\n", v);   // what the numbers show
//   page.training = report::loss_chart(r);  // the HTML report's curves (charts.h)
//
// Data: make_probe_data (probe_data.h): scikit-learn's digits where the model's input and output fit, a
// random teacher task otherwise.
//
// Training. Every candidate trains a deep copy of the prototype (Module::clone), initialised by its rules
// (expr::apply_rules, as `nninit init --init` runs them) and then its function, drawing from
// TorchGenerator(seed), so candidates that scale the same distribution draw the same pattern. All candidates
// see the same batches in the same order: epoch e is TorchGenerator(seed + 1)'s e-th randperm of the training
// set, cut into full batches (the last incomplete one dropped). The model is in train mode (BatchNorm uses
// and updates batch statistics, dropout is on with masks seeded by seed and step) and in eval mode for the
// final numbers. The optimisers are torch.optim's, written over named_parameters() and updated in float32:
//   SGD   buf = g on the first step, then buf = momentum * buf + g; p -= lr * buf  (dampening 0, no decay)
//   Adam  betas (0.9, 0.999), eps 1e-8, bias-corrected:
//         p -= lr / (1 - 0.9^t) * m / (sqrt(v / (1 - 0.999^t)) + eps)
// The default is SGD, lr 0.01, momentum 0.9: the setting of torch.optim's own example. SGD shows the scale of
// an initialisation as it is; Adam divides each gradient by its running magnitude and so rescues a too-small
// init that SGD leaves stalled, which hides what the probe is there to show. Measured on digits (probe_test):
// lr 0.01 trains a matched 64-32-10 MLP to ~95% held-out accuracy in 300 steps and a matched 10-layer MLP of
// width 64 (tanh or ReLU) to a training loss near 0.02 in 200 steps, while 0.05 already makes the deep ReLU
// net's loss jump about. Adam's default is PyTorch's, 1e-3; sequence models (LSTM, Transformer) train with it
// in practice, and SGD barely moves the auto preset's std 0.02 attention weights in a few hundred steps.
//
// Cost: once the first candidate's first step has run, its time gives the estimate of the whole probe
// (ProbeResult), which the caller is told before the rest runs (ProbeOptions::progress; nninit diagnose
// prints it); a time budget cuts the steps every candidate runs to what fits by that estimate.
//
// Divergence: a run stops at the first step whose batch loss is not finite or exceeds 10x the loss of step 0
// (a run that blows up passes that ratio within a step or two; healthy runs never come near it);
// `diverged_at` is that step. Because the rule is relative to step 0, a start already far above chance can
// blow up without tripping it: weights N(0, 1) in the 784-256-128-10 ReLU MLP start near 1400x the chance
// loss, the first steps throw the weights out (the largest grows some 30x) and kill the ReLUs, and the loss
// falls back to chance. format_probe says that ("started at Nx the chance loss, ... ended no better than
// chance") for any start above 10x chance, rather than calling the run a stall.
//
// After training (eval mode): the loss over the whole training set, the held-out loss and (digits) the
// held-out accuracy; the hidden units that started identical (find_symmetries: groups that receive identical
// gradients) and how many of them still are; the largest |weight| before and after. "Still identical"
// allows a difference of 1e-3 of the unit's largest weight: BLAS sums blocks of rows in different orders, so
// rows that exact arithmetic keeps equal drift apart by rounding from the second step on. Where the symmetric
// state is a fixed point (all-zero weights before tanh or ReLU: no gradient at all) the rows stay exactly
// zero; where it is a saddle (sigmoid units, whose gradients are identical but nonzero) the rounding
// difference grows, about tenfold every 40 steps at lr 0.05 in probe_test (1e-6 of the rows after 100 steps,
// 1e-4 after 300), and breaks the symmetry for real after some 600 steps. The claim "zero init stays
// symmetric" is therefore exact for the fixed point and holds for a few hundred steps at a saddle. Parameters
// are updated in their own dtype (float32 models are the intended case).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "nninit/core/tensor.h"
#include "nninit/diag/probe_data.h"
#include "nninit/diag/symmetry.h"
#include "nninit/expr/rules.h"
#include "nninit/nn/module.h"
#include "nninit/random/generator.h"

namespace nninit::diag {

// ---- the probe ----

enum class Optimizer { sgd, adam };

// Where a probe stands, for its caller to show (ProbeOptions::progress).
struct ProbeProgress {
  // True once, after the first candidate's first step: the plan and its estimated cost. Then false, after
  // every step of every candidate.
  bool plan = false;
  std::size_t candidate = 0;  // 0-based
  std::size_t candidates = 0;
  std::string label{};
  int step = 0;   // steps this candidate has run
  int steps = 0;  // steps each candidate runs (after a budget's cut)
  int steps_asked = 0;
  bool cut_by_budget = false;
  std::int64_t batches_per_epoch = 0;
  double first_step_seconds = 0.0;
  double estimated_seconds = 0.0;  // the whole probe, from the first step's time
  double elapsed_seconds = 0.0;
};

struct ProbeOptions {
  int steps = 300;
  int batch_size = 64;
  Optimizer optimizer = Optimizer::sgd;
  double learning_rate = 0.0;  // 0: 0.01 for SGD, 1e-3 for Adam
  double momentum = 0.9;       // SGD only; 0 is plain SGD
  std::uint64_t seed = 0;      // initialisation, batch order and dropout masks
  int record_every = 5;        // a curve point every this many steps (and at the last step run)
  double divergence_factor = 10.0;
  // A time budget for the whole probe in seconds (0: none). The first candidate's first step is timed, and
  // every candidate then runs the same number of steps: `steps`, or as many as fit the budget by that
  // time (at least 1), so that the candidates stay comparable (ProbeResult::cut_by_budget says so).
  double budget_seconds = 0.0;
  // Seconds on a monotonic clock; empty: std::chrono::steady_clock. The tests give one that counts.
  std::function<double()> clock{};
  // Told the plan once the first step was timed, before the rest runs, then after every step.
  std::function<void(const ProbeProgress&)> progress{};
};

// The learning rate options resolve to.
double learning_rate(const ProbeOptions& options);

// One initialisation to compare: the rules, then the function, on a fresh copy of the prototype. Neither:
// the prototype as it is (PyTorch's default when it was just built).
struct Candidate {
  std::string label{};
  std::string description{};  // one line for people: "every weight and bias 0"
  std::vector<expr::Rule> rules{};
  std::function<void(nn::Module&, Generator&)> initialize{};
};

// The standard five: "zeros" (every parameter of every layer but the normalisation ones 0), "too small"
// (those weights N(0, 0.01^2), biases 0: a factor of 0.01 * sqrt(fan_in) < 1 per layer, which compounds
// to nothing in a deep net), "too large" (weights N(0, 1), biases 0: a factor sqrt(fan_in) per layer),
// "PyTorch default" (as the prototype is) and "matched" (the auto preset, auto_preset.h).
std::vector<Candidate> standard_candidates(nn::Module& model);

struct CandidateResult {
  std::string label{};
  std::vector<double> steps{};   // the recorded steps
  std::vector<double> losses{};  // the batch loss at each, before that step's update
  double initial_loss = 0.0;     // the batch loss of step 0
  std::optional<int> diverged_at{};
  int steps_run = 0;
  // After training, in eval mode; NaN where the model's outputs are not finite.
  double train_loss = 0.0;  // over the whole training set
  double held_out_loss = 0.0;
  double held_out_accuracy = 0.0;  // classification; NaN for regression
  // Hidden units in groups that receive identical gradients (find_symmetries, exact) at the start, and how
  // many of them are still identical within 1e-3 after training.
  std::int64_t identical_units_initial = 0;
  std::int64_t identical_units_final = 0;
  std::vector<SymmetryFinding> symmetries{};  // find_symmetries of the trained model (exact comparison)
  // The largest |value| over the weights (parameters of 2 or more dimensions).
  double max_abs_weight_initial = 0.0;
  double max_abs_weight_final = 0.0;
  nn::ModulePtr model{};  // the trained model, in eval mode
};

struct ProbeResult {
  std::string data{};  // ProbeData::description
  ProbeTask task = ProbeTask::classification;
  double chance_loss = 0.0;  // ln(classes) for classification, the targets' variance (~1) for regression
  ProbeOptions options{};    // with the learning rate resolved, `steps` as asked, no clock or progress
  std::vector<CandidateResult> candidates{};
  // The cost, as estimated from the first candidate's first step (which pays for warming up, so the
  // estimate errs long and a budget is kept): each candidate's steps at that time, plus its overhead, the
  // setup the first candidate took (copy, rules, symmetry check) and its final evaluation, a forward pass
  // over every sample counted as a third of a step per batch. `steps_per_candidate` is options.steps
  // unless the budget cut it.
  int steps_per_candidate = 0;
  bool cut_by_budget = false;
  double first_step_seconds = 0.0;
  double overhead_seconds = 0.0;   // per candidate, estimated
  double estimated_seconds = 0.0;  // the whole probe: candidates x (steps x first step + overhead)
};

ProbeResult run_probe(const nn::Module& prototype, const ProbeData& data,
                      std::span<const Candidate> candidates, const ProbeOptions& options = {});
// make_probe_data (seeded with options.seed), then the probe.
ProbeResult run_probe(const nn::Module& prototype, const Shape& input_shape,
                      std::span<const Candidate> candidates, const ProbeOptions& options = {},
                      const ProbeDataOptions& data_options = {});

// What the numbers show, one line per candidate they say something about, in the terms of the classic
// claims: "too large: diverged at step 3 (...)", "zeros: 384 of 384 hidden units that started identical
// still are after 300 steps", "too small: stalled at the chance loss (...)".
std::vector<std::string> probe_verdicts(const ProbeResult& result);

// The terminal view (the probe's table and these verdicts) is report::format_probe (report/text.h).

}  // namespace nninit::diag
