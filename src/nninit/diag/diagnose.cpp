#include "nninit/diag/diagnose.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <string_view>

#include <fmt/format.h>

#include "nninit/core/error.h"

namespace nninit::diag {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// A drift "starts" once a std is off its reference by more than this factor.
constexpr double kDriftFactor = 2.0;

bool is_float(const Tensor& t) {
  return t.defined() && t.dtype() != DType::int64;
}

// The std a signal is judged by: +inf once any value is not finite.
double signal_std(const TensorStatistics& s) {
  return s.non_finite > 0 ? std::numeric_limits<double>::infinity() : s.std;
}

// NaN for an undefined or integer tensor.
double std_of(const Tensor& t) {
  return is_float(t) ? signal_std(statistics(t)) : kNaN;
}

double rms(const Tensor& t) {
  double sum = 0.0;
  const std::vector<double> values = t.to_doubles();
  for (double v : values) sum += v * v;
  return values.empty() ? kNaN : std::sqrt(sum / static_cast<double>(values.size()));
}

double ratio(double numerator, double denominator) {
  if (!std::isfinite(denominator) || denominator == 0.0 || std::isnan(numerator)) return kNaN;
  return numerator / denominator;
}

// The calls that contain no other module call: the layers a signal passes through.
std::vector<std::size_t> leaf_calls(const std::vector<CallRecord>& calls) {
  std::vector<std::size_t> leaves;
  for (std::size_t i = 0; i < calls.size(); ++i) {
    const bool has_child = i + 1 < calls.size() && calls[i + 1].depth > calls[i].depth;
    if (!has_child) leaves.push_back(i);
  }
  return leaves;
}

std::string shown_name(const CallRecord& call) {
  return call.name.empty() ? call.type : call.name;
}

// The first index of the unbroken run of entries ending at `crossing` whose value is off by more than the
// drift factor in the flag's direction.
std::size_t drift_start(const std::vector<double>& relative, std::size_t crossing, SignalTrend trend) {
  const auto off = [&](double r) {
    if (std::isnan(r)) return false;
    return trend == SignalTrend::vanishing ? r < 1.0 / kDriftFactor : r > kDriftFactor;
  };
  std::size_t start = crossing;
  while (start > 0 && off(relative[start - 1])) --start;
  return start;
}

// Finds the first entry beyond the bounds in `relative` (std / reference, in signal order) and describes it.
std::optional<SignalFlag> find_flag(const std::vector<double>& relative,
                                    const std::vector<std::string>& names, SignalDirection direction,
                                    double bound) {
  for (std::size_t i = 0; i < relative.size(); ++i) {
    const double r = relative[i];
    if (std::isnan(r)) continue;
    std::optional<SignalTrend> trend;
    if (r < 1.0 / bound) trend = SignalTrend::vanishing;
    if (r > bound || std::isinf(r)) trend = SignalTrend::exploding;
    if (!trend) continue;
    SignalFlag flag;
    flag.direction = direction;
    flag.trend = *trend;
    flag.crosses_at = names[i];
    flag.starts_at = names[drift_start(relative, i, *trend)];
    flag.factor = r;
    return flag;
  }
  return std::nullopt;
}

// Parameter-free layers that move, select or average elements by construction: pooling, reshaping,
// padding, shuffling, dropout. The factor by which they change a gradient's std is fixed by their shape
// (global average pooling over 8x8 divides every element's gradient by 64) and no initialisation changes
// it, so the backward judgement divides it out.
bool fixed_rearrangement(std::string_view type) {
  for (const std::string_view part : {"Pool", "Unpool", "Pad", "Dropout", "Shuffle", "Upsample"}) {
    if (type.find(part) != std::string_view::npos) return true;
  }
  for (const std::string_view name : {"Flatten", "Unflatten", "Identity", "Fold", "Unfold"}) {
    if (type == name) return true;
  }
  return false;
}

std::string describe(const SignalFlag& flag) {
  const std::string_view what = flag.direction == SignalDirection::forward    ? "activation std"
                                : flag.direction == SignalDirection::backward ? "gradient std"
                                                                              : "gradient std over time";
  const std::string reference = flag.direction == SignalDirection::forward    ? "the input's"
                                : flag.direction == SignalDirection::backward ? "the output gradient's"
                                                                              : "the last step's";
  const std::string factor =
      std::isinf(flag.factor) ? std::string("is no longer finite")
      : flag.direction == SignalDirection::backward
          ? fmt::format("is {:.3g} x {} (pooling, reshaping and dropout layers' own factors divided out)",
                        flag.factor, reference)
          : fmt::format("is {:.3g} x {}", flag.factor, reference);
  return fmt::format("{} signal {}: the {} {} at {}; the drift starts at {}",
                     signal_direction_name(flag.direction), signal_trend_name(flag.trend), what, factor,
                     flag.crosses_at, flag.starts_at);
}

// Per time step std of one (steps, batch, H) slice.
std::vector<double> per_step_std(const Tensor& states) {
  std::vector<double> out;
  for (std::int64_t t = 0; t < states.size(0); ++t) out.push_back(std_of(states.select(0, t)));
  return out;
}

bool is_embedding(const nn::Module& module) {
  return module.type_name() == "Embedding" || module.type_name() == "EmbeddingBag";
}

// The first module, in pre-order, that is not a container: the layer the input meets first in the usual
// Sequential chain.
const nn::Module* first_layer(const nn::Module& model) {
  const nn::Module* current = &model;
  while (!current->own_children().empty() &&
         (current->type_name() == "Sequential" || current->type_name() == "ModuleList")) {
    current = current->own_children().front().second.get();
  }
  return current;
}

}  // namespace

std::string_view signal_direction_name(SignalDirection direction) {
  switch (direction) {
    case SignalDirection::forward: return "forward";
    case SignalDirection::backward: return "backward";
    case SignalDirection::through_time: return "through time";
  }
  return "?";
}

std::string_view signal_trend_name(SignalTrend trend) {
  return trend == SignalTrend::vanishing ? "vanishing" : "exploding";
}

std::vector<Tensor> random_inputs(nn::Module& model, const std::vector<Shape>& shapes, Generator& generator) {
  std::vector<Tensor> inputs;
  const nn::Module* first = first_layer(model);
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    if (i == 0 && is_embedding(*first)) {
      // torch.randint(0, num_embeddings, shape).
      Tensor indices = Tensor::empty(shapes[i], DType::int64);
      generator.random_(indices, 0, first->parameter("weight").size(0));
      inputs.push_back(indices);
    } else {
      Tensor x = Tensor::empty(shapes[i]);
      generator.normal_(x, 0.0, 1.0);
      inputs.push_back(x);
    }
  }
  return inputs;
}

namespace {

// Step 1: the inputs' shapes, and the first float input's std (the forward reference).
Diagnosis describe_inputs(const Recording& recording) {
  Diagnosis d;
  d.train = recording.train;
  d.gradient_note = recording.gradient_note;
  d.input_std = kNaN;
  for (const Tensor& t : recording.inputs) d.input_shapes.push_back(t.sizes());
  for (const Tensor& t : recording.inputs) {
    if (is_float(t)) {
      d.input_std = std_of(t);
      break;
    }
  }
  return d;
}

// Step 2: every layer call, forward statistics and the gradients at its input and output.
std::vector<LayerDiagnosis> layer_rows(const Recording& recording) {
  std::vector<LayerDiagnosis> rows;
  for (std::size_t index : leaf_calls(recording.calls)) {
    const CallRecord& call = recording.calls[index];
    LayerDiagnosis layer;
    layer.name = shown_name(call);
    layer.type = call.type;
    layer.depth = call.depth;
    const Tensor output = call.outputs.empty() ? Tensor() : call.outputs.front();
    double output_std = kNaN;
    if (output.defined()) {
      layer.output_shape = output.sizes();
      if (is_float(output)) {
        layer.output = statistics(output);
        output_std = signal_std(layer.output);
      }
    }
    layer.std_ratio = ratio(output_std, std_of(call.input));
    layer.output_grad_std = call.output_gradient.defined() ? std_of(call.output_gradient) : kNaN;
    layer.input_grad_std = call.input_gradient.defined() ? std_of(call.input_gradient) : kNaN;
    layer.grad_ratio = ratio(layer.input_grad_std, layer.output_grad_std);
    rows.push_back(std::move(layer));
  }
  return rows;
}

// Step 3: every parameter's statistics, its gradient's, and the gradient-to-weight ratio.
std::vector<ParameterDiagnosis> parameter_rows(const Recording& recording) {
  std::vector<ParameterDiagnosis> rows;
  for (std::size_t i = 0; i < recording.parameters.size(); ++i) {
    const NamedTensor& p = recording.parameters[i];
    ParameterDiagnosis row;
    row.name = p.name;
    row.shape = p.tensor.sizes();
    row.value = statistics(p.tensor);
    const Tensor& grad = recording.parameter_gradients.at(i).tensor;
    row.grad = statistics(grad);
    row.grad_to_weight = ratio(rms(grad), rms(p.tensor));
    rows.push_back(std::move(row));
  }
  return rows;
}

// Step 4: recurrent layers over time, per layer and direction.
std::vector<RecurrentDiagnosis> recurrent_rows(const Recording& recording) {
  std::vector<RecurrentDiagnosis> rows;
  for (const CallRecord& call : recording.calls) {
    if (!call.recurrent) continue;
    const RecurrentRecord& states = *call.recurrent;
    for (std::int64_t l = 0; l < states.num_layers; ++l) {
      for (std::int64_t dir = 0; dir < states.num_directions; ++dir) {
        const std::int64_t slot = l * states.num_directions + dir;
        RecurrentDiagnosis rec;
        rec.name = shown_name(call);
        rec.type = call.type;
        rec.layer = l;
        rec.direction = dir;
        rec.hidden_std = per_step_std(states.hidden.select(0, slot));
        if (states.hidden_gradient.defined())
          rec.grad_std = per_step_std(states.hidden_gradient.select(0, slot));
        rows.push_back(std::move(rec));
      }
    }
  }
  return rows;
}

// Step 5: vanishing and exploding signals, forward in call order, backward in the order the gradient
// flows, and back through time.
std::vector<SignalFlag> signal_flags(const Diagnosis& d, double bound) {
  std::vector<SignalFlag> flags;
  std::vector<double> forward_relative;
  std::vector<std::string> forward_names;
  double forward_reference = d.input_std;
  for (const LayerDiagnosis& layer : d.layers) {
    if (layer.output.count == 0) continue;
    const double s = signal_std(layer.output);
    if (std::isnan(forward_reference)) forward_reference = s;  // integer inputs: the first layer's output
    forward_relative.push_back(ratio(s, forward_reference));
    forward_names.push_back(layer.name);
  }
  if (auto flag = find_flag(forward_relative, forward_names, SignalDirection::forward, bound))
    flags.push_back(std::move(*flag));

  std::vector<double> backward_relative;
  std::vector<std::string> backward_names;
  double backward_reference = kNaN;
  // The product of the fixed rearrangements' gradient ratios crossed so far.
  double by_construction = 1.0;
  for (auto it = d.layers.rbegin(); it != d.layers.rend(); ++it) {
    if (std::isnan(backward_reference) && !std::isnan(it->output_grad_std))
      backward_reference = it->output_grad_std;
    if (std::isnan(it->input_grad_std)) continue;
    if (fixed_rearrangement(it->type) && std::isfinite(it->grad_ratio) && it->grad_ratio > 0.0)
      by_construction *= it->grad_ratio;
    backward_relative.push_back(ratio(it->input_grad_std, backward_reference * by_construction));
    backward_names.push_back(it->name);
  }
  if (auto flag = find_flag(backward_relative, backward_names, SignalDirection::backward, bound))
    flags.push_back(std::move(*flag));

  for (const RecurrentDiagnosis& rec : d.recurrent) {
    if (rec.grad_std.size() < 2) continue;
    // Back through time: from the last step to the first.
    std::vector<double> relative;
    std::vector<std::string> names;
    for (std::size_t t = rec.grad_std.size(); t-- > 0;) {
      relative.push_back(ratio(rec.grad_std[t], rec.grad_std.back()));
      names.push_back(
          fmt::format("{} layer {}{} step {}", rec.name, rec.layer, rec.direction == 1 ? " reverse" : "", t));
    }
    if (auto flag = find_flag(relative, names, SignalDirection::through_time, bound))
      flags.push_back(std::move(*flag));
  }
  for (SignalFlag& flag : flags) flag.message = describe(flag);
  return flags;
}

// Step 6: a few layer outputs for histograms: the first, a middle and the last layer with parameters.
std::vector<std::pair<std::string, Tensor>> histogram_samples(const Recording& recording) {
  const std::vector<std::size_t> leaves = leaf_calls(recording.calls);
  std::vector<std::size_t> weighted;
  for (std::size_t index : leaves) {
    const CallRecord& call = recording.calls[index];
    if (call.has_parameters && !call.outputs.empty() && is_float(call.outputs.front()))
      weighted.push_back(index);
  }
  std::vector<std::size_t> picks;
  if (!weighted.empty()) {
    picks = {weighted.front(), weighted[weighted.size() / 2], weighted.back()};
    picks.erase(std::unique(picks.begin(), picks.end()), picks.end());
  }
  std::vector<std::pair<std::string, Tensor>> samples;
  for (std::size_t index : picks) {
    const CallRecord& call = recording.calls[index];
    samples.emplace_back(shown_name(call), call.outputs.front().clone());
  }
  return samples;
}

}  // namespace

Diagnosis diagnose(const Recording& recording, const DiagnoseOptions& options) {
  Diagnosis d = describe_inputs(recording);
  d.signal_bound = options.signal_bound;
  d.layers = layer_rows(recording);
  d.parameters = parameter_rows(recording);
  d.recurrent = recurrent_rows(recording);
  d.flags = signal_flags(d, options.signal_bound);
  d.samples = histogram_samples(recording);
  return d;
}

Diagnosis diagnose(nn::Module& model, const std::vector<Tensor>& inputs, const DiagnoseOptions& options) {
  Diagnosis d = diagnose(
      record_pass(model, inputs, {.gradient_seed = options.gradient_seed, .train = options.train}), options);
  d.symmetries = find_symmetries(model);
  d.symmetries_checked = true;
  return d;
}

std::vector<std::string> signal_verdict(const Diagnosis& diagnosis) {
  if (diagnosis.flags.empty()) {
    return {fmt::format("no vanishing or exploding activations or gradients (within a factor {:g})",
                        diagnosis.signal_bound)};
  }
  std::vector<std::string> lines;
  for (const SignalFlag& f : diagnosis.flags) lines.push_back(f.message);
  return lines;
}

}  // namespace nninit::diag
