#include "nninit/diag/lint_checks.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "nninit/core/tensor_statistics.h"
#include "nninit/diag/auto_preset.h"
#include "nninit/diag/symmetry.h"
#include "nninit/init/fan.h"
#include "nninit/nn/rnn.h"

namespace nninit::diag {
namespace {

double rms(const TensorStatistics& s) {
  return std::sqrt(s.mean * s.mean + s.std * s.std);
}

const Tensor* own(const nn::Module& m, std::string_view name) {
  if (!m.has_parameter(name)) return nullptr;
  const Tensor& t = m.parameter(name);
  return t.defined() && t.numel() > 0 ? &t : nullptr;
}

// Whether the first (up to 16) columns of rows [begin, begin + rows) of `w` are orthonormal.
bool orthonormal_columns(const Tensor& w, std::int64_t begin, std::int64_t rows, double* mean_norm) {
  const std::int64_t columns = std::min<std::int64_t>(w.size(1), 16);
  std::vector<std::vector<double>> c(static_cast<std::size_t>(columns));
  for (std::int64_t j = 0; j < columns; ++j) c[j] = w.narrow(0, begin, rows).select(1, j).to_doubles();
  bool ok = true;
  double norms = 0.0;
  for (std::int64_t a = 0; a < columns; ++a) {
    for (std::int64_t b = a; b < columns; ++b) {
      double dot = 0.0;
      for (std::size_t i = 0; i < c[a].size(); ++i) dot += c[a][i] * c[b][i];
      if (a == b) norms += std::sqrt(dot);
      if (std::fabs(dot - (a == b ? 1.0 : 0.0)) > 1e-3) ok = false;
    }
  }
  if (mean_norm != nullptr) *mean_norm = columns > 0 ? norms / static_cast<double>(columns) : 0.0;
  return ok;
}

int gate_count(const nn::Module& m) {
  if (const auto* rnn = dynamic_cast<const nn::RNNBase*>(&m)) {
    return rnn->options().mode == nn::RNNMode::lstm ? 4 : rnn->options().mode == nn::RNNMode::gru ? 3 : 1;
  }
  if (const auto* cell = dynamic_cast<const nn::RNNCellBase*>(&m))
    return static_cast<int>(cell->num_chunks());
  return 1;
}

}  // namespace

void check_symmetry(nn::Module& model, const Architecture& architecture, std::vector<Finding>& out) {
  for (const SymmetryFinding& s : find_symmetries(model, architecture)) {
    const LayerInfo* layer = architecture.find(s.layer);
    Finding f;
    f.check = "symmetry";
    f.path = s.parameter;
    f.message = s.message;
    const bool zero = s.kind == SymmetryKind::zero_weights;
    const bool gates = s.kind == SymmetryKind::identical_gate_blocks;
    f.severity = (zero || (s.stays_identical && !gates)) ? Severity::error : Severity::warning;
    std::int64_t copies = 0;
    for (const auto& g : s.groups) copies += static_cast<std::int64_t>(g.size()) - 1;
    const std::int64_t distinct = s.units - copies;
    if (gates) {
      f.effect =
          "the gates start with equal pre-activations; only their different roles in the cell separate them";
    } else if (s.dead) {
      f.effect = fmt::format("no gradient reaches {}: it stays zero, and the layer's output stays constant",
                             s.parameter);
    } else if (zero && !s.stays_identical && distinct == s.units) {
      f.effect = "the layer's output does not depend on its input until training moves the weights";
    } else if (s.stays_identical) {
      f.effect = fmt::format("the layer acts as {} distinct unit{} instead of {}, for the whole of training",
                             distinct, distinct == 1 ? "" : "s", s.units);
    } else {
      f.effect =
          fmt::format("{} unit{} start as copies: the layer begins with {} distinct features out of {}",
                      copies, copies == 1 ? "" : "s", distinct, s.units);
    }
    if (layer != nullptr && layer->role == LayerRole::recurrent) {
      f.fix = fmt::format("{}=orthogonal_()", path_pattern(layer->path, "weight_hh*"));
    } else if (layer != nullptr) {
      const auto r = recommend(*layer, "weight", layer->module->parameter("weight"));
      f.fix =
          fmt::format("{}={}", path_pattern(layer->path, "weight"), r ? r->expression : "xavier_uniform_()");
    }
    f.reason =
        "Hidden units that start identical receive identical gradients and stay identical: only random "
        "initial weights break the symmetry, so no hidden weights may start zero or equal.";
    f.numbers.values = {{"units", static_cast<double>(s.units)},
                        {"distinct_units", static_cast<double>(distinct)},
                        {"copied_units", static_cast<double>(copies)}};
    if (s.kind == SymmetryKind::constant_weights) f.numbers.values.emplace_back("constant", s.constant);
    if (s.groups.size() > 1) {
      f.numbers.values.emplace_back("groups", static_cast<double>(s.groups.size()));
      f.numbers.values.emplace_back("units_in_groups",
                                    static_cast<double>(copies) + static_cast<double>(s.groups.size()));
    }
    out.push_back(std::move(f));
  }
}

void check_recurrent(const LayerInfo& layer, std::vector<Finding>& out) {
  if (layer.role != LayerRole::recurrent) return;
  const nn::Module& m = *layer.module;
  const int gates = gate_count(m);
  const bool lstm = layer.type == "LSTM" || layer.type == "LSTMCell";
  double lowest_forget = INFINITY;
  bool orthogonal = true;
  double norm_sum = 0.0;
  int matrices = 0;
  for (const NamedTensor& p : m.own_parameters()) {
    if (!p.tensor.defined() || p.tensor.numel() == 0) continue;
    if (lstm && p.name.starts_with("bias_ih")) {
      const Tensor* hh = own(m, "bias_hh" + p.name.substr(7));
      const std::int64_t h = p.tensor.numel() / 4;
      double forget = statistics(p.tensor.narrow(0, h, h)).mean;
      if (hh != nullptr) forget += statistics(hh->narrow(0, h, h)).mean;
      lowest_forget = std::min(lowest_forget, forget);
    }
    if (p.name.starts_with("weight_hh") && p.tensor.dim() == 2) {
      const std::int64_t rows = p.tensor.size(0);
      const std::int64_t block = rows / gates;
      double norm = 0.0;
      bool ok = rows >= p.tensor.size(1) && orthonormal_columns(p.tensor, 0, rows, &norm);
      if (!ok && block >= p.tensor.size(1)) {
        ok = true;
        for (int g = 0; g < gates && ok; ++g) ok = orthonormal_columns(p.tensor, g * block, block, nullptr);
      }
      orthogonal = orthogonal && ok;
      norm_sum += norm;
      ++matrices;
    }
  }
  if (lstm && lowest_forget < 0.5) {
    const double open = 1.0 / (1.0 + std::exp(-lowest_forget));
    out.push_back(
        {Severity::info, "forget_gate", layer.path.empty() ? std::string(layer.type) : layer.path,
         fmt::format("{}: the forget gate's bias (bias_ih + bias_hh, rows H to 2H) averages {:.3g}{}",
                     layer.path.empty() ? layer.type : layer.path, lowest_forget,
                     lowest_forget <= 0.0 ? ", not positive" : ", below 0.5"),
         fmt::format("the forget gate starts at sigmoid({:.2g}) = {:.2f}: the cell state keeps {:.2f} of "
                     "itself per step, {:.2g} after 10 steps (with bias 1: 0.73 per step, 0.043 after 10)",
                     lowest_forget, open, open, std::pow(open, 10)),
         fmt::format("{}=forget_gate_bias_(1.0)", path_pattern(layer.path, "bias_*")),
         "LSTM forget-gate biases start positive: an open forget gate lets the cell state and its "
         "gradient survive long sequences (Gers et al. 2000; Jozefowicz et al. 2015 recommend 1)."});
    out.back().numbers.values = {
        {"forget_bias", lowest_forget}, {"forget_gate", open}, {"kept_after_10_steps", std::pow(open, 10)}};
  }
  if (matrices > 0 && !orthogonal) {
    out.push_back(
        {Severity::info, "recurrent", parameter_path(layer.path, "weight_hh*"),
         fmt::format(
             "{}: the recurrent weights are not orthogonal (their first columns have norm {:.3g} on average, "
             "1 in an orthogonal matrix)",
             parameter_path(layer.path, "weight_hh*"), norm_sum / matrices),
         "the hidden state is multiplied by weight_hh at every step, so singular values away from 1 grow or "
         "shrink "
         "its linear part geometrically over a sequence; an orthogonal matrix keeps its norm",
         fmt::format("{}=orthogonal_()", path_pattern(layer.path, "weight_hh*")),
         "Recurrent weights start orthogonal, every singular value 1 (Saxe et al. 2013), and input weights "
         "Xavier; "
         "the auto preset does both."});
    out.back().numbers.values = {{"mean_column_norm", norm_sum / matrices}};
  }
}

namespace {

// GPT-2 scales the weights of the layers that end a residual branch by 1/sqrt(N), N the number of residual
// additions (2 per block: attention and MLP), so that the residual stream's variance stays near its input's.
int residual_branches(const Architecture& architecture) {
  return static_cast<int>(std::count_if(architecture.layers.begin(), architecture.layers.end(),
                                        [](const LayerInfo& l) { return l.residual_branch_end; }));
}

}  // namespace

void check_transformer(const Architecture& architecture, const LayerInfo& layer, std::vector<Finding>& out) {
  const bool judged = layer.role == LayerRole::hidden || layer.role == LayerRole::output ||
                      layer.role == LayerRole::attention;
  if (!((layer.in_transformer && judged) ||
        (layer.role == LayerRole::embedding && architecture.has_attention))) {
    return;
  }
  const int branches = residual_branches(architecture);
  for (const std::string_view name :
       {"weight", "in_proj_weight", "q_proj_weight", "k_proj_weight", "v_proj_weight"}) {
    const Tensor* w = own(*layer.module, name);
    if (w == nullptr || w->dim() < 2) continue;
    const TensorStatistics s = statistics(*w);
    const double measured = rms(s);
    // Within a factor 2 of 0.02, or for a residual projection of 0.02 / sqrt(N) (GPT-2).
    const bool residual = layer.residual_branch_end && name == "weight" && branches > 0;
    const double scaled = residual ? 0.02 / std::sqrt(static_cast<double>(branches)) : 0.02;
    if (s.non_finite > 0 || measured == 0.0 || (measured >= 0.5 * scaled && measured <= 0.04)) continue;
    const init::Fans fans = init::calculate_fan_in_and_fan_out(*w);
    const std::string path = parameter_path(layer.path, name);
    const std::string gpt2 = residual ? fmt::format(" (or {:.2f}x GPT-2's residual 0.02/sqrt({}) = {:.3g})",
                                                    measured / scaled, branches, scaled)
                                      : std::string();
    out.push_back(
        {Severity::info, "transformer", path,
         fmt::format("{} std {:.3g} is {:.2f}x the 0.02 of GPT-2 and BERT{}", path, measured, measured / 0.02,
                     gpt2),
         fmt::format("{} start {:.2f}x the usual scale (LeCun's 1/sqrt(fan_in) would be {:.3g} at this "
                     "width; 0.02 is about 1/sqrt(3 * 768))",
                     layer.role == LayerRole::embedding ? "embeddings" : "projections", measured / 0.02,
                     1.0 / std::sqrt(static_cast<double>(std::max<std::int64_t>(fans.fan_in, 1)))),
         fmt::format("{}=normal_(std=0.02)", path_pattern(layer.path, name)),
         "Transformers start from a small normal, N(0, 0.02^2), for every linear and embedding weight "
         "(GPT-2, BERT), residual projections often scaled further by 1/sqrt(2 * layers) (GPT-2)."});
    out.back().numbers = {.measured_std = measured, .expected_std = 0.02, .ratio = measured / 0.02};
    out.back().numbers.values = {
        {"lecun_std", 1.0 / std::sqrt(static_cast<double>(std::max<std::int64_t>(fans.fan_in, 1)))}};
    if (residual) {
      out.back().numbers.values.insert(out.back().numbers.values.begin(),
                                       {{"residual_ratio", measured / scaled},
                                        {"residual_branches", static_cast<double>(branches)},
                                        {"residual_std", scaled}});
    }
  }
}

}  // namespace nninit::diag
