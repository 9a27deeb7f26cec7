#include "nninit/diag/lsuv.h"

#include <cmath>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>

#include "nninit/core/error.h"
#include "nninit/core/tensor_statistics.h"
#include "nninit/diag/architecture.h"
#include "nninit/engine/trace.h"
#include "nninit/init/init.h"

namespace nninit::diag {
namespace {

// The paper's fully connected and convolutional layers (the set architecture.cpp calls weight layers;
// ConvTranspose* derive from _ConvNd).
bool is_scaled_type(const nn::Module& m) {
  return m.is_instance("Linear") || m.is_instance("_ConvNd") || m.type_name() == "Bilinear";
}

bool is_recurrent(const nn::Module& m) {
  return m.is_instance("RNNBase") || m.is_instance("RNNCellBase");
}

// A layer to scale, and the module whose first output is that layer's output: the layer itself, or the
// MultiheadAttention that applies it as out_proj.
struct Target {
  std::string path;
  nn::Module* layer = nullptr;
  nn::Module* measured = nullptr;
  bool pending = true;  // not reached by the forward walk yet
};

std::string unusable_output_reason(const TensorStatistics& s, int iterations) {
  std::string reason =
      s.non_finite > 0
          ? fmt::format("its output has {} non-finite values on the batch: no std to divide by", s.non_finite)
      : s.std == 0.0 ? std::string("its output has zero variance on the batch (std 0): no scale to divide by")
                     : fmt::format("its output std {:g} on the batch is too small to divide by", s.std);
  if (iterations > 0) reason += fmt::format(" (after {} divisions)", iterations);
  return reason;
}

class Lsuv {
 public:
  Lsuv(nn::Module& model, const LsuvOptions& options) : options_(options) {
    std::unordered_map<const nn::Module*, nn::Module*> attention_of;  // out_proj -> its attention
    for (const nn::NamedModule& m : model.named_modules()) {
      if (m.module->type_name() == "MultiheadAttention") {
        attention_of.emplace(&m.module->child("out_proj"), m.module);
        report_.skipped.push_back(
            {m.name,
             "its q, k and v input projections are no layer's output, and their scale sets the softmax "
             "temperature; its out_proj is scaled"});
      } else if (is_recurrent(*m.module)) {
        recurrent_.push_back(m.module);
        report_.skipped.push_back(
            {m.name, fmt::format("{} is recurrent: orthogonal start only (its gated output is bounded by 1, "
                                 "and LSUV's scaling covers fully connected and convolutional layers)",
                                 m.module->type_name())});
      } else if (is_scaled_type(*m.module)) {
        const auto attention = attention_of.find(m.module);
        targets_.push_back({.path = m.name,
                            .layer = m.module,
                            .measured = attention == attention_of.end() ? m.module : attention->second});
      }
    }
  }

  bool empty() const { return targets_.empty() && recurrent_.empty(); }

  // Step 1: the orthogonal start and zero biases; recurrent layers get orthogonal input, hidden and
  // projection matrices (Saxe et al. 2013) and keep their biases.
  void prepare(Generator& generator) {
    for (nn::Module* layer : recurrent_) {
      if (!options_.orthogonal_start) break;
      for (const NamedTensor& p : layer->named_parameters(false)) {
        if (p.name.starts_with("weight")) init::orthogonal_(p.tensor, {}, generator);
      }
    }
    for (const Target& t : targets_) {
      if (options_.orthogonal_start) init::orthogonal_(t.layer->parameter("weight"), {}, generator);
      if (options_.zero_biases && t.layer->has_parameter("bias") && t.layer->parameter("bias").defined()) {
        init::zeros_(t.layer->parameter("bias"));
      }
    }
  }

  // Step 2: scales every pending layer inside `module` (the module included) in the order of its forward
  // pass, and returns the module's outputs on `inputs` with the scaled weights.
  std::vector<Tensor> run(nn::Module& module, const std::vector<Tensor>& inputs) {
    if (!pending_within(module)) return engine::forward(module, inputs);
    if (Target* target = pending_measured_on(module)) {
      scale(*target, inputs);
      return engine::forward(module, inputs);
    }
    if (module.type_name() == "Sequential") {
      // As the engine chains a Sequential (composite.cpp); the first pass in lsuv_ has checked that every
      // child but the last returns one tensor.
      std::vector<Tensor> x = inputs;
      for (const auto& [name, child] : module.own_children()) {
        if (child) x = run(*child, x);
      }
      return x;
    }
    // Any other container: trace it, scale the first pending layer its forward pass calls, trace again.
    for (;;) {
      const engine::Trace trace = engine::run_forward(module, inputs);
      const engine::ModuleCall* next = nullptr;
      Target* target = nullptr;
      for (const engine::ModuleCall& call : trace.calls()) {
        target = pending_measured_on(*call.module);
        if (target != nullptr) {
          next = &call;
          break;
        }
      }
      if (target == nullptr) return trace.outputs();
      scale(*target, trace.inputs(*next));
    }
  }

  LsuvReport finish() {
    for (const Target& t : targets_) {
      if (t.pending) report_.skipped.push_back({t.path, "the forward pass never calls it"});
    }
    return std::move(report_);
  }

 private:
  bool pending_within(nn::Module& module) {
    for (const nn::NamedModule& m : module.named_modules()) {
      for (const Target& t : targets_) {
        if (t.pending && t.layer == m.module) return true;
      }
    }
    return false;
  }

  Target* pending_measured_on(const nn::Module& module) {
    for (Target& t : targets_) {
      if (t.pending && t.measured == &module) return &t;
    }
    return nullptr;
  }

  void scale(Target& target, const std::vector<Tensor>& inputs) {
    target.pending = false;
    const Tensor& weight = target.layer->parameter("weight");
    for (const Tensor& done : scaled_weights_) {
      if (nn::same_tensor(done, weight)) {
        report_.skipped.push_back({target.path, "its weight is an earlier layer's (tied), scaled there"});
        return;
      }
    }
    LsuvLayer layer{.path = target.path, .parameter = parameter_path(target.path, "weight")};
    const double target_variance = options_.target_std * options_.target_std;
    for (;;) {
      const TensorStatistics s = statistics(engine::forward(*target.measured, inputs).at(0));
      const double factor = options_.target_std / s.std;
      if (s.non_finite > 0 || !(s.std > 0.0) || !std::isfinite(factor)) {
        report_.skipped.push_back({target.path, unusable_output_reason(s, layer.iterations)});
        return;
      }
      if (layer.iterations == 0) layer.initial_std = s.std;
      layer.final_std = s.std;
      layer.converged = std::fabs(s.std * s.std / target_variance - 1.0) < options_.tolerance;
      if (layer.converged || layer.iterations == options_.max_iterations) break;
      weight.mul_(factor);
      ++layer.iterations;
    }
    scaled_weights_.push_back(weight);
    report_.layers.push_back(std::move(layer));
  }

  LsuvOptions options_;
  std::vector<Target> targets_;
  std::vector<nn::Module*> recurrent_;
  std::vector<Tensor> scaled_weights_;
  LsuvReport report_;
};

}  // namespace

LsuvReport lsuv_(nn::Module& model, const std::vector<Tensor>& inputs, Generator& generator,
                 const LsuvOptions& options) {
  if (!(options.target_std > 0.0) || !std::isfinite(options.target_std)) {
    throw ValueError(
        fmt::format("lsuv_: target_std must be positive and finite, got {}", options.target_std));
  }
  if (!(options.tolerance > 0.0)) {
    throw ValueError(fmt::format("lsuv_: tolerance must be positive, got {}", options.tolerance));
  }
  if (options.max_iterations < 0) {
    throw ValueError(fmt::format("lsuv_: max_iterations must be >= 0, got {}", options.max_iterations));
  }
  Lsuv lsuv(model, options);
  if (lsuv.empty()) {
    throw ValueError(fmt::format(
        "lsuv_: {} has no Linear, Bilinear, Conv, ConvTranspose or recurrent layer to initialise (LSUV "
        "scales fully connected and convolutional layers)",
        model.type_name()));
  }
  // The forward pass's errors (shapes, dtypes) surface here, before any weight changes.
  engine::run_forward(model, inputs);
  lsuv.prepare(generator);
  lsuv.run(model, inputs);
  return lsuv.finish();
}

}  // namespace nninit::diag
