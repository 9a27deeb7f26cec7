// nninit_forward_conformance [--rtol R] [--atol A] [--case-atol C] [--sensitivity K] [--verbose] FILE...:
// replays forward_oracle.py's cases in nninit and compares with PyTorch. Each model is rebuilt from its
// expression (expr::build_model), then PyTorch's state_dict is loaded by name, so the weights are PyTorch's
// whatever the initialisation. The runner compares, in float32:
//   - every module call's outputs and the gradient reaching each of them (PyTorch's forward hooks and
//     tensor hooks; a module's first call, matched by its dotted name);
//   - the model's outputs, the gradients of its inputs and of every parameter (by name);
//   - errors: where PyTorch raised, nninit must raise an error of the same Python type.
// A tensor matches when |nninit - PyTorch| <= rtol |PyTorch| + atol max|PyTorch| + case_atol S element-wise
// (Tolerance below; defaults and their reasons in README.md); int64 tensors (pooling indices) must be equal.
// Prints the cases that differ, then per layer type the largest error seen, as max|nninit - PyTorch| /
// max|PyTorch| of a tensor; exits 1 on any mismatch.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "nninit/engine/trace.h"
#include "nninit/expr/model_expression.h"
#include "nninit/random/torch_generator.h"
#include "oracle_file.h"

namespace nninit::conformance {
namespace {

// |nninit - PyTorch| <= rtol |PyTorch| + atol max|PyTorch's tensor| + case_atol S + sensitivity D,
// element-wise, where S is the case's largest value of the same kind (forward values, or gradients) and D the
// tensor's largest change when nninit reruns the case with every input and parameter multiplied by (1 + u
// 2^-22), u uniform in [-1, 1]: how much float32 rounding of the data alone moves the result. forward.md
// explains the numbers.
struct Tolerance {
  double rtol = 1e-4;
  double atol = 1e-5;
  double case_atol = 4e-6;
  double sensitivity = 4.0;
};

constexpr double kPerturbation = 0x1p-22;

Tensor from_entry(const Json& entry) {
  const DType dtype = dtype_from_name(entry.at("dtype").get<std::string>());
  Tensor t = Tensor::empty(entry.at("shape").get<Shape>(), dtype);
  const std::string hex = entry.at("hex").get<std::string>();
  if (hex.size() != static_cast<std::size_t>(t.numel()) * itemsize(dtype) * 2) {
    throw IoError("forward_conformance: a tensor's hex does not match its shape");
  }
  auto* bytes = reinterpret_cast<unsigned char*>(t.raw_data());
  for (std::size_t i = 0; i < hex.size() / 2; ++i)
    bytes[i] = static_cast<unsigned char>(std::stoul(hex.substr(2 * i, 2), nullptr, 16));
  return t;
}

// The largest error of one tensor, as a fraction of PyTorch's largest magnitude in it (or of 1% of the
// case's scale when the tensor is smaller: a gradient that cancels to about zero), and whether every element
// is within tolerance.
struct Comparison {
  double error = 0.0;
  bool ok = true;
  std::string detail;
};

Comparison compare(const Tensor& ours, const Tensor& twin, const Json& entry, const Tolerance& tol,
                   double case_scale) {
  Comparison c;
  const Tensor theirs = from_entry(entry);
  if (!ours.defined() || ours.sizes() != theirs.sizes()) {
    c.ok = false;
    c.error = INFINITY;
    c.detail = fmt::format("shape {} vs PyTorch {}", ours.defined() ? shape_string(ours.sizes()) : "None",
                           shape_string(theirs.sizes()));
    return c;
  }
  const std::vector<double> a = ours.contiguous().to_doubles(), b = theirs.to_doubles();
  double sensitivity = 0.0;
  if (twin.defined() && twin.sizes() == ours.sizes()) {
    const std::vector<double> t = twin.contiguous().to_doubles();
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (std::isfinite(a[i]) && std::isfinite(t[i]))
        sensitivity = std::max(sensitivity, std::fabs(a[i] - t[i]));
    }
  }
  double scale = 0.0;
  for (double v : b) scale = std::max(scale, std::fabs(v));
  const bool exact = theirs.dtype() == DType::int64;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(a[i]) && std::isnan(b[i])) continue;
    const double diff = std::fabs(a[i] - b[i]);
    const double allowed = tol.rtol * std::fabs(b[i]) + tol.atol * scale + tol.case_atol * case_scale +
                           tol.sensitivity * sensitivity;
    if (!(diff <= (exact ? 0.0 : allowed))) {
      if (c.ok) {
        c.detail = fmt::format(
            "element {} of {}: nninit {:.9g}, PyTorch {:.9g}; |difference| / case scale {:.3g}, / "
            "sensitivity {:.3g}",
            i, a.size(), a[i], b[i], case_scale > 0.0 ? diff / case_scale : INFINITY,
            sensitivity > 0.0 ? diff / sensitivity : INFINITY);
      }
      c.ok = false;
    }
    c.error = std::max(c.error, diff / std::max(scale, 1e-2 * case_scale));
  }
  return c;
}

// Largest errors per layer type (PyTorch's class name).
struct LayerStats {
  std::int64_t tensors = 0;
  double output = 0.0, output_grad = 0.0, parameter_grad = 0.0;
  std::int64_t failures = 0;
};

class Runner {
 public:
  explicit Runner(Tolerance tol, bool verbose) : tol_(tol), verbose_(verbose) {}

  void run_file(const std::string& path) {
    OracleFile file(path);
    const TorchVariant variant = file.variant();
    std::cout << fmt::format("{}: {}\n", path, file.describe());
    Json record;
    while (file.next(record)) {
      ++cases_;
      try {
        run_case(record, variant);
      } catch (const std::exception& e) {
        fail(record, fmt::format("unexpected exception: {}", e.what()));
      }
    }
  }

  int summary() const {
    std::cout << fmt::format("\n{:<26} {:>8} {:>12} {:>12} {:>12} {:>8}\n", "layer type", "tensors", "output",
                             "d(output)", "d(param)", "failed");
    for (const auto& [type, s] : stats_) {
      std::cout << fmt::format("{:<26} {:>8} {:>12.3e} {:>12.3e} {:>12.3e} {:>8}\n", type, s.tensors,
                               s.output, s.output_grad, s.parameter_grad, s.failures);
    }
    std::cout << fmt::format(
        "\n{} cases ({} expected errors), {} failed; tolerance rtol {:g}, atol {:g}, case_atol {:g}, "
        "sensitivity {:g}\n",
        cases_, expected_errors_, failed_cases_, tol_.rtol, tol_.atol, tol_.case_atol, tol_.sensitivity);
    return failed_cases_ == 0 ? 0 : 1;
  }

 private:
  void fail(const Json& record, const std::string& what) {
    if (failed_ids_.empty() || failed_ids_.back() != record.at("id").get<int>()) {
      ++failed_cases_;
      failed_ids_.push_back(record.at("id").get<int>());
      std::cout << fmt::format("case {} ({}{}): {}\n", record.at("id").get<int>(),
                               record.at("expr").get<std::string>(),
                               record.at("train").get<bool>() ? ", train" : "", what);
    } else if (verbose_) {
      std::cout << "    " << what << "\n";
    }
  }

  // Compares and records the error under `type`; `kind` 0 output, 1 d(output), 2 d(parameter).
  void check(const Json& record, const std::string& type, int kind, const std::string& what,
             const Tensor& ours, const Tensor& twin, const Json& theirs) {
    LayerStats& s = stats_[type];
    ++s.tensors;
    if (theirs.is_null()) {  // PyTorch computed no gradient: nothing may flow in nninit either
      const std::vector<double> v = ours.defined() ? ours.to_doubles() : std::vector<double>{};
      if (std::any_of(v.begin(), v.end(), [](double x) { return x != 0.0; })) {
        ++s.failures;
        fail(record, what + ": PyTorch has no gradient, nninit a non-zero one");
      }
      return;
    }
    const Comparison c = compare(ours, twin, theirs, tol_, kind == 0 ? value_scale_ : gradient_scale_);
    double& worst = kind == 0 ? s.output : kind == 1 ? s.output_grad : s.parameter_grad;
    worst = std::max(worst, c.error);
    if (!c.ok) {
      ++s.failures;
      fail(record, fmt::format("{} differs ({}; max error {:.3e})", what, c.detail, c.error));
    }
  }

  void run_case(const Json& record, const TorchVariant& variant) {
    TorchGenerator generator(seed_from_json(record.at("seed")), variant);
    const Json& error = record.at("error");
    nn::ModulePtr model;
    std::vector<Tensor> inputs;
    engine::Trace trace;
    try {
      model = expr::build_model(record.at("expr").get<std::string>(), generator);
      if (error.is_null()) load_state(*model, record);
      model->train(record.at("train").get<bool>());
      if (!error.is_null()) {
        for (const Json& spec : record.at("inputs"))
          inputs.push_back(spec.is_null() ? Tensor() : placeholder(spec));
      } else {
        for (const Json& entry : record.at("input_values"))
          inputs.push_back(entry.is_null() ? Tensor() : from_entry(entry));
      }
      trace = engine::run_forward(*model, inputs);
    } catch (const Error& e) {
      if (!error.is_null() && python_name(e.kind()) == error.at("type").get<std::string>()) {
        ++expected_errors_;
        return;
      }
      fail(record, fmt::format("nninit raised {}: {}{}", python_name(e.kind()), e.what(),
                               error.is_null() ? ""
                                               : fmt::format("; PyTorch raised {}: {}",
                                                             error.at("type").get<std::string>(),
                                                             error.at("message").get<std::string>())));
      return;
    }
    if (!error.is_null()) {
      fail(record, fmt::format("PyTorch raised {}: {}; nninit did not", error.at("type").get<std::string>(),
                               error.at("message").get<std::string>()));
      return;
    }
    measure_scales(record);
    std::vector<Tensor> grad_outputs;
    for (const Json& g : record.at("grad_outputs"))
      grad_outputs.push_back(g.is_null() ? Tensor() : from_entry(g));
    const engine::Gradients grads = engine::run_backward(trace, grad_outputs);
    // The twin: the same case with inputs and parameters perturbed at the level of float32 rounding.
    nn::ModulePtr twin_model = model->clone();
    twin_model->train(record.at("train").get<bool>());
    std::uint64_t state = seed_from_json(record.at("seed")) | 1;
    for (const NamedTensor& t : twin_model->state_dict()) perturb(t.tensor, state);
    std::vector<Tensor> twin_inputs;
    for (const Tensor& t : inputs) {
      twin_inputs.push_back(t.defined() && is_floating_point(t.dtype()) ? t.clone() : t);
      if (twin_inputs.back().defined()) perturb(twin_inputs.back(), state);
    }
    const engine::Trace twin = engine::run_forward(*twin_model, twin_inputs);
    const engine::Gradients twin_grads = engine::run_backward(twin, grad_outputs);

    std::map<std::string, std::string> type_of;  // module name -> PyTorch class name
    for (const nn::NamedModule& m : model->named_modules()) type_of[m.name] = m.module->type_name();
    const std::string root_type = type_of[""];
    const std::vector<Tensor> outputs = trace.outputs();
    const Json& expected_outputs = record.at("outputs");
    if (outputs.size() != expected_outputs.size()) {
      fail(record, fmt::format("{} outputs, PyTorch {}", outputs.size(), expected_outputs.size()));
      return;
    }
    for (std::size_t k = 0; k < outputs.size(); ++k) {
      check(record, root_type, 0, fmt::format("output {}", k), outputs[k], twin.outputs()[k],
            expected_outputs[k]);
    }
    const Json& grad_inputs = record.at("grad_inputs");
    for (std::size_t k = 0; k < grad_inputs.size() && k < grads.inputs.size(); ++k) {
      if (!grad_inputs[k].is_null() || grads.inputs[k].defined()) {
        check(record, root_type, 1, fmt::format("d(input {})", k), grads.inputs[k], twin_grads.inputs[k],
              grad_inputs[k]);
      }
    }
    for (const Json& p : record.at("grad_params")) {
      const std::string name = p.at(0).get<std::string>();
      const std::string owner = name.find('.') == std::string::npos ? "" : name.substr(0, name.rfind('.'));
      check(record, type_of[owner], 2, fmt::format("d({})", name), grads.parameter(name),
            twin_grads.parameter(name), p.at(1));
    }
    compare_modules(record, trace, grads, twin, twin_grads);
  }

  void compare_modules(const Json& record, const engine::Trace& trace, const engine::Gradients& grads,
                       const engine::Trace& twin, const engine::Gradients& twin_grads) {
    std::map<std::string, std::size_t> first_call;
    for (std::size_t i = trace.calls().size(); i-- > 0;) first_call[trace.calls()[i].name] = i;
    for (const Json& m : record.at("modules")) {
      const std::string name = m.at("name").get<std::string>(), type = m.at("type").get<std::string>();
      auto it = first_call.find(name);
      if (it == first_call.end()) {
        fail(record, fmt::format("module '{}' ({}) was not called", name, type));
        continue;
      }
      const engine::ModuleCall& call = trace.calls()[it->second];
      const Json& outs = m.at("outputs");
      const Json& out_grads = m.at("grads");
      // PyTorch may return fewer tensors (MultiheadAttention with need_weights=False inside the
      // Transformer layers returns no weights); compare the ones both have.
      for (std::size_t k = 0; k < outs.size() && k < call.outputs.size(); ++k) {
        if (outs[k].is_null()) continue;
        const std::size_t at = it->second;
        check(record, type, 0, fmt::format("'{}' output {}", name, k), trace.value(call.outputs[k]),
              twin.value(twin.calls()[at].outputs[k]), outs[k]);
        if (trace.value(call.outputs[k]).dtype() == DType::int64) continue;
        // LSTMCell's c': ATen composes lstm_cell from tensor ops, so PyTorch's hook on c' also counts the
        // path through h' = o tanh(c'); nninit (like PyTorch's fused LSTM for c_n) reports the gradient
        // reaching c' as an output only. Inputs and parameters are compared as usual.
        if (type == "LSTMCell" && k == 1) continue;
        check(record, type, 1, fmt::format("d('{}' output {})", name, k), grads.call_outputs[at][k],
              twin_grads.call_outputs[at][k], out_grads[k]);
      }
      // The first input's total gradient (what `nninit diagnose` reports at each layer's input), where
      // PyTorch recorded one: older oracle files have none.
      const std::size_t at = it->second;
      if (m.contains("input_grad") && !m.at("input_grad").is_null() && !grads.call_inputs[at].empty() &&
          grads.call_inputs[at].front().defined()) {
        check(record, type, 1, fmt::format("d('{}' input 0)", name), grads.call_inputs[at].front(),
              twin_grads.call_inputs[at].front(), m.at("input_grad"));
      }
    }
  }

  // The case's largest forward value and largest gradient, as PyTorch computed them.
  void measure_scales(const Json& record) {
    auto largest = [](const Json& entry) {
      if (entry.is_null() || entry.at("dtype") == "int64") return 0.0;
      double m = 0.0;
      for (double v : from_entry(entry).to_doubles()) m = std::max(m, std::fabs(v));
      return m;
    };
    value_scale_ = gradient_scale_ = 0.0;
    for (const Json& e : record.at("outputs")) value_scale_ = std::max(value_scale_, largest(e));
    for (const Json& e : record.at("grad_outputs")) gradient_scale_ = std::max(gradient_scale_, largest(e));
    for (const Json& e : record.at("grad_inputs")) gradient_scale_ = std::max(gradient_scale_, largest(e));
    for (const Json& p : record.at("grad_params"))
      gradient_scale_ = std::max(gradient_scale_, largest(p.at(1)));
    for (const Json& m : record.at("modules")) {
      for (const Json& e : m.at("outputs")) value_scale_ = std::max(value_scale_, largest(e));
      for (const Json& e : m.at("grads")) gradient_scale_ = std::max(gradient_scale_, largest(e));
      if (m.contains("input_grad")) gradient_scale_ = std::max(gradient_scale_, largest(m.at("input_grad")));
    }
  }

  // Multiplies every element of a float tensor by (1 + u kPerturbation), u uniform in [-1, 1] from a
  // 64-bit LCG (Knuth's MMIX constants).
  static void perturb(const Tensor& t, std::uint64_t& state) {
    if (!is_floating_point(t.dtype())) return;
    const Tensor flat = t.view({-1});
    for (std::int64_t i = 0; i < flat.numel(); ++i) {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      const double u = static_cast<double>(state >> 11) * 0x1p-52 - 1.0;
      flat.set({i}, flat.at({i}) * (1.0 + u * kPerturbation));
    }
  }

  static Tensor placeholder(const Json& spec) {
    const std::string kind = spec.at(0).get<std::string>();
    if (kind == "offsets") {
      const std::vector<double> v = spec.at(1).get<std::vector<double>>();
      return Tensor::from_values(v, {static_cast<std::int64_t>(v.size())}, DType::int64);
    }
    const Shape shape = spec.at(1).get<Shape>();
    return kind == "index" ? Tensor::zeros(shape, DType::int64) : Tensor::zeros(shape);
  }

  static void load_state(nn::Module& model, const Json& record) {
    std::map<std::string, const Json*> theirs;
    for (const Json& e : record.at("state_dict")) theirs[e.at(0).get<std::string>()] = &e;
    const std::vector<NamedTensor> ours = model.state_dict();
    if (ours.size() != theirs.size()) {
      throw RuntimeError(fmt::format("state_dict has {} entries, PyTorch's {}", ours.size(), theirs.size()));
    }
    for (const NamedTensor& t : ours) {
      auto it = theirs.find(t.name);
      if (it == theirs.end())
        throw RuntimeError(fmt::format("state_dict entry '{}' is not in PyTorch's", t.name));
      const Json& e = *it->second;
      t.tensor.copy_(from_entry(Json{{"dtype", e.at(1)}, {"shape", e.at(2)}, {"hex", e.at(3)}}));
    }
  }

  Tolerance tol_;
  bool verbose_;
  std::int64_t cases_ = 0, expected_errors_ = 0, failed_cases_ = 0;
  double value_scale_ = 0.0, gradient_scale_ = 0.0;
  std::vector<int> failed_ids_;
  std::map<std::string, LayerStats> stats_;
};

}  // namespace
}  // namespace nninit::conformance

int main(int argc, char** argv) {
  using nninit::conformance::Runner;
  nninit::conformance::Tolerance tol;
  bool verbose = false;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--rtol" && i + 1 < argc) {
      tol.rtol = std::stod(argv[++i]);
    } else if (arg == "--atol" && i + 1 < argc) {
      tol.atol = std::stod(argv[++i]);
    } else if (arg == "--sensitivity" && i + 1 < argc) {
      tol.sensitivity = std::stod(argv[++i]);
    } else if (arg == "--case-atol" && i + 1 < argc) {
      tol.case_atol = std::stod(argv[++i]);
    } else if (arg == "--verbose") {
      verbose = true;
    } else if (!arg.empty() && arg[0] == '-') {
      std::cerr << "usage: nninit_forward_conformance [--rtol R] [--atol A] [--case-atol C] [--sensitivity "
                   "K] [--verbose] FILE...\n";
      return 2;
    } else {
      files.push_back(arg);
    }
  }
  if (files.empty()) {
    std::cerr << "usage: nninit_forward_conformance [--rtol R] [--atol A] [--case-atol C] [--sensitivity K] "
                 "[--verbose] FILE...\n";
    return 2;
  }
  Runner runner(tol, verbose);
  try {
    for (const std::string& f : files) runner.run_file(f);
  } catch (const std::exception& e) {
    std::cerr << "nninit_forward_conformance: " << e.what() << "\n";
    return 2;
  }
  return runner.summary();
}
