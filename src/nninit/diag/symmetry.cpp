#include "nninit/diag/symmetry.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <unordered_map>

#include <fmt/format.h>

#include "nninit/core/memory_order.h"
#include "nninit/core/tensor_statistics.h"
#include "nninit/nn/conv.h"
#include "nninit/nn/linear.h"
#include "nninit/nn/rnn.h"

namespace nninit::diag {
namespace {

void append_values(const Tensor& t, std::vector<double>& out) {
  if (!t.defined() || t.numel() == 0) return;
  dispatch_all(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* base = reinterpret_cast<const T*>(t.raw_data());
    for_each_logical_offset(t,
                            [&](std::int64_t offset) { out.push_back(static_cast<double>(base[offset])); });
  });
}

// -0 equals +0 and every NaN equals every NaN, so that equal-looking rows compare equal.
std::uint64_t canonical_bits(double x) {
  if (x == 0.0) return 0;
  if (std::isnan(x)) return 0x7ff8000000000000ULL;
  return std::bit_cast<std::uint64_t>(x);
}

std::uint64_t hash_values(const std::vector<double>& values) {
  std::uint64_t h = 0x9e3779b97f4a7c15ULL ^ values.size();
  for (double x : values) {
    h ^= canonical_bits(x);
    // splitmix64's finaliser
    h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
    h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
    h ^= h >> 31;
  }
  return h;
}

bool equal_values(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (canonical_bits(a[i]) != canonical_bits(b[i])) return false;
  }
  return true;
}

// "3 and 17", "3, 17 and 40", "3, 17, 40, ... (12 in all)".
std::string list_indices(const std::vector<std::int64_t>& group) {
  std::string s;
  const std::size_t shown = std::min<std::size_t>(group.size(), 4);
  for (std::size_t i = 0; i < shown; ++i) {
    if (i > 0) s += (i + 1 == group.size()) ? " and " : ", ";
    s += std::to_string(group[i]);
  }
  if (shown < group.size()) s += fmt::format(", ... ({} in all)", group.size());
  return s;
}

using Values = std::function<void(std::int64_t, std::vector<double>&)>;

// How one layer's hidden units are laid out in its parameters.
struct UnitLayout {
  std::string parameter;     // the path named in messages
  std::string noun;          // "rows", "output filters", "units"
  std::string weights_name;  // what "is all zeros" names: the parameter, or "x.weight_ih_l0 and weight_hh_l0"
  std::int64_t units = 0;
  Values incoming;              // a unit's incoming weights and bias
  Values outgoing;              // its outgoing weights; empty when unknown
  std::vector<Tensor> weights;  // what "all zeros" / "constant" is about
  Tensor bias;
};

const Tensor* own(const nn::Module& m, std::string_view name) {
  if (!m.has_parameter(name)) return nullptr;
  const Tensor& t = m.parameter(name);
  return t.defined() ? &t : nullptr;
}

// The slice of `consumer`'s weight that reads unit u of a layer with `units` outputs.
Values outgoing_of(const nn::Module* consumer, std::int64_t units, bool after_flatten) {
  const Tensor* w = consumer == nullptr ? nullptr : own(*consumer, "weight");
  if (w == nullptr || w->dim() < 2) return {};
  const Tensor weight = *w;
  if (consumer->is_instance("Linear")) {
    const std::int64_t in = weight.size(1);
    if (in == units)
      return [weight](std::int64_t u, std::vector<double>& out) { append_values(weight.select(1, u), out); };
    if (after_flatten && units > 0 && in % units == 0) {
      const std::int64_t block = in / units;
      return [weight, block](std::int64_t u, std::vector<double>& out) {
        append_values(weight.narrow(1, u * block, block), out);
      };
    }
    return {};
  }
  const auto* conv = dynamic_cast<const nn::ConvNd*>(consumer);
  if (conv == nullptr || conv->options().groups != 1 || conv->options().in_channels != units) return {};
  const int dim = conv->options().transposed ? 0 : 1;
  return
      [weight, dim](std::int64_t u, std::vector<double>& out) { append_values(weight.select(dim, u), out); };
}

std::optional<UnitLayout> layout_of(const LayerInfo& layer, const Architecture& architecture) {
  const nn::Module& m = *layer.module;
  const Tensor* w = own(m, "weight");
  if (w == nullptr || w->dim() < 2) return std::nullopt;
  UnitLayout layout;
  layout.parameter = parameter_path(layer.path, "weight");
  layout.weights_name = layout.parameter;
  layout.weights = {*w};
  if (const Tensor* b = own(m, "bias")) layout.bias = *b;
  const Tensor weight = *w;
  const Tensor bias = layout.bias;
  const auto* conv = dynamic_cast<const nn::ConvNd*>(&m);
  if (conv != nullptr && conv->options().transposed) {
    const std::int64_t groups = conv->options().groups;
    const std::int64_t per_group_out = weight.size(1);
    const std::int64_t per_group_in = weight.size(0) / groups;
    layout.units = per_group_out * groups;
    layout.noun = "output filters";
    layout.incoming = [=](std::int64_t u, std::vector<double>& out) {
      const std::int64_t g = u / per_group_out;
      out.push_back(static_cast<double>(g));
      append_values(weight.narrow(0, g * per_group_in, per_group_in).select(1, u % per_group_out), out);
      if (bias.defined()) out.push_back(bias.at({u}));
    };
  } else {
    const std::int64_t groups = conv != nullptr ? conv->options().groups : 1;
    const std::int64_t per_group_out = weight.size(0) / std::max<std::int64_t>(groups, 1);
    layout.units = weight.size(0);
    layout.noun = conv != nullptr ? "output filters" : "rows";
    layout.incoming = [=](std::int64_t u, std::vector<double>& out) {
      if (groups > 1) out.push_back(static_cast<double>(u / per_group_out));
      append_values(weight.select(0, u), out);
      if (bias.defined()) out.push_back(bias.at({u}));
    };
  }
  if (!layer.consumer.empty()) {
    const LayerInfo* consumer = architecture.find(layer.consumer);
    layout.outgoing =
        outgoing_of(consumer ? consumer->module : nullptr, layout.units, layer.consumer_after_flatten);
  }
  return layout;
}

bool all_zero(const Tensor& t) {
  const TensorStatistics s = statistics(t);
  return s.count > 0 && s.non_finite == 0 && s.min == 0.0 && s.max == 0.0;
}

bool all_constant(const Tensor& t) {
  const TensorStatistics s = statistics(t);
  return s.count > 0 && s.non_finite == 0 && s.min == s.max;
}

void report_units(const UnitLayout& layout, const LayerInfo& layer, std::vector<SymmetryFinding>& out) {
  const auto groups = identical_units(layout.units, layout.incoming);
  const bool zero = std::all_of(layout.weights.begin(), layout.weights.end(), all_zero);
  if (groups.empty() && !zero) return;
  // Split each group by the outgoing weights: units whose outgoing weights agree stay tied for ever.
  std::vector<std::vector<std::int64_t>> tied;
  for (const auto& group : groups) {
    if (!layout.outgoing) {
      tied.push_back(group);
      continue;
    }
    const auto parts =
        identical_units(static_cast<std::int64_t>(group.size()),
                        [&](std::int64_t i, std::vector<double>& v) { layout.outgoing(group[i], v); });
    for (const auto& part : parts) {
      std::vector<std::int64_t> units;
      for (std::int64_t i : part) units.push_back(group[i]);
      tied.push_back(std::move(units));
    }
  }
  SymmetryFinding f;
  f.layer = layer.path;
  f.parameter = layout.parameter;
  f.units = layout.units;
  f.stays_identical = !tied.empty();
  f.groups = f.stays_identical ? tied : groups;
  const bool whole = groups.size() == 1 && static_cast<std::int64_t>(groups[0].size()) == layout.units;
  const std::string hidden = fmt::format("{} hidden units", layout.units);
  std::string what;
  if (zero) {
    f.kind = SymmetryKind::zero_weights;
    f.dead = whole && layer.following.kind == NonlinearityKind::relu && !layer.following.normalized &&
             (!layout.bias.defined() || all_zero(layout.bias));
    what = fmt::format("{} {} all zeros: its {}", layout.weights_name,
                       layout.weights.size() > 1 ? "are" : "is", hidden);
  } else if (whole && std::all_of(layout.weights.begin(), layout.weights.end(), all_constant)) {
    f.kind = SymmetryKind::constant_weights;
    f.constant = statistics(layout.weights[0]).mean;
    what = fmt::format("{} {} constant ({:.6g}): its {}", layout.weights_name,
                       layout.weights.size() > 1 ? "are" : "is", f.constant, hidden);
  } else if (groups.size() == 1) {
    what = fmt::format("{} {} {} are identical{}", layout.parameter, layout.noun, list_indices(groups[0]),
                       layout.bias.defined() ? " (biases too)" : "");
  } else {
    std::size_t members = 0;
    for (const auto& g : groups) members += g.size();
    what =
        fmt::format("{} has {} groups of identical {} ({} of its {} units), e.g. {} {}", layout.parameter,
                    groups.size(), layout.noun, members, layout.units, layout.noun, list_indices(groups[0]));
  }
  const std::string subject = f.kind == SymmetryKind::identical_units ? ": these units" : "";
  if (zero && !whole) {
    f.stays_identical = false;
    f.message = fmt::format("{} ignore the input: each outputs a constant set by its bias", what);
  } else if (f.dead) {
    f.message = fmt::format(
        "{} output {}(0) = 0 for every input and receive no gradient ({}'(0) = 0): they stay "
        "zero and identical",
        what, layer.following.module, layer.following.module);
  } else if (f.stays_identical) {
    f.message = fmt::format("{}{} receive identical gradients and stay identical", what, subject);
  } else {
    f.message = fmt::format(
        "{}{} compute the same function; only their outgoing weights ({}.weight) tell them "
        "apart, so they separate slowly",
        what, subject, layer.consumer);
  }
  out.push_back(std::move(f));
}

int gate_count(const nn::Module& m) {
  if (const auto* rnn = dynamic_cast<const nn::RNNBase*>(&m)) {
    switch (rnn->options().mode) {
      case nn::RNNMode::lstm: return 4;
      case nn::RNNMode::gru: return 3;
      default: return 1;
    }
  }
  if (const auto* cell = dynamic_cast<const nn::RNNCellBase*>(&m))
    return static_cast<int>(cell->num_chunks());
  return 0;
}

void report_recurrent(const LayerInfo& layer, std::vector<SymmetryFinding>& out) {
  const nn::Module& m = *layer.module;
  const int gates = gate_count(m);
  if (gates == 0) return;
  static constexpr std::string_view lstm_gates[] = {"input", "forget", "cell", "output"};
  static constexpr std::string_view gru_gates[] = {"reset", "update", "new"};
  const auto* rnn = dynamic_cast<const nn::RNNBase*>(&m);
  const std::int64_t layers = rnn ? rnn->options().num_layers : 1;
  const std::int64_t directions = rnn && rnn->options().bidirectional ? 2 : 1;
  const bool projected = rnn && rnn->options().proj_size > 0;
  for (std::int64_t l = 0; l < layers; ++l) {
    for (std::int64_t d = 0; d < directions; ++d) {
      const std::string suffix = rnn ? fmt::format("_l{}{}", l, d == 1 ? "_reverse" : "") : "";
      const Tensor* ih = own(m, "weight_ih" + suffix);
      const Tensor* hh = own(m, "weight_hh" + suffix);
      if (ih == nullptr || hh == nullptr) continue;
      const Tensor w_ih = *ih;
      const Tensor w_hh = *hh;
      const Tensor* bih = own(m, "bias_ih" + suffix);
      const Tensor* bhh = own(m, "bias_hh" + suffix);
      const Tensor b_ih = bih ? *bih : Tensor();
      const Tensor b_hh = bhh ? *bhh : Tensor();
      const std::int64_t hidden = w_ih.size(0) / gates;
      // Gate g of unit u: row g * hidden + u of each weight and bias.
      const auto gate_rows = [=](std::int64_t g, std::int64_t u, std::vector<double>& v) {
        append_values(w_ih.select(0, g * hidden + u), v);
        append_values(w_hh.select(0, g * hidden + u), v);
        if (b_ih.defined()) v.push_back(b_ih.at({g * hidden + u}));
        if (b_hh.defined()) v.push_back(b_hh.at({g * hidden + u}));
      };
      const Tensor* next = (rnn && l + 1 < layers) ? own(m, fmt::format("weight_ih_l{}", l + 1)) : nullptr;
      const Tensor w_next = next ? *next : Tensor();
      UnitLayout layout;
      layout.parameter = parameter_path(layer.path, "weight_hh" + suffix);
      layout.weights_name =
          fmt::format("{} and weight_hh{}", parameter_path(layer.path, "weight_ih" + suffix), suffix);
      layout.noun = "units";
      layout.units = hidden;
      layout.weights = {w_ih, w_hh};
      layout.bias = b_ih;
      layout.incoming = [=](std::int64_t u, std::vector<double>& v) {
        for (int g = 0; g < gates; ++g) gate_rows(g, u, v);
        if (!projected) append_values(w_hh.select(1, u), v);  // the unit's own feedback to every unit
        if (w_next.defined() && !projected) append_values(w_next.select(1, d * hidden + u), v);
      };
      report_units(layout, layer, out);
      if (gates < 2 || (!out.empty() && out.back().parameter == layout.parameter &&
                        out.back().kind != SymmetryKind::identical_units)) {
        continue;
      }
      const auto blocks = identical_units(gates, [&](std::int64_t g, std::vector<double>& v) {
        for (std::int64_t u = 0; u < hidden; ++u) gate_rows(g, u, v);
      });
      for (const auto& group : blocks) {
        SymmetryFinding f;
        f.kind = SymmetryKind::identical_gate_blocks;
        f.layer = layer.path;
        f.parameter = layout.parameter;
        f.units = hidden;
        f.groups = {group};
        f.stays_identical = false;
        std::vector<std::string> names;
        for (std::int64_t g : group)
          names.emplace_back(gates == 4 ? lstm_gates[g] : gates == 3 ? gru_gates[g] : "");
        f.message = fmt::format(
            "{}: the {} gate blocks are identical (weights and biases): those gates start with the same "
            "pre-activations for every input",
            layout.parameter, fmt::join(names, " and "));
        out.push_back(std::move(f));
      }
    }
  }
}

}  // namespace

std::vector<std::vector<std::int64_t>> identical_units(std::int64_t count, const Values& unit_values) {
  std::unordered_map<std::uint64_t, std::vector<std::int64_t>> buckets;
  std::vector<std::uint64_t> order;  // hashes in first-seen order, for a deterministic result
  std::vector<double> values;
  for (std::int64_t u = 0; u < count; ++u) {
    values.clear();
    unit_values(u, values);
    const std::uint64_t h = hash_values(values);
    auto& bucket = buckets[h];
    if (bucket.empty()) order.push_back(h);
    bucket.push_back(u);
  }
  std::vector<std::vector<std::int64_t>> groups;
  for (std::uint64_t h : order) {
    const auto& bucket = buckets[h];
    if (bucket.size() < 2) continue;
    // Equal hashes almost always mean equal values; compare to be sure.
    std::vector<std::vector<double>> representatives;
    std::vector<std::vector<std::int64_t>> parts;
    for (std::int64_t u : bucket) {
      values.clear();
      unit_values(u, values);
      std::size_t k = 0;
      while (k < representatives.size() && !equal_values(representatives[k], values)) ++k;
      if (k == representatives.size()) {
        representatives.push_back(values);
        parts.emplace_back();
      }
      parts[k].push_back(u);
    }
    for (auto& part : parts) {
      if (part.size() >= 2) groups.push_back(std::move(part));
    }
  }
  std::sort(groups.begin(), groups.end());
  return groups;
}

std::vector<std::vector<std::int64_t>> identical_rows(const Tensor& tensor) {
  if (tensor.dim() == 0) return {};
  return identical_units(
      tensor.size(0), [&](std::int64_t u, std::vector<double>& v) { append_values(tensor.select(0, u), v); });
}

std::vector<SymmetryFinding> find_symmetries(nn::Module& model) {
  return find_symmetries(model, analyze_architecture(model));
}

std::vector<SymmetryFinding> find_symmetries(nn::Module& model, const Architecture& architecture) {
  (void)model;
  std::vector<SymmetryFinding> findings;
  for (const LayerInfo& layer : architecture.layers) {
    if (layer.role == LayerRole::recurrent) {
      report_recurrent(layer, findings);
    } else if (layer.role == LayerRole::hidden && !layer.residual_branch_end) {
      if (auto layout = layout_of(layer, architecture)) report_units(*layout, layer, findings);
    }
  }
  return findings;
}

}  // namespace nninit::diag
