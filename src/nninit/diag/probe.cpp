#include "nninit/diag/probe.h"

#include <algorithm>
#include <cassert>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <set>
#include <string_view>

#include <fmt/format.h>

#include "nninit/core/error.h"
#include "nninit/diag/architecture.h"
#include "nninit/diag/auto_preset.h"
#include "nninit/engine/loss.h"
#include "nninit/engine/trace.h"
#include "nninit/expr/rules.h"
#include "nninit/nn/attention.h"
#include "nninit/nn/rnn.h"
#include "nninit/nn/transformer.h"
#include "nninit/random/torch_generator.h"

#include "nninit/diag/probe_data.h"

namespace nninit::diag {
namespace {

constexpr std::int64_t eval_chunk = 512;      // samples per forward pass when evaluating
constexpr double identical_tolerance = 1e-3;  // relative; see probe.h

// ---- training ----

double max_abs_weight(const nn::Module& model) {
  double max = 0.0;
  for (const NamedTensor& p : model.named_parameters()) {
    if (p.tensor.dim() < 2) continue;
    for (double v : p.tensor.to_doubles()) {
      if (!std::isfinite(v)) return std::numeric_limits<double>::infinity();
      max = std::max(max, std::fabs(v));
    }
  }
  return max;
}

// Of the units that started identical (`initial`, exact), how many are still identical within
// identical_tolerance of their group's first unit: the rows of the finding's weight (every block of rows for
// a recurrent weight's gates) and of the matching bias.
std::int64_t units_still_identical(const nn::Module& trained, const std::vector<SymmetryFinding>& initial) {
  const std::vector<NamedTensor> parameters = trained.named_parameters();
  auto find = [&](const std::string& name) -> const Tensor* {
    for (const NamedTensor& p : parameters) {
      if (p.name == name) return &p.tensor;
    }
    return nullptr;
  };
  std::int64_t count = 0;
  for (const SymmetryFinding& f : initial) {
    if (f.kind == SymmetryKind::identical_gate_blocks || !f.stays_identical || f.units < 1) continue;
    const Tensor* weight = find(f.parameter);
    if (weight == nullptr || weight->dim() == 0 || weight->size(0) % f.units != 0) continue;
    std::vector<std::pair<std::vector<double>, std::int64_t>> tensors;  // values, row length
    tensors.emplace_back(weight->to_doubles(), weight->numel() / weight->size(0));
    const std::size_t at = f.parameter.rfind("weight");
    if (at != std::string::npos) {
      std::string bias_name = f.parameter;
      bias_name.replace(at, 6, "bias");
      const Tensor* bias = find(bias_name);
      if (bias != nullptr && bias->dim() == 1 && bias->size(0) == weight->size(0))
        tensors.emplace_back(bias->to_doubles(), 1);
    }
    const std::int64_t blocks = weight->size(0) / f.units;
    auto key = [&](std::int64_t unit) {
      std::vector<double> out;
      for (const auto& [values, length] : tensors) {
        for (std::int64_t b = 0; b < blocks; ++b) {
          const auto begin = values.begin() + (b * f.units + unit) * length;
          out.insert(out.end(), begin, begin + length);
        }
      }
      return out;
    };
    for (const std::vector<std::int64_t>& group : f.groups) {
      const std::vector<double> first = key(group[0]);
      double scale = 0.0;
      for (double v : first) scale = std::max(scale, std::fabs(v));
      std::int64_t members = 1;
      for (std::size_t k = 1; k < group.size(); ++k) {
        const std::vector<double> other = key(group[k]);
        double difference = 0.0;
        for (std::size_t i = 0; i < first.size(); ++i)
          difference = std::max(difference, std::fabs(other[i] - first[i]));
        if (difference <= identical_tolerance * scale) ++members;  // NaN compares false: not identical
      }
      if (members >= 2) count += members;
    }
  }
  return count;
}

// The optimiser's state per parameter, updated in float32 as torch.optim does for float32 parameters.
class OptimizerState {
 public:
  OptimizerState(const ProbeOptions& options, const std::vector<NamedTensor>& parameters)
      : options_(options), rate_(learning_rate(options)) {
    for (const NamedTensor& p : parameters) {
      const auto n = static_cast<std::size_t>(p.tensor.numel());
      first_.emplace_back(n, 0.0f);
      if (options.optimizer == Optimizer::adam) second_.emplace_back(n, 0.0f);
    }
  }

  void step(const std::vector<NamedTensor>& parameters, const engine::Gradients& gradients) {
    ++steps_;
    for (std::size_t i = 0; i < parameters.size(); ++i) {
      assert(gradients.parameters[i].name == parameters[i].name);
      const Tensor& p = parameters[i].tensor;
      const Tensor g = gradients.parameters[i].tensor.contiguous();
      if (p.dtype() == DType::float32 && p.is_contiguous()) {
        update(i, p.data_ptr<float>(), g.data_ptr<float>());
      } else {
        std::vector<double> values = p.to_doubles();
        std::vector<float> narrow(values.begin(), values.end());
        update(i, narrow.data(), g.data_ptr<float>());
        values.assign(narrow.begin(), narrow.end());
        p.copy_(Tensor::from_values(values, p.sizes(), DType::float64));
      }
    }
  }

 private:
  void update(std::size_t index, float* p, const float* g) {
    float* m = first_[index].data();
    const std::size_t n = first_[index].size();
    const auto lr = static_cast<float>(rate_);
    if (options_.optimizer == Optimizer::sgd) {
      const auto momentum = static_cast<float>(options_.momentum);
      for (std::size_t k = 0; k < n; ++k) {
        // torch.optim.SGD: the first step's buffer is the gradient itself.
        m[k] = steps_ == 1 ? g[k] : momentum * m[k] + g[k];
        p[k] -= lr * (momentum != 0.0f ? m[k] : g[k]);
      }
      return;
    }
    // torch.optim.Adam (single-tensor path): p -= lr / bias1 * m / (sqrt(v) / sqrt(bias2) + eps).
    constexpr float beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;
    float* v = second_[index].data();
    const double t = static_cast<double>(steps_);
    const auto bias1 = static_cast<float>(1.0 - std::pow(0.9, t));
    const auto bias2_sqrt = static_cast<float>(std::sqrt(1.0 - std::pow(0.999, t)));
    const float step = lr / bias1;
    for (std::size_t k = 0; k < n; ++k) {
      m[k] = beta1 * m[k] + (1.0f - beta1) * g[k];
      v[k] = beta2 * v[k] + (1.0f - beta2) * g[k] * g[k];
      p[k] -= step * m[k] / (std::sqrt(v[k]) / bias2_sqrt + eps);
    }
  }

  ProbeOptions options_;
  double rate_;
  int steps_ = 0;
  std::vector<std::vector<float>> first_;
  std::vector<std::vector<float>> second_;
};

engine::Loss probe_loss(const ProbeData& data, const Tensor& output, const Tensor& targets) {
  if (data.task == ProbeTask::classification) return engine::cross_entropy(output, targets);
  return engine::mse_loss(output, to_model_layout(targets, data.output_batch_dim));
}

struct Evaluation {
  double loss = 0.0;
  double accuracy = std::numeric_limits<double>::quiet_NaN();
};

Evaluation evaluate(nn::Module& model, const ProbeData& data, const Tensor& inputs, const Tensor& targets) {
  const std::int64_t total = inputs.size(0);
  double loss = 0.0;
  std::int64_t correct = 0;
  for (std::int64_t start = 0; start < total; start += eval_chunk) {
    const std::int64_t n = std::min(eval_chunk, total - start);
    const Tensor x = to_model_layout(slice_samples(inputs, start, n), data.input_batch_dim);
    const Tensor y = slice_samples(targets, start, n);
    const Tensor output = engine::forward(model, {x})[0];
    loss += probe_loss(data, output, y).value * static_cast<double>(n);
    if (data.task != ProbeTask::classification) continue;
    const std::vector<double> logits = output.contiguous().to_doubles();
    const std::int64_t* label = y.data_ptr<std::int64_t>();
    const std::int64_t classes = output.size(1);
    for (std::int64_t i = 0; i < n; ++i) {
      const double* row = logits.data() + i * classes;
      if (!std::all_of(row, row + classes, [](double v) { return std::isfinite(v); })) continue;
      if (std::max_element(row, row + classes) - row == label[i]) ++correct;
    }
  }
  Evaluation e{.loss = loss / static_cast<double>(total)};
  if (data.task == ProbeTask::classification)
    e.accuracy = static_cast<double>(correct) / static_cast<double>(total);
  return e;
}

// The sample indices of each step: a fresh permutation of the training set per epoch, cut into full batches.
std::vector<std::vector<std::int64_t>> batch_schedule(std::int64_t samples, const ProbeOptions& options) {
  const std::int64_t batch = std::min<std::int64_t>(options.batch_size, samples);
  TorchGenerator generator(options.seed + 1);
  std::vector<std::vector<std::int64_t>> batches;
  while (static_cast<int>(batches.size()) < options.steps) {
    const Tensor order = generator.randperm(samples);
    const std::int64_t* o = order.data_ptr<std::int64_t>();
    for (std::int64_t start = 0; start + batch <= samples && static_cast<int>(batches.size()) < options.steps;
         start += batch) {
      batches.emplace_back(o + start, o + start + batch);
    }
  }
  return batches;
}

// Called with 0 before the first step, then after each step with the steps run; returns how many steps the
// candidate runs in all (the call after the probe's first step may cut them to a budget).
using AfterStep = std::function<int(int)>;

CandidateResult train_candidate(const nn::Module& prototype, const ProbeData& data,
                                const Candidate& candidate, const ProbeOptions& options,
                                const std::vector<std::vector<std::int64_t>>& batches, int steps,
                                const AfterStep& after_step) {
  CandidateResult result;
  result.label = candidate.label;
  const nn::ModulePtr model = prototype.clone();
  TorchGenerator generator(options.seed);
  if (!candidate.rules.empty()) expr::apply_rules(*model, candidate.rules, generator);
  if (candidate.initialize) candidate.initialize(*model, generator);
  const std::vector<SymmetryFinding> initial = find_symmetries(*model);
  for (const SymmetryFinding& f : initial) {
    if (f.kind == SymmetryKind::identical_gate_blocks || !f.stays_identical) continue;
    for (const auto& group : f.groups)
      result.identical_units_initial += static_cast<std::int64_t>(group.size());
  }
  result.max_abs_weight_initial = max_abs_weight(*model);

  model->train();
  const std::vector<NamedTensor> parameters = model->named_parameters();
  OptimizerState optimizer(options, parameters);
  steps = after_step(0);
  for (int step = 0; step < steps; ++step) {
    const std::vector<std::int64_t>& indices = batches[static_cast<std::size_t>(step)];
    const Tensor x = to_model_layout(gather_samples(data.train_inputs, indices), data.input_batch_dim);
    const Tensor y = gather_samples(data.train_targets, indices);
    const engine::Trace trace =
        engine::run_forward(*model, {x},
                            {.update_running_stats = true,
                             .dropout_seed = options.seed * 1000003 + static_cast<std::uint64_t>(step)});
    const engine::Loss loss = probe_loss(data, trace.outputs()[0], y);
    if (step == 0) result.initial_loss = loss.value;
    const bool diverged =
        !std::isfinite(loss.value) || loss.value > options.divergence_factor * result.initial_loss;
    if (step % options.record_every == 0 || step + 1 == steps || diverged) {
      result.steps.push_back(step);
      result.losses.push_back(loss.value);
    }
    if (diverged) {
      result.diverged_at = step;
      after_step(step + 1);  // a probe whose first step diverges is planned from that step still
      break;
    }
    optimizer.step(parameters, engine::run_backward(trace, loss.grad));
    result.steps_run = step + 1;
    // The first call may cut the steps; step 0, where that happens, is on the curve already.
    steps = after_step(result.steps_run);
  }

  model->eval();
  const Evaluation train = evaluate(*model, data, data.train_inputs, data.train_targets);
  const Evaluation held_out = evaluate(*model, data, data.held_out_inputs, data.held_out_targets);
  result.train_loss = train.loss;
  result.held_out_loss = held_out.loss;
  result.held_out_accuracy = held_out.accuracy;
  result.symmetries = find_symmetries(*model);
  result.identical_units_final = units_still_identical(*model, initial);
  result.max_abs_weight_final = max_abs_weight(*model);
  result.model = model;
  return result;
}

// One rule per parameter of the layers the standard candidates change (all but normalisation and PReLU):
// `weight_expression` for tensors of 2 or more dimensions, `other_expression` for the rest.
std::vector<expr::Rule> layer_rules(nn::Module& model, std::string_view weight_expression,
                                    std::string_view other_expression) {
  std::set<std::string> layers;
  for (const LayerInfo& layer : analyze_architecture(model).layers) {
    if (layer.role != LayerRole::normalization && layer.role != LayerRole::activation)
      layers.insert(layer.path);
  }
  std::vector<expr::Rule> rules;
  for (const NamedTensor& p : model.named_parameters()) {
    const std::size_t dot = p.name.rfind('.');
    const std::string module = dot == std::string::npos ? "" : p.name.substr(0, dot);
    if (!layers.contains(module)) continue;
    const std::string own = dot == std::string::npos ? p.name : p.name.substr(dot + 1);
    rules.push_back(expr::parse_rule(fmt::format(
        "{}={}", path_pattern(module, own), p.tensor.dim() >= 2 ? weight_expression : other_expression)));
  }
  return rules;
}

double steady_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// The estimate from the first step's time, and the budget's cut of the steps (ProbeResult).
void plan_within_budget(ProbeResult& result, double setup, double first_step, std::int64_t evaluation_batches,
                        std::size_t candidates) {
  const double n = static_cast<double>(candidates);
  result.first_step_seconds = first_step;
  result.overhead_seconds = setup + first_step * static_cast<double>(evaluation_batches) / 3.0;
  const double budget = result.options.budget_seconds;
  if (budget > 0.0 && first_step > 0.0) {
    const double fit = std::floor((budget / n - result.overhead_seconds) / first_step);
    if (fit < result.options.steps) {
      result.steps_per_candidate = static_cast<int>(std::max(fit, 1.0));
      result.cut_by_budget = true;
    }
  }
  result.estimated_seconds =
      n * (static_cast<double>(result.steps_per_candidate) * first_step + result.overhead_seconds);
}

std::string format_number(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  return fmt::format("{:.4g}", value);
}

}  // namespace

// ---- public: probe ----

double learning_rate(const ProbeOptions& options) {
  if (options.learning_rate > 0.0) return options.learning_rate;
  return options.optimizer == Optimizer::sgd ? 0.01 : 1e-3;
}

std::vector<Candidate> standard_candidates(nn::Module& model) {
  std::vector<Candidate> out;
  out.push_back({.label = "zeros",
                 .description = "every weight and bias 0 (normalisation layers as constructed)",
                 .rules = layer_rules(model, "zeros_()", "zeros_()")});
  out.push_back({.label = "too small",
                 .description = "weights N(0, 0.01^2), biases 0",
                 .rules = layer_rules(model, "normal_(std=0.01)", "zeros_()")});
  out.push_back({.label = "too large",
                 .description = "weights N(0, 1), biases 0",
                 .rules = layer_rules(model, "normal_(std=1.0)", "zeros_()")});
  out.push_back(
      {.label = "PyTorch default", .description = "as constructed (each layer's reset_parameters)"});
  out.push_back({.label = "matched",
                 .description = "the auto preset: each layer matched to the nonlinearity after it",
                 .rules = auto_rules(model)});
  return out;
}

ProbeResult run_probe(const nn::Module& prototype, const ProbeData& data,
                      std::span<const Candidate> candidates, const ProbeOptions& options) {
  if (options.steps < 1 || options.batch_size < 1 || options.record_every < 1) {
    throw ValueError(
        fmt::format("run_probe: steps ({}), batch_size ({}) and record_every ({}) must be positive",
                    options.steps, options.batch_size, options.record_every));
  }
  if (!(options.budget_seconds >= 0.0) || !std::isfinite(options.budget_seconds)) {
    throw ValueError(fmt::format("run_probe: budget_seconds must be a finite number >= 0, got {}",
                                 options.budget_seconds));
  }
  if (!(options.divergence_factor > 1.0)) {
    throw ValueError(
        fmt::format("run_probe: divergence_factor must be > 1, got {}", options.divergence_factor));
  }
  ProbeResult result;
  result.data = data.description;
  result.task = data.task;
  result.options = options;
  result.options.learning_rate = learning_rate(options);
  // The settings as data: the callbacks may hold references that do not outlive the call.
  result.options.clock = {};
  result.options.progress = {};
  if (data.task == ProbeTask::classification) {
    result.chance_loss = std::log(static_cast<double>(data.classes));
  } else {
    double square = 0.0;
    const std::vector<double> y = data.train_targets.to_doubles();
    for (double v : y) square += v * v;
    result.chance_loss = square / static_cast<double>(std::max<std::size_t>(y.size(), 1));
  }
  const auto batches = batch_schedule(data.train_inputs.size(0), options);
  const std::function<double()> clock = options.clock ? options.clock : steady_seconds;
  const std::int64_t batch = std::min<std::int64_t>(options.batch_size, data.train_inputs.size(0));
  const std::int64_t evaluation_batches =
      (data.train_inputs.size(0) + data.held_out_inputs.size(0) + batch - 1) / batch;
  result.steps_per_candidate = options.steps;
  const double start = clock();
  double first_step_start = start;
  bool planned = false;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    ProbeProgress progress{.candidate = i,
                           .candidates = candidates.size(),
                           .label = candidates[i].label,
                           .batches_per_epoch = data.train_inputs.size(0) / batch};
    const AfterStep after_step = [&](int done) {
      if (done == 0) {
        if (!planned) first_step_start = clock();
        return result.steps_per_candidate;
      }
      if (!planned) {
        planned = true;
        plan_within_budget(result, first_step_start - start, clock() - first_step_start, evaluation_batches,
                           candidates.size());
        progress.plan = true;
      }
      progress.step = done;
      progress.steps = result.steps_per_candidate;
      progress.steps_asked = options.steps;
      progress.cut_by_budget = result.cut_by_budget;
      progress.first_step_seconds = result.first_step_seconds;
      progress.estimated_seconds = result.estimated_seconds;
      if (options.progress) {
        progress.elapsed_seconds = clock() - start;
        options.progress(progress);
      }
      progress.plan = false;
      return result.steps_per_candidate;
    };
    result.candidates.push_back(train_candidate(prototype, data, candidates[i], options, batches,
                                                result.steps_per_candidate, after_step));
  }
  return result;
}

ProbeResult run_probe(const nn::Module& prototype, const Shape& input_shape,
                      std::span<const Candidate> candidates, const ProbeOptions& options,
                      const ProbeDataOptions& data_options) {
  ProbeDataOptions seeded = data_options;
  seeded.seed = options.seed;
  const nn::ModulePtr copy = prototype.clone();
  return run_probe(prototype, make_probe_data(*copy, input_shape, seeded), candidates, options);
}

// ---- public: presentation ----

std::vector<std::string> probe_verdicts(const ProbeResult& result) {
  std::vector<std::string> lines;
  const double stall = 0.02 * result.chance_loss;
  const double blow_up = 10.0;  // an initial loss this many times chance is a blown-up start
  for (const CandidateResult& c : result.candidates) {
    if (c.diverged_at) {
      lines.push_back(fmt::format("{}: diverged at step {} (batch loss {} against {} at step 0)", c.label,
                                  *c.diverged_at, format_number(c.losses.back()),
                                  format_number(c.initial_loss)));
    } else if (c.identical_units_final > 0) {
      lines.push_back(fmt::format("{}: {} of {} hidden units that started identical still are after {} steps",
                                  c.label, c.identical_units_final, c.identical_units_initial, c.steps_run));
    } else if (c.initial_loss > blow_up * result.chance_loss) {
      // Too large to diverge by the 10x rule: the loss starts far up, and SGD's first steps throw the
      // weights out; in a shallow ReLU net the units then die and the loss falls back to chance.
      std::string line =
          fmt::format("{}: started at {:.0f}x the chance loss", c.label, c.initial_loss / result.chance_loss);
      if (c.max_abs_weight_final > 2.0 * c.max_abs_weight_initial) {
        line += fmt::format(", its largest weight grew {:.0f}x ({} to {})",
                            c.max_abs_weight_final / c.max_abs_weight_initial,
                            format_number(c.max_abs_weight_initial), format_number(c.max_abs_weight_final));
      }
      line += std::fabs(c.train_loss - result.chance_loss) < stall
                  ? fmt::format(", and it ended no better than chance ({} after {} steps)",
                                format_number(c.train_loss), c.steps_run)
                  : fmt::format(", and it ended at a training loss of {} after {} steps",
                                format_number(c.train_loss), c.steps_run);
      lines.push_back(std::move(line));
    } else if (std::fabs(c.train_loss - result.chance_loss) < stall) {
      lines.push_back(fmt::format("{}: stalled at the chance loss ({} after {} steps)", c.label,
                                  format_number(c.train_loss), c.steps_run));
    }
  }
  return lines;
}

}  // namespace nninit::diag
