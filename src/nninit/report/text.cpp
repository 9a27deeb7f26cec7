#include "nninit/report/text.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace nninit::report {
namespace {

// Four significant digits; "-" where the value is undefined (the tables' empty cell).
std::string number(double v) {
  if (std::isnan(v)) return "-";
  return fmt::format("{:.4g}", v);
}

// Four significant digits; "nan" and "inf" spelled out (the probe's table, where they mean divergence).
std::string format_number(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  return fmt::format("{:.4g}", value);
}

}  // namespace

std::string budget_line(const diag::ProbeResult& result) {
  return fmt::format(
      "stopped early: the time budget of {:g} s allowed {} of the {} steps per candidate (the first step "
      "took "
      "{:.3g} s; about {:.3g} s in all)",
      result.options.budget_seconds, result.steps_per_candidate, result.options.steps,
      result.first_step_seconds, result.estimated_seconds);
}

std::string format_diagnosis(const diag::Diagnosis& d) {
  std::string out;
  std::string inputs;
  for (const Shape& s : d.input_shapes) inputs += (inputs.empty() ? "" : ", ") + shape_string(s);
  out += fmt::format("input {} (std {}), {} mode\n{}\n\n", inputs, number(d.input_std),
                     d.train ? "train" : "eval", d.gradient_note);

  std::size_t width = 5;
  for (const diag::LayerDiagnosis& l : d.layers)
    width = std::max(width, l.name.size() + 2 * static_cast<std::size_t>(std::max(0, l.depth - 1)));
  out += fmt::format("{:<{}}  {:<22} {:>10} {:>10} {:>10} {:>10} {:>6} {:>8}  {:>10} {:>8}\n", "layer", width,
                     "type", "mean", "std", "min", "max", "zeros", "ratio", "grad std", "ratio");
  for (const diag::LayerDiagnosis& l : d.layers) {
    const std::string indent(2 * static_cast<std::size_t>(std::max(0, l.depth - 1)), ' ');
    out +=
        fmt::format("{:<{}}  {:<22} {:>10} {:>10} {:>10} {:>10} {:>6} {:>8}  {:>10} {:>8}\n", indent + l.name,
                    width, l.type, number(l.output.mean), number(l.output.std), number(l.output.min),
                    number(l.output.max), fmt::format("{:.0f}%", 100.0 * l.output.zero_fraction),
                    number(l.std_ratio), number(l.input_grad_std), number(l.grad_ratio));
  }
  out +=
      "\n(ratio: output std over the layer's own input's; grad std: the gradient reaching the layer's "
      "input,\n"
      " ratio: over the gradient reaching its output)\n\n";

  std::size_t pwidth = 9;
  for (const diag::ParameterDiagnosis& p : d.parameters) pwidth = std::max(pwidth, p.name.size());
  out += fmt::format("{:<{}}  {:<16} {:>10} {:>10} {:>12}\n", "parameter", pwidth, "shape", "std", "grad std",
                     "grad/weight");
  for (const diag::ParameterDiagnosis& p : d.parameters) {
    out += fmt::format("{:<{}}  {:<16} {:>10} {:>10} {:>12}\n", p.name, pwidth, shape_string(p.shape),
                       number(p.value.std), number(p.grad.std), number(p.grad_to_weight));
  }

  for (const diag::RecurrentDiagnosis& r : d.recurrent) {
    const auto first_last = [](const std::vector<double>& v) {
      return v.empty() ? std::string("-") : fmt::format("{} -> {}", number(v.front()), number(v.back()));
    };
    out += fmt::format("\n{} ({}) layer {}{}: hidden std over {} steps {}, gradient std {}", r.name, r.type,
                       r.layer, r.direction == 1 ? " reverse" : "", r.hidden_std.size(),
                       first_last(r.hidden_std), first_last(r.grad_std));
  }
  if (!d.recurrent.empty()) out += "\n";

  out += "\n";
  for (const std::string& line : diag::signal_verdict(d))
    out += fmt::format("{}: {}\n", d.flags.empty() ? "signal" : "flag", line);
  if (!d.symmetries_checked) {
    out += "symmetry: not checked (it reads nninit's own module tree)\n";
  } else if (d.symmetries.empty()) {
    out += "symmetry: no hidden units start identical\n";
  }
  for (const diag::SymmetryFinding& s : d.symmetries) out += fmt::format("symmetry: {}\n", s.message);
  return out;
}

std::string format_findings(std::span<const diag::Finding> findings, const FindingsView& view) {
  std::string text;
  std::size_t hidden = 0;
  std::vector<std::string_view> reasons;  // printed once: findings of one kind share their reason
  for (const diag::Finding& f : findings) {
    if (f.severity < view.minimum) {
      ++hidden;
      continue;
    }
    text += fmt::format("{}: [{}] {}\n", diag::severity_name(f.severity), f.check, f.message);
    if (!f.covers.empty()) {
      text += fmt::format("    covers: {} parameters ({} ... {}); the numbers are the first's\n",
                          f.covers.size(), f.covers.front(), f.covers.back());
    }
    if (view.brief) continue;
    if (!f.effect.empty()) text += fmt::format("    effect: {}\n", f.effect);
    if (!f.fix.empty()) text += fmt::format("    fix:    --init \"{}\"\n", f.fix);
    if (!f.reason.empty() && std::find(reasons.begin(), reasons.end(), f.reason) == reasons.end()) {
      text += fmt::format("    why:    {}\n", f.reason);
      reasons.push_back(f.reason);
    }
  }
  text += fmt::format(
      "{} error(s), {} warning(s), {} note(s){}\n", diag::count(findings, diag::Severity::error),
      diag::count(findings, diag::Severity::warning), diag::count(findings, diag::Severity::info),
      hidden == 0 ? std::string()
                  : fmt::format(" ({} below {} not shown)", hidden, diag::severity_name(view.minimum)));
  return text;
}

std::string format_probe(const diag::ProbeResult& result) {
  const diag::ProbeOptions& o = result.options;
  std::string out = fmt::format("training probe: {}\n", result.data);
  out +=
      fmt::format("{} steps of {} (lr {}{}), batch {}, seed {}; chance loss {} ({})\n", o.steps,
                  o.optimizer == diag::Optimizer::sgd ? "SGD" : "Adam", format_number(o.learning_rate),
                  o.optimizer == diag::Optimizer::sgd ? fmt::format(", momentum {}", o.momentum) : "",
                  o.batch_size, o.seed, format_number(result.chance_loss),
                  result.task == diag::ProbeTask::classification ? "ln of the class count" : "predicting 0");
  if (result.cut_by_budget) out += budget_line(result) + "\n";
  const bool classification = result.task == diag::ProbeTask::classification;
  out += fmt::format("{:<18} {:>10} {:>10} {:>10} {:>10} {:>9} {:>10} {:>18}\n", "candidate", "loss start",
                     "loss end", "train", "held-out", classification ? "accuracy" : "", "identical",
                     "max |W| start/end");
  for (const diag::CandidateResult& c : result.candidates) {
    const std::string end =
        c.diverged_at
            ? fmt::format("diverged@{}", *c.diverged_at)
            : format_number(c.losses.empty() ? std::numeric_limits<double>::quiet_NaN() : c.losses.back());
    out += fmt::format(
        "{:<18} {:>10} {:>10} {:>10} {:>10} {:>9} {:>10} {:>18}\n", c.label, format_number(c.initial_loss),
        end, format_number(c.train_loss), format_number(c.held_out_loss),
        classification ? fmt::format("{:.1f}%", 100.0 * c.held_out_accuracy) : "",
        fmt::format("{}/{}", c.identical_units_initial, c.identical_units_final),
        fmt::format("{}/{}", format_number(c.max_abs_weight_initial), format_number(c.max_abs_weight_final)));
  }
  for (const std::string& verdict : diag::probe_verdicts(result)) out += fmt::format("- {}\n", verdict);
  return out;
}

std::string format_sweep(const diag::DepthSweep& sweep) {
  if (!sweep.block.empty()) {
    const int depth = sweep.options.depth;
    std::string text = fmt::format(
        "depth sweep of the model's block {}, {} copies on input {} (std after copies 1, {}, {}):\n",
        sweep.block, depth, shape_string(sweep.block_input), std::max(depth / 2, 1), depth);
    for (const diag::SweepScheme& s : sweep.schemes) {
      const auto row = [&](std::string_view what, const std::vector<double>& values) {
        const auto at = [&](std::size_t i) { return fmt::format("{:.3g}", values[i]); };
        return fmt::format("  {:<26} {:>10} {:>10} {:>10}\n", what, at(0),
                           at(std::max<std::size_t>(values.size() / 2, 1) - 1), at(values.size() - 1));
      };
      text += fmt::format("  {} ({}):\n", s.name, s.init);
      text += row("activation std", s.activation_std) + row("gradient std (block input)", s.gradient_std);
    }
    return text;
  }
  std::string text = fmt::format("depth sweep, {} layers of {} (activation std at layers 1, {}, {}):\n",
                                 sweep.options.depth, diag::sweep_activation_name(sweep.activation),
                                 sweep.options.depth / 2, sweep.options.depth);
  for (const diag::SweepScheme& s : sweep.schemes) {
    const auto at = [&](std::size_t i) { return fmt::format("{:.3g}", s.activation_std[i]); };
    text += fmt::format("  {:<26} {:>10} {:>10} {:>10}\n", s.name, at(0), at(s.activation_std.size() / 2 - 1),
                        at(s.activation_std.size() - 1));
  }
  return text;
}

std::string format_lsuv(const diag::LsuvReport& report) {
  std::string out = "LSUV (orthogonal start, then each layer's output scaled to std 1):\n";
  for (const diag::LsuvLayer& l : report.layers) {
    out += fmt::format("  {:<24} output std {:.4g} -> {:.4g} in {} division(s){}\n", l.parameter,
                       l.initial_std, l.final_std, l.iterations, l.converged ? "" : " (not converged)");
  }
  for (const diag::LsuvSkip& s : report.skipped)
    out += fmt::format("  {:<24} left as it is: {}\n", s.path, s.reason);
  return out;
}

}  // namespace nninit::report
