// The lint: an initialisation judged against the architecture, by the matching rules (auto_preset.h). It
// reads the parameters as they are (after PyTorch's defaults, --init rules or a preset) and the structure
// (architecture.h); it runs no forward pass.
//
// The findings are plain values (nothing points into the model). Each one's `fix` is a rule:
//
//   const std::vector<Finding> findings = check_initialization(*model);
//   std::fputs(report::format_findings(findings).c_str(), stdout);  // the terminal view (report/text.h)
//   std::vector<expr::Rule> fixes;
//   for (const Finding& f : findings) if (!f.fix.empty()) fixes.push_back(expr::parse_rule(f.fix));
//   if (!fixes.empty()) expr::apply_rules(*model, fixes, generator);
//
// Checks, each finding with where, what, the expected effect in numbers, a rule that fixes it and why:
//   scale       a Linear/Bilinear/conv weight's RMS against the std of the scheme the `auto` preset picks
//               for the nonlinearity that follows (auto_preset.h). r = measured / ideal multiplies the
//               activation std per layer (the variance by r^2), and compounds as r^L over L such layers.
//   scheme      the measured std recognised as a known scheme (PyTorch's default, Kaiming, Xavier, LeCun,
//               N(0, 0.02)), and Kaiming's ReLU gain on a tanh or sigmoid layer named as such.
//   symmetry    zero, constant or identical hidden units (symmetry.h).
//   bias        ordinary biases that are not 0.
//   normalization  scales that are not 1, shifts that are not 0.
//   forget_gate LSTM forget-gate biases below 0.5 (bias_ih + bias_hh, averaged).
//   recurrent   recurrent weights that are not orthogonal.
//   transformer weights of attention and Transformer* layers (and embeddings beside them) outside
//               [0.01, 0.04], i.e. more than a factor 2 from GPT-2's and BERT's 0.02; the weights that end
//               a residual branch (out_proj, linear2) down to half GPT-2's 0.02/sqrt(N), N the number of
//               such layers (GPT-2's 2 n_layer).
//   non_finite  NaN or infinite values.
//   lsuv        a layer LSUV scaled (LintOptions) but left outside its tolerance; such layers skip `scale`
//               and `scheme`.
//
// Severity of `scale` (docs/diagnostics.md gives the reasoning), from the effect on this model rather than
// the per-layer factor alone. The compounding layers are the hidden Linear/Bilinear/conv layers outside
// transformers whose output reaches the next layer without a normalisation in between; the end-to-end
// factor F is the product of their factors on the forward signal, measured / (gain / sqrt(fan_in)) (r
// itself, except before tanh and sigmoid, whose matching Xavier is not the variance-keeping std); one too
// large and one too small cancel, as they do in the forward pass. With f = max(r, 1/r) and max(F, 1/F):
//   f <= 1.3            no finding. 1.3 covers the spread between reasonable choices (sqrt(2) against the
//                       exact gains of GELU or SiLU is at most 1.23).
//   max(F, 1/F) >= 10   error: the model's signal ends an order of magnitude off (Xavier before ReLU in a
//                       9-layer stack: 0.71^8 = 0.063).
//   otherwise           warning (PyTorch's default in the 3-layer ReLU MLP: 0.41^2 = 0.17).
// An output layer that starts too large is judged by F r; one that starts too small is info (small initial
// logits are harmless; some zero the last layer on purpose). A layer followed by a normalisation layer does
// not compound (the normalisation rescales the activations; the factor still sets the layer's effective
// learning rate): info when its std is no known scheme, nothing when it is one (torchvision's
// kaiming_normal_(mode='fan_out') before BatchNorm, PyTorch's default).
// Errors also: symmetric hidden units that stay identical, all-zero hidden weights, non-finite values.
// The transformer, bias (unless it dominates the pre-activation), forget-gate and recurrent checks are
// info; normalization is a warning (a zero scale can be deliberate: Goyal et al. 2017's zero-gamma).
#pragma once

#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nninit/diag/architecture.h"
#include "nninit/diag/lsuv.h"
#include "nninit/nn/module.h"

namespace nninit::diag {

enum class Severity { info, warning, error };

std::string_view severity_name(Severity severity);  // "info", "warning", "error"

// The numbers a finding states, as numbers (--json): five fixed ones (NaN, 0 layers, where a finding states
// none), and every other number its message and effect state in `values`, by name. The names per check:
//   scale, scheme  fan_in, fan_out; hidden layers also factor_per_layer (the factor on the activation std),
//                  variance_per_layer, after_10_layers; before tanh or sigmoid variance_keeping_std, gain
//   lsuv           initial_std, final_std, iterations
//   bias           mean, std, min, max, rms; after a weight also preactivation_std, offset_share (a
//                  fraction: the share of the pre-activation variance the bias is)
//   normalization  mean, std, min, max, target
//   forget_gate    forget_bias (bias_ih + bias_hh, averaged), forget_gate (its sigmoid), kept_after_10_steps
//   recurrent      mean_column_norm
//   transformer    lecun_std; residual projections also residual_std, residual_ratio, residual_branches
//   symmetry       units, distinct_units, copied_units; constant (constant weights); groups and
//                  units_in_groups (when several groups)
//   non_finite     non_finite_values
struct FindingNumbers {
  double measured_std = std::numeric_limits<double>::quiet_NaN();  // the weight's RMS
  double expected_std = std::numeric_limits<double>::quiet_NaN();  // the matching scheme's std, or 0.02
  double ratio = std::numeric_limits<double>::quiet_NaN();         // measured_std / expected_std
  // The predicted end-to-end factor over the model's compounding layers, and how many there are.
  double end_to_end = std::numeric_limits<double>::quiet_NaN();
  int compounding_layers = 0;
  std::vector<std::pair<std::string, double>> values{};  // in the order the text states them
};

struct Finding {
  Severity severity = Severity::info;
  std::string check{};  // "scale", "scheme", "symmetry", "bias", "normalization", "forget_gate", ...
  std::string
      path{};  // the parameter ("0.weight") or module ("lstm"; the type, "LSTM", for the model itself)
  std::string message{};  // what
  std::string effect{};   // the expected effect, in numbers
  std::string fix{};      // a PATTERN=EXPR rule that fixes it (expr::parse_rule accepts it)
  std::string reason{};   // the rule behind it, in one sentence
  FindingNumbers numbers{};
  // A grouped finding (group_findings): the parameters it stands for, `path` being the glob that names
  // them; empty for a finding on one parameter or module.
  std::vector<std::string> covers{};
};

// What the lint is told beyond the parameters themselves.
struct LintOptions {
  // The layers LSUV scaled on a batch (LsuvReport::layers). Their weights' scale was measured on data, not
  // derived from fan-in: LSUV sets each pre-activation to unit std, where Kaiming or Xavier keep the second
  // moment of the activations, so the two differ by a constant (0.71 for a ReLU layer on unit inputs) that
  // does not compound, because every later layer is measured after the earlier ones were scaled. The scale
  // and scheme checks therefore skip these weights; a layer LSUV did not bring within its tolerance is a
  // warning (check "lsuv") instead.
  std::span<const LsuvLayer> lsuv{};
  // The leaf calls of a recorded forward pass (architecture.h): what follows each layer that ran is read
  // from them rather than from the module tree's registration order.
  std::span<const ForwardCall> forward{};
};

// Every finding, in the model's named_modules() order.
std::vector<Finding> check_initialization(nn::Module& model, const LintOptions& options = {});

// Findings of the same check, severity, fix expression and role (the path with its layer indices starred)
// on parameters that one glob names exactly (no other of `parameter_names`, the model's named_parameters(),
// matches it) become one finding: its path is that glob ("layers.*.linear1.weight", "[02].weight"), its
// fix one rule with it, its message and numbers the first member's, and `covers` lists the members.
// Findings no glob groups are kept as they are; the order is the first member's.
std::vector<Finding> group_findings(std::span<const Finding> findings,
                                    std::span<const std::string> parameter_names);

// The lint as `check`, `diagnose` and the Python package report it: check_initialization's findings grouped
// over the model's own parameter names.
std::vector<Finding> grouped_findings(nn::Module& model, const LintOptions& options = {});

bool has_errors(std::span<const Finding> findings);
std::size_t count(std::span<const Finding> findings, Severity severity);

}  // namespace nninit::diag
