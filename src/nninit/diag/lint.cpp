#include "nninit/diag/lint.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <optional>

#include <fmt/format.h>

#include "nninit/core/tensor_statistics.h"
#include "nninit/diag/architecture.h"
#include "nninit/diag/auto_preset.h"
#include "nninit/diag/lint_checks.h"
#include "nninit/diag/symmetry.h"
#include "nninit/expr/rules.h"
#include "nninit/init/fan.h"

namespace nninit::diag {
namespace {

constexpr double warning_factor = 1.3;
// The end-to-end factor (over the compounding layers, lint.h) at which a scale finding is an error: an order
// of magnitude.
constexpr double error_end_to_end = 10.0;

double rms(const TensorStatistics& s) {
  return std::sqrt(s.mean * s.mean + s.std * s.std);
}

std::string scale_reason(const LayerInfo& layer) {
  const FollowingNonlinearity& f = layer.following;
  if (layer.role == LayerRole::output && f.kind == NonlinearityKind::none) {
    return "The output layer wants Xavier, Var(w) = 2/(fan_in + fan_out) (Glorot and Bengio 2010): initial "
           "outputs neither vanish nor saturate the loss.";
  }
  switch (f.kind) {
    case NonlinearityKind::relu:
    case NonlinearityKind::leaky_relu:
      return "ReLU-family layers want Kaiming with the right negative slope, Var(w) = 2/((1 + a^2) fan_in): "
             "a "
             "rectifier removes (1 - a^2)/2 of the variance and Kaiming's gain puts it back, so activations "
             "keep their scale with depth (He et al. 2015).";
    case NonlinearityKind::relu_like:
      return "ReLU-like activations (GELU, SiLU, ELU, ...) have no PyTorch gain; Kaiming's Var(w) = 2/fan_in "
             "is "
             "nninit's approximation, within a factor 1.23 of the exact second-moment gain.";
    case NonlinearityKind::selu:
      return "SELU wants LeCun normal, Var(w) = 1/fan_in: self-normalisation holds only there (Klambauer et "
             "al. "
             "2017).";
    case NonlinearityKind::tanh:
    case NonlinearityKind::sigmoid:
      return "tanh and sigmoid want Xavier, Var(w) = gain^2 * 2/(fan_in + fan_out), gain 5/3 for tanh and 1 "
             "for "
             "sigmoid: it balances the forward and backward signals of a saturating unit (Glorot and Bengio "
             "2010).";
    default:
      return "With no nonlinearity in between, Var(w) = 1/fan_in (LeCun) keeps the variance through the "
             "layer.";
  }
}

// The compounding layers' (lint.h) forward factors multiplied: what the activation std at the end of the
// chain is predicted to be, relative to variance-preserving initialisations.
struct EndToEnd {
  double factor = 1.0;
  int layers = 0;
};

// A per-layer factor r on the activation std, and what the model's compounding layers make of it.
// `baseline` names what r is relative to when the ideal scheme is not itself variance-preserving (Xavier
// before tanh or sigmoid).
std::string compounding(double r, const EndToEnd& end_to_end, std::string_view baseline) {
  return fmt::format(
      "{}activation std multiplied by {:.2f} per layer (variance by {:.2f}); {:.2g} end to end across this "
      "model's {} compounding layer{} (those not followed by a normalisation), {:.2f}^10 = {:.2g} after 10 "
      "such layers",
      baseline, r, r * r, end_to_end.factor, end_to_end.layers, end_to_end.layers == 1 ? "" : "s", r,
      std::pow(r, 10));
}

// The schemes a measured std is compared with, to say which one it looks like.
std::string recognise(double measured, const Tensor& w, std::int64_t count) {
  const init::Fans fans = init::calculate_fan_in_and_fan_out(w);
  const auto in = static_cast<double>(fans.fan_in);
  const auto out = static_cast<double>(fans.fan_out);
  const std::pair<const char*, double> schemes[] = {
      {"PyTorch's default (kaiming_uniform_(a=sqrt(5)), U(+-1/sqrt(fan_in)))", 1.0 / std::sqrt(3.0 * in)},
      {"Kaiming (ReLU)", std::sqrt(2.0 / in)},
      {"Kaiming (ReLU, mode='fan_out')", std::sqrt(2.0 / out)},
      {"Xavier", std::sqrt(2.0 / (in + out))},
      {"Xavier (gain 5/3)", 5.0 / 3.0 * std::sqrt(2.0 / (in + out))},
      {"LeCun", 1.0 / std::sqrt(in)},
      {"normal(0, 0.02)", 0.02},
  };
  // The sample std of n draws has a relative standard error of about 1/sqrt(2n).
  const double tolerance =
      std::max(0.03, 4.0 / std::sqrt(2.0 * static_cast<double>(std::max<std::int64_t>(count, 1))));
  double best = 0.0;
  double best_error = tolerance;
  for (const auto& [name, value] : schemes) {
    const double error = std::fabs(measured / value - 1.0);
    if (error <= best_error) {
      best = value;
      best_error = error;
    }
  }
  // Schemes that coincide for this shape (Xavier and LeCun on a square layer) are all named.
  std::string names;
  for (const auto& [name, value] : schemes) {
    if (best > 0.0 && std::fabs(value / best - 1.0) < 1e-9)
      names += (names.empty() ? "" : " = ") + std::string(name);
  }
  return names;
}

const LsuvLayer* scaled_by_lsuv(std::span<const LsuvLayer> lsuv, const std::string& parameter) {
  const auto it =
      std::find_if(lsuv.begin(), lsuv.end(), [&](const LsuvLayer& l) { return l.parameter == parameter; });
  return it == lsuv.end() ? nullptr : &*it;
}

// A weight's measured scale against the matching scheme's (auto_preset.h).
struct ScaleReading {
  Recommendation recommendation;
  TensorStatistics statistics;
  double measured = 0.0;  // RMS
  double ratio = 0.0;     // measured / recommendation.expected_std
  // measured / (gain / sqrt(fan_in)): the factor on the forward signal's std. It equals `ratio` where the
  // matching scheme keeps the variance (Kaiming, LeCun); before tanh and sigmoid the matching scheme is
  // Xavier, which balances forward and backward and is not the forward reference.
  double forward_ratio = 0.0;
};

std::optional<ScaleReading> read_scale(const LayerInfo& layer, std::span<const LsuvLayer> lsuv) {
  if (layer.in_transformer || (layer.role != LayerRole::hidden && layer.role != LayerRole::output))
    return std::nullopt;
  if (!layer.module->has_parameter("weight")) return std::nullopt;
  // Measured on data (LintOptions).
  if (scaled_by_lsuv(lsuv, parameter_path(layer.path, "weight"))) return std::nullopt;
  const Tensor& w = layer.module->parameter("weight");
  if (!w.defined() || w.dim() < 2) return std::nullopt;
  auto recommendation = recommend(layer, "weight", w);
  if (!recommendation || !std::isfinite(recommendation->expected_std) || recommendation->expected_std == 0.0)
    return std::nullopt;
  const TensorStatistics s = statistics(w);
  const double measured = rms(s);
  // The symmetry check speaks for these.
  if (measured == 0.0 || s.non_finite > 0 || s.std == 0.0) return std::nullopt;
  const double ratio = measured / recommendation->expected_std;
  const auto fan_in = static_cast<double>(init::calculate_fan_in_and_fan_out(w).fan_in);
  const double forward_ratio = measured * std::sqrt(fan_in) / layer.following.gain;
  return ScaleReading{std::move(*recommendation), s, measured, ratio, forward_ratio};
}

// Hidden layers outside transformers whose output reaches the next layer without a normalisation in
// between: their factors multiply.
bool compounds(const LayerInfo& layer) {
  return layer.role == LayerRole::hidden && !layer.following.normalized;
}

EndToEnd end_to_end(const Architecture& architecture, std::span<const LsuvLayer> lsuv) {
  EndToEnd e;
  for (const LayerInfo& layer : architecture.layers) {
    if (!compounds(layer)) continue;
    if (const auto reading = read_scale(layer, lsuv)) {
      e.factor *= reading->forward_ratio;
      ++e.layers;
    }
  }
  return e;
}

double off_by(double factor) {
  return std::max(factor, 1.0 / factor);
}

void check_scale(const LayerInfo& layer, const EndToEnd& chain, std::span<const LsuvLayer> lsuv,
                 std::vector<Finding>& out) {
  const auto reading = read_scale(layer, lsuv);
  if (!reading) return;
  const Tensor& w = layer.module->parameter("weight");
  const Recommendation& recommendation = reading->recommendation;
  const double measured = reading->measured;
  const double r = reading->ratio;
  const double factor = off_by(r);
  const std::string scheme = recognise(measured, w, reading->statistics.count);
  const FollowingNonlinearity& f = layer.following;
  // A normalisation rescales whatever a known scheme gives (torchvision's ResNets: Kaiming fan_out before
  // BatchNorm); only an unusual scale there is worth a note.
  if (f.normalized && !scheme.empty()) return;
  const bool saturating = f.kind == NonlinearityKind::tanh || f.kind == NonlinearityKind::sigmoid;
  const bool kaiming_mismatch = saturating && scheme.starts_with("Kaiming");
  if (factor <= warning_factor && !kaiming_mismatch) return;

  const bool output = layer.role == LayerRole::output && f.kind == NonlinearityKind::none;
  Finding finding;
  finding.check = kaiming_mismatch ? "scheme" : "scale";
  finding.path = parameter_path(layer.path, "weight");
  // The severity follows the predicted effect on this model (lint.h): the end-to-end factor of the
  // compounding layers, times the output layer's own when that one starts too large.
  const double predicted = output ? chain.factor * r : chain.factor;
  if (factor <= warning_factor) {
    finding.severity = Severity::info;
  } else if (off_by(predicted) >= error_end_to_end) {
    finding.severity = Severity::error;
  } else {
    finding.severity = Severity::warning;
  }
  if (f.normalized || (output && r < 1.0)) finding.severity = std::min(finding.severity, Severity::info);

  const init::Fans fans = init::calculate_fan_in_and_fan_out(w);
  const std::string followed = output                             ? std::string("the output layer")
                               : f.kind == NonlinearityKind::none ? std::string("followed by no nonlinearity")
                                                                  : fmt::format("followed by {}", f.module);
  finding.message =
      fmt::format("{} std {:.4g} is {:.2f}x the {} std {:.4g} (fan_in {}, fan_out {}; {}){}", finding.path,
                  measured, r, recommendation.scheme, recommendation.expected_std, fans.fan_in, fans.fan_out,
                  followed, scheme.empty() ? "" : fmt::format("; it matches {}", scheme));
  if (kaiming_mismatch) {
    finding.message += fmt::format(
        ": Kaiming's sqrt(2) makes up for ReLU zeroing half its inputs, which {} "
        "does not do",
        f.module);
  }
  if (output) {
    finding.effect = fmt::format("initial outputs (logits) std about {:.2f}x what Xavier gives{}", r,
                                 r < 1.0 ? ": small logits, near-uniform predictions (harmless)"
                                         : ": large logits, an overconfident start and a large initial loss");
    if (r > 1.0 && chain.layers > 0)
      finding.effect += fmt::format("; {:.2g}x end to end with the hidden layers before it", predicted);
  } else {
    // Before tanh and sigmoid the factor on the signal is against gain/sqrt(fan_in), not Xavier.
    const std::string baseline =
        saturating
            ? fmt::format(
                  "relative to the variance-keeping std {:.4g} (gain {:.3g} / sqrt(fan_in)) and within "
                  "{}'s linear range{}: ",
                  measured / reading->forward_ratio, f.gain, f.module,
                  reading->forward_ratio > 1.0 ? " (beyond it the units saturate)" : "")
            : std::string();
    finding.effect = compounding(reading->forward_ratio, chain, baseline);
    if (f.normalized) {
      finding.effect = fmt::format(
          "{}activation std multiplied by {:.2f} at this layer, but the {} after it rescales the "
          "activations, so the factor does not compound (it still sets this layer's effective learning rate)",
          baseline, reading->forward_ratio, fmt::join(f.skipped, ", "));
    }
  }
  finding.fix = fmt::format("{}={}", path_pattern(layer.path, "weight"), recommendation.expression);
  finding.reason = scale_reason(layer);
  finding.numbers = {.measured_std = measured,
                     .expected_std = recommendation.expected_std,
                     .ratio = r,
                     .end_to_end = f.normalized ? std::numeric_limits<double>::quiet_NaN() : predicted,
                     .compounding_layers = chain.layers};
  std::vector<std::pair<std::string, double>>& values = finding.numbers.values;
  values = {{"fan_in", static_cast<double>(fans.fan_in)}, {"fan_out", static_cast<double>(fans.fan_out)}};
  if (!output) {
    if (saturating) {
      values.emplace_back("variance_keeping_std", measured / reading->forward_ratio);
      values.emplace_back("gain", f.gain);
    }
    const double per_layer = reading->forward_ratio;
    values.emplace_back("factor_per_layer", per_layer);
    if (!f.normalized) {
      values.emplace_back("variance_per_layer", per_layer * per_layer);
      values.emplace_back("after_10_layers", std::pow(per_layer, 10));
    }
  }
  out.push_back(std::move(finding));
}

// A layer LSUV scaled but left outside its tolerance (its bias dominates the output, or it ran out of
// iterations).
void check_lsuv(const LayerInfo& layer, std::span<const LsuvLayer> lsuv, std::vector<Finding>& out) {
  if (!layer.module->has_parameter("weight")) return;
  const LsuvLayer* scaled = scaled_by_lsuv(lsuv, parameter_path(layer.path, "weight"));
  if (!scaled || scaled->converged) return;
  Finding finding;
  finding.severity = Severity::warning;
  finding.check = "lsuv";
  finding.path = scaled->parameter;
  finding.message = fmt::format(
      "LSUV did not bring this layer to its target: its output std went from {:.4g} to {:.4g} in {} "
      "division(s)",
      scaled->initial_std, scaled->final_std, scaled->iterations);
  finding.numbers.values = {{"initial_std", scaled->initial_std},
                            {"final_std", scaled->final_std},
                            {"iterations", static_cast<double>(scaled->iterations)}};
  finding.effect =
      "this layer's output scale is off the target on the batch; the layers after it were measured with it, "
      "so the error does not compound, but this layer's effective learning rate differs";
  if (const auto recommendation = recommend(layer, "weight", layer.module->parameter("weight")))
    finding.fix = fmt::format("{}={}", path_pattern(layer.path, "weight"), recommendation->expression);
  finding.reason =
      "LSUV (Mishkin and Matas 2015) divides each weight by its layer's output std until that std is the "
      "target; a bias that dominates the output, or too few iterations, stops it short.";
  out.push_back(std::move(finding));
}

void check_bias(const LayerInfo& layer, std::vector<Finding>& out) {
  if (layer.role != LayerRole::hidden && layer.role != LayerRole::output &&
      layer.role != LayerRole::attention)
    return;
  for (const std::string_view name : {"bias", "in_proj_bias"}) {
    if (!layer.module->has_parameter(name)) continue;
    const Tensor& b = layer.module->parameter(name);
    if (!b.defined() || b.numel() == 0) continue;
    const TensorStatistics s = statistics(b);
    if (s.non_finite > 0 || (s.min == 0.0 && s.max == 0.0)) continue;
    Finding finding;
    finding.check = "bias";
    finding.path = parameter_path(layer.path, name);
    finding.severity = Severity::info;
    const double bias_rms = rms(s);
    std::string source;
    double preactivation = 0.0;
    if (name == "bias" && layer.module->has_parameter("weight") &&
        layer.module->parameter("weight").dim() >= 2) {
      const Tensor& w = layer.module->parameter("weight");
      const init::Fans fans = init::calculate_fan_in_and_fan_out(w);
      preactivation = rms(statistics(w)) * std::sqrt(static_cast<double>(fans.fan_in));
      const double bound = 1.0 / std::sqrt(static_cast<double>(fans.fan_in));
      // U(-bound, bound) has std bound/sqrt(3); a sample std of n draws is within 3/sqrt(2n) of it,
      // relatively.
      const double tolerance = std::max(0.2, 3.0 / std::sqrt(2.0 * static_cast<double>(s.count)));
      if (s.min >= -bound && s.max <= bound &&
          std::fabs(s.std / (bound / std::sqrt(3.0)) - 1.0) < tolerance) {
        source = "; it looks like PyTorch's default U(+-1/sqrt(fan_in))";
      }
    }
    finding.message = fmt::format("{} is not zero: mean {:.3g}, std {:.3g}, range [{:.3g}, {:.3g}]{}",
                                  finding.path, s.mean, s.std, s.min, s.max, source);
    finding.numbers.values = {
        {"mean", s.mean}, {"std", s.std}, {"min", s.min}, {"max", s.max}, {"rms", bias_rms}};
    if (preactivation > 0.0) {
      const double share = bias_rms * bias_rms / (bias_rms * bias_rms + preactivation * preactivation);
      if (bias_rms > 0.5 * preactivation) finding.severity = Severity::warning;
      finding.effect = fmt::format(
          "bias RMS {:.3g} against a pre-activation std of {:.3g} from the weights "
          "(unit-variance inputs): {:.1f}% of the pre-activation variance is a fixed offset",
          bias_rms, preactivation, 100.0 * share);
      finding.numbers.values.emplace_back("preactivation_std", preactivation);
      finding.numbers.values.emplace_back("offset_share", share);
    } else {
      finding.effect = fmt::format("bias RMS {:.3g}: a fixed offset per unit", bias_rms);
    }
    finding.fix = fmt::format("{}=zeros_()", path_pattern(layer.path, name));
    finding.reason = layer.in_transformer
                         ? "Transformers start their biases at 0 (GPT-2, BERT; PyTorch does for attention)."
                         : "Ordinary biases start at 0: the random weights already break the symmetry, and a "
                           "random bias only adds a fixed offset per unit.";
    out.push_back(std::move(finding));
  }
}

void check_normalization(const LayerInfo& layer, std::vector<Finding>& out) {
  if (layer.role != LayerRole::normalization) return;
  for (const auto& [name, target] : {std::pair<std::string_view, double>{"weight", 1.0}, {"bias", 0.0}}) {
    if (!layer.module->has_parameter(name)) continue;
    const Tensor& p = layer.module->parameter(name);
    if (!p.defined() || p.numel() == 0) continue;
    const TensorStatistics s = statistics(p);
    if (s.non_finite == 0 && s.min == target && s.max == target) continue;
    Finding finding;
    finding.check = "normalization";
    finding.severity = Severity::warning;
    finding.path = parameter_path(layer.path, name);
    const bool scale = target == 1.0;
    finding.message =
        fmt::format("{} ({} {}) is not {}: mean {:.3g}, range [{:.3g}, {:.3g}]", finding.path, layer.type,
                    scale ? "scale" : "shift", scale ? "1" : "0", s.mean, s.min, s.max);
    finding.numbers.values = {
        {"mean", s.mean}, {"std", s.std}, {"min", s.min}, {"max", s.max}, {"target", target}};
    if (scale && s.min == 0.0 && s.max == 0.0) {
      finding.effect =
          "a zero scale makes the layer output its shift alone and stops every gradient through it "
          "(deliberate only as the zero-gamma of a residual block's last norm, Goyal et al. 2017)";
    } else if (scale) {
      finding.effect = fmt::format(
          "normalised activations multiplied by {:.3g} on average (std {:.3g} across "
          "features) instead of 1",
          s.mean, s.std);
    } else {
      finding.effect = fmt::format(
          "normalised activations shifted by {:.3g} on average (std {:.3g}) instead of 0", s.mean, s.std);
    }
    finding.fix = fmt::format("{}={}", path_pattern(layer.path, name), scale ? "ones_()" : "zeros_()");
    finding.reason =
        "Normalisation layers start as the identity on normalised activations: scale 1, shift 0.";
    out.push_back(std::move(finding));
  }
}

void check_non_finite(nn::Module& model, std::vector<Finding>& out) {
  for (const NamedTensor& p : model.named_parameters()) {
    if (!p.tensor.defined() || !is_floating_point(p.tensor.dtype())) continue;
    const TensorStatistics s = statistics(p.tensor);
    if (s.non_finite == 0) continue;
    out.push_back(
        {Severity::error, "non_finite", p.name,
         fmt::format("{} holds {} NaN or infinite values", p.name, s.non_finite),
         "every activation downstream becomes NaN on the first forward pass",
         fmt::format("{}=zeros_()", path_pattern("", p.name)),
         "An initialisation must be finite; the fix shown only clears it, choose the scheme the other "
         "findings name."});
    out.back().numbers.values = {{"non_finite_values", static_cast<double>(s.non_finite)}};
  }
}

std::size_t layer_order(const Architecture& architecture, const std::string& path) {
  std::size_t best = architecture.layers.size();
  std::size_t best_length = 0;
  for (std::size_t i = 0; i < architecture.layers.size(); ++i) {
    const std::string& layer = architecture.layers[i].path;
    const bool prefix = layer.empty() || path == layer || path.starts_with(layer + ".");
    if (prefix && (best == architecture.layers.size() || layer.size() >= best_length)) {
      best = i;
      best_length = layer.size();
    }
  }
  return best;
}

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> parts;
  std::size_t begin = 0;
  while (true) {
    const std::size_t dot = path.find('.', begin);
    parts.emplace_back(
        path.substr(begin, dot == std::string_view::npos ? std::string_view::npos : dot - begin));
    if (dot == std::string_view::npos) return parts;
    begin = dot + 1;
  }
}

// A glob that names exactly `members` among `names`, or "" when none of the forms tried does: the
// differing components as '*' ("layers.*.linear1.weight"), the common tail after them ("*.linear1.weight"),
// or one differing single-character component as a class ("[02].weight").
std::string glob_for(const std::vector<std::string>& members, std::span<const std::string> names) {
  std::vector<std::vector<std::string>> split;
  for (const std::string& m : members) split.push_back(split_path(m));
  const std::size_t size = split.front().size();
  std::vector<bool> differs(size, false);
  for (const auto& parts : split) {
    if (parts.size() != size) return "";
    for (std::size_t i = 0; i < size; ++i) differs[i] = differs[i] || parts[i] != split.front()[i];
  }
  const auto last_differing = static_cast<std::size_t>(
      std::distance(differs.begin(), std::find(differs.rbegin(), differs.rend(), true).base()) - 1);
  std::vector<std::string> candidates;
  std::string starred, tail = "*", classed;
  for (std::size_t i = 0; i < size; ++i) {
    starred += (i ? "." : "") + (differs[i] ? std::string("*") : split.front()[i]);
    if (i > last_differing) tail += "." + split.front()[i];
  }
  candidates.push_back(starred);
  if (tail != "*") candidates.push_back(tail);
  if (std::count(differs.begin(), differs.end(), true) == 1) {
    std::string chars;
    for (const auto& parts : split) {
      if (parts[last_differing].size() != 1) {
        chars.clear();
        break;
      }
      if (chars.find(parts[last_differing]) == std::string::npos) chars += parts[last_differing];
    }
    if (!chars.empty()) {
      std::sort(chars.begin(), chars.end());
      for (std::size_t i = 0; i < size; ++i)
        classed += (i ? "." : "") + (differs[i] ? "[" + chars + "]" : split.front()[i]);
      candidates.push_back(classed);
    }
  }
  for (const std::string& candidate : candidates) {
    const bool exact = std::all_of(names.begin(), names.end(), [&](const std::string& name) {
      const bool member = std::find(members.begin(), members.end(), name) != members.end();
      return expr::glob_match(candidate, name) == member;
    });
    if (exact) return path_pattern("", candidate);
  }
  return "";
}

}  // namespace

std::vector<Finding> group_findings(std::span<const Finding> findings,
                                    std::span<const std::string> parameter_names) {
  const auto is_parameter = [&](const std::string& path) {
    return std::find(parameter_names.begin(), parameter_names.end(), path) != parameter_names.end();
  };
  const auto expression = [](const Finding& f) { return f.fix.substr(f.fix.find('=') + 1); };
  // The path with its numeric components (layer indices) starred: the same role in another layer.
  const auto role = [](const std::string& path) {
    std::vector<std::string> parts = split_path(path);
    for (std::string& part : parts) {
      if (!part.empty() && std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; }))
        part = "*";
    }
    return fmt::format("{}", fmt::join(parts, "."));
  };
  std::vector<Finding> out;
  std::vector<bool> done(findings.size(), false);
  for (std::size_t i = 0; i < findings.size(); ++i) {
    if (done[i]) continue;
    const Finding& first = findings[i];
    std::vector<std::size_t> group = {i};
    if (is_parameter(first.path) && first.fix.find('=') != std::string::npos) {
      for (std::size_t j = i + 1; j < findings.size(); ++j) {
        const Finding& f = findings[j];
        if (!done[j] && f.check == first.check && f.severity == first.severity && is_parameter(f.path) &&
            f.fix.find('=') != std::string::npos && expression(f) == expression(first) &&
            role(f.path) == role(first.path))
          group.push_back(j);
      }
    }
    std::vector<std::string> members;
    for (std::size_t k : group) members.push_back(findings[k].path);
    const std::string glob = group.size() > 1 ? glob_for(members, parameter_names) : std::string();
    if (glob.empty()) {
      done[i] = true;
      out.push_back(first);
      continue;
    }
    for (std::size_t k : group) done[k] = true;
    Finding grouped = first;
    grouped.path = glob;
    grouped.fix = fmt::format("{}={}", glob, expression(first));
    grouped.covers = std::move(members);
    out.push_back(std::move(grouped));
  }
  return out;
}

std::string_view severity_name(Severity severity) {
  switch (severity) {
    case Severity::info: return "info";
    case Severity::warning: return "warning";
    case Severity::error: return "error";
  }
  return "?";
}

std::vector<Finding> check_initialization(nn::Module& model, const LintOptions& options) {
  const Architecture architecture = analyze_architecture(model, options.forward);
  std::vector<Finding> findings;
  check_non_finite(model, findings);
  check_symmetry(model, architecture, findings);
  const EndToEnd chain = end_to_end(architecture, options.lsuv);
  for (const LayerInfo& layer : architecture.layers) {
    check_scale(layer, chain, options.lsuv, findings);
    check_lsuv(layer, options.lsuv, findings);
    check_bias(layer, findings);
    check_normalization(layer, findings);
    check_recurrent(layer, findings);
    check_transformer(architecture, layer, findings);
  }
  // Model order first, then the order the checks ran in.
  std::stable_sort(findings.begin(), findings.end(), [&](const Finding& a, const Finding& b) {
    return layer_order(architecture, a.path) < layer_order(architecture, b.path);
  });
  return findings;
}

bool has_errors(std::span<const Finding> findings) {
  return count(findings, Severity::error) > 0;
}

std::size_t count(std::span<const Finding> findings, Severity severity) {
  return static_cast<std::size_t>(std::count_if(findings.begin(), findings.end(),
                                                [&](const Finding& f) { return f.severity == severity; }));
}

std::vector<Finding> grouped_findings(nn::Module& model, const LintOptions& options) {
  std::vector<std::string> names;
  for (const NamedTensor& p : model.named_parameters()) names.push_back(p.name);
  return group_findings(check_initialization(model, options), names);
}

}  // namespace nninit::diag
