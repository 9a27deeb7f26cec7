// The tape: values (every tensor a module or a glue step produced), steps (one kernel each, in forward
// order) and module calls (which values a module received and returned). Backward walks the steps in
// reverse, adding each kernel's input gradients into its inputs' gradients.
#include "nninit/engine/trace.h"

#include <map>
#include <utility>

#include <fmt/format.h>

#include "nninit/core/error.h"
#include "nninit/engine/composite.h"
#include "nninit/engine/dropout_mask.h"
#include "nninit/engine/kernel.h"
#include "nninit/engine/kernels/kernel_support.h"

namespace nninit::engine {

struct Trace::State {
  struct Step {
    std::unique_ptr<Kernel> kernel{};
    std::vector<ValueId> inputs{}, outputs{};
    int recurrent = -1;  // index into `recurrent` when the kernel recorded hidden states
  };
  nn::Module* model = nullptr;
  ForwardOptions options;
  std::vector<Tensor> values;
  std::vector<ModuleCall> calls;
  std::vector<RecurrentStates> recurrent;
  std::vector<Step> steps;
  std::vector<NamedTensor> parameters;  // model.named_parameters()
  std::map<std::pair<const nn::Module*, std::string>, std::size_t, std::less<>> parameter_index;
  std::map<const nn::Module*, std::string> names;
  std::uint64_t random_streams = 0;
};

Trace::Trace() : state_(std::make_unique<State>()) {}
Trace::~Trace() = default;
Trace::Trace(Trace&&) noexcept = default;
Trace& Trace::operator=(Trace&&) noexcept = default;

const std::vector<ModuleCall>& Trace::calls() const {
  return state_->calls;
}
const std::vector<RecurrentStates>& Trace::recurrent() const {
  return state_->recurrent;
}
const Tensor& Trace::value(ValueId id) const {
  return state_->values.at(static_cast<std::size_t>(id));
}
nn::Module& Trace::model() const {
  return *state_->model;
}

std::vector<Tensor> Trace::inputs(const ModuleCall& call) const {
  std::vector<Tensor> out;
  for (ValueId id : call.inputs) out.push_back(value(id));
  return out;
}
std::vector<Tensor> Trace::outputs(const ModuleCall& call) const {
  std::vector<Tensor> out;
  for (ValueId id : call.outputs) out.push_back(value(id));
  return out;
}
std::vector<Tensor> Trace::outputs() const {
  return outputs(state_->calls.at(0));
}

namespace {

[[noreturn]] void rethrow_with_prefix(const Error& e, const std::string& prefix) {
  const std::string message = prefix + e.what();
  switch (e.kind()) {
    case ErrorKind::value: throw ValueError(message);
    case ErrorKind::type: throw TypeError(message);
    case ErrorKind::index: throw IndexError(message);
    case ErrorKind::not_implemented: throw NotImplementedError(message);
    case ErrorKind::assertion: throw AssertionError(message);
    default: throw RuntimeError(message);
  }
}

class Recorder final : public ForwardContext, public detail::Program {
 public:
  explicit Recorder(Trace::State& state) : s_(state) {}

  const ForwardOptions& options() const override { return s_.options; }

  Tensor parameter(const nn::Module& module, std::string_view name) override {
    for (const NamedTensor& p : module.own_parameters()) {
      if (p.name == name) return p.tensor.defined() ? detail::to_float32(p.tensor) : Tensor();
    }
    const Tensor& buffer = module.buffer(name);
    return buffer.defined() ? detail::to_float32(buffer) : Tensor();
  }

  std::uint64_t next_random_key() override {
    return mask_stream_key(s_.options.dropout_seed, s_.random_streams++);
  }

  void record_recurrent(RecurrentStates states) override {
    states.call = static_cast<std::size_t>(current_call_);
    s_.calls[static_cast<std::size_t>(current_call_)].recurrent = static_cast<int>(s_.recurrent.size());
    s_.recurrent.push_back(std::move(states));
  }

  ValueId add_value(Tensor t) {
    s_.values.push_back(std::move(t));
    return static_cast<ValueId>(s_.values.size() - 1);
  }

  std::vector<ValueId> call(nn::Module& module, const std::vector<ValueId>& inputs) override {
    return call_as(module, inputs, nullptr);
  }

  std::vector<ValueId> call_as(nn::Module& module, const std::vector<ValueId>& inputs,
                               const Body& body) override {
    const std::size_t index = s_.calls.size();
    auto name = s_.names.find(&module);
    s_.calls.push_back({.name = name == s_.names.end() ? std::string() : name->second,
                        .module = &module,
                        .depth = depth_,
                        .inputs = inputs});
    ++depth_;
    std::vector<ValueId> outputs;
    try {
      if (body) {
        outputs = body(*this, inputs);
      } else if (auto composite = detail::run_composite(module, *this, inputs)) {
        outputs = std::move(*composite);
      } else {
        std::unique_ptr<Kernel> kernel = make_kernel(module);
        if (!kernel) {
          throw NotImplementedError(fmt::format("no forward for module type {}", module.type_name()));
        }
        const int previous = current_call_;
        current_call_ = static_cast<int>(index);
        outputs = apply(std::move(kernel), inputs);
        current_call_ = previous;
      }
    } catch (const Error& e) {
      if (reported_) throw;
      reported_ = true;
      const std::string& where = s_.calls[index].name;
      rethrow_with_prefix(e, fmt::format("run_forward: module '{}' ({}): ", where, module.type_name()));
    }
    --depth_;
    s_.calls[index].outputs = outputs;
    return outputs;
  }

  std::vector<ValueId> apply(std::unique_ptr<Kernel> kernel, const std::vector<ValueId>& inputs) override {
    std::vector<Tensor> in;
    for (ValueId id : inputs) in.push_back(s_.values.at(static_cast<std::size_t>(id)));
    const std::size_t recurrent_before = s_.recurrent.size();
    std::vector<Tensor> out = kernel->forward(in, *this);
    Trace::State::Step step{.kernel = std::move(kernel), .inputs = inputs};
    if (s_.recurrent.size() != recurrent_before) step.recurrent = static_cast<int>(recurrent_before);
    for (Tensor& t : out) step.outputs.push_back(add_value(std::move(t)));
    std::vector<ValueId> ids = step.outputs;
    s_.steps.push_back(std::move(step));
    return ids;
  }

 private:
  Trace::State& s_;
  int depth_ = 0;
  int current_call_ = -1;
  bool reported_ = false;
};

// The gradient of every value, accumulated as the steps are walked backwards. A gradient handed over by a
// kernel may share storage with another value's gradient (Identity, reshapes), so the first addition into
// it copies it first.
class GradientTable {
 public:
  explicit GradientTable(std::size_t values) : grads_(values), owned_(values, false) {}
  const Tensor& operator[](ValueId id) const { return grads_[static_cast<std::size_t>(id)]; }
  void add(ValueId id, const Tensor& grad) {
    const auto i = static_cast<std::size_t>(id);
    if (!grad.defined()) return;
    if (!grads_[i].defined()) {
      grads_[i] = grad;
      return;
    }
    if (!owned_[i]) {
      grads_[i] = grads_[i].clone();
      owned_[i] = true;
    }
    detail::add_into(grads_[i], grad.contiguous());
  }

 private:
  std::vector<Tensor> grads_;
  std::vector<bool> owned_;
};

class Accumulator final : public BackwardContext {
 public:
  Accumulator(const Trace::State& state, Gradients& out) : s_(state), out_(out) {}

  void accumulate(const nn::Module& module, std::string_view name, const Tensor& grad) override {
    auto it = s_.parameter_index.find(std::make_pair(&module, std::string(name)));
    if (it == s_.parameter_index.end()) {
      throw RuntimeError(fmt::format("run_backward: parameter '{}' of a {} is not a parameter of the model",
                                     name, module.type_name()));
    }
    detail::add_into(out_.parameters[it->second].tensor, grad);
  }
  void record_recurrent_grad(Tensor hidden_grad) override {
    out_.recurrent_hidden.at(static_cast<std::size_t>(current_recurrent)) = std::move(hidden_grad);
  }
  int current_recurrent = -1;

 private:
  const Trace::State& s_;
  Gradients& out_;
};

}  // namespace

Trace run_forward(nn::Module& model, const std::vector<Tensor>& inputs, const ForwardOptions& options) {
  Trace trace;
  Trace::State& s = trace.state();
  s.model = &model;
  s.options = options;
  s.parameters = model.named_parameters();
  for (const nn::NamedModule& m : model.named_modules()) {
    s.names.emplace(m.module, m.name);
    for (const NamedTensor& p : m.module->own_parameters()) {
      if (!p.tensor.defined()) continue;
      for (std::size_t i = 0; i < s.parameters.size(); ++i) {
        if (nn::same_tensor(s.parameters[i].tensor, p.tensor)) {
          s.parameter_index.emplace(std::make_pair(m.module, p.name), i);
          break;
        }
      }
    }
  }
  Recorder recorder(s);
  std::vector<ValueId> ids;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& input = inputs[i];
    if (!input.defined()) throw ValueError("run_forward: an input is undefined");
    // The same tensor passed twice (self-attention's query, key and value) is one value, as in PyTorch: its
    // gradient sums every use.
    std::size_t same = 0;
    while (same < i && !nn::same_tensor(inputs[same], input)) ++same;
    if (same < i) {
      ids.push_back(ids[same]);
      continue;
    }
    const bool integer = !is_floating_point(input.dtype());
    ids.push_back(recorder.add_value(integer ? input.contiguous() : detail::to_float32(input)));
  }
  recorder.call(model, ids);
  return trace;
}

std::vector<Tensor> forward(nn::Module& model, const std::vector<Tensor>& inputs,
                            const ForwardOptions& options) {
  return run_forward(model, inputs, options).outputs();
}

const Tensor& Gradients::parameter(std::string_view name) const {
  for (const NamedTensor& p : parameters) {
    if (p.name == name) return p.tensor;
  }
  throw IndexError(fmt::format("Gradients: no parameter named '{}'", name));
}

Gradients run_backward(const Trace& trace, const std::vector<Tensor>& grad_outputs) {
  const Trace::State& s = trace.state();
  const ModuleCall& root = s.calls.at(0);
  if (grad_outputs.size() > root.outputs.size()) {
    throw ValueError(fmt::format("run_backward: {} gradients for a model with {} outputs",
                                 grad_outputs.size(), root.outputs.size()));
  }
  GradientTable grads(s.values.size());
  for (std::size_t i = 0; i < grad_outputs.size(); ++i) {
    if (!grad_outputs[i].defined()) continue;
    const Tensor& out = trace.value(root.outputs[i]);
    if (grad_outputs[i].sizes() != out.sizes()) {
      throw ValueError(fmt::format("run_backward: the gradient of output {} has shape {}, the output {}", i,
                                   shape_string(grad_outputs[i].sizes()), shape_string(out.sizes())));
    }
    grads.add(root.outputs[i], detail::to_float32(grad_outputs[i]).clone());
  }
  Gradients out;
  for (const NamedTensor& p : s.parameters)
    out.parameters.push_back({p.name, detail::zeros(p.tensor.sizes())});
  out.recurrent_hidden.resize(s.recurrent.size());
  Accumulator accumulator(s, out);
  for (auto step = s.steps.rbegin(); step != s.steps.rend(); ++step) {
    std::vector<Tensor> grad_out;
    bool any = false;
    for (ValueId id : step->outputs) {
      const Tensor& g = grads[id];
      any = any || g.defined();
      const Tensor& value = trace.value(id);
      const bool floating = is_floating_point(value.dtype());
      grad_out.push_back(g.defined() ? g.contiguous() : floating ? detail::zeros(value.sizes()) : Tensor());
    }
    if (!any) continue;  // nothing depends on this step
    accumulator.current_recurrent = step->recurrent;
    const std::vector<Tensor> grad_in = step->kernel->backward(grad_out, accumulator);
    for (std::size_t i = 0; i < grad_in.size() && i < step->inputs.size(); ++i)
      grads.add(step->inputs[i], grad_in[i]);
  }
  for (ValueId id : root.inputs) {
    const Tensor& value = trace.value(id);
    if (!is_floating_point(value.dtype())) {
      out.inputs.emplace_back();
    } else {
      out.inputs.push_back(grads[id].defined() ? grads[id].contiguous() : detail::zeros(value.sizes()));
    }
  }
  // Each call's inputs and outputs: the value's total gradient, zeros where none flows.
  auto gradients_of = [&](const std::vector<ValueId>& ids) {
    std::vector<Tensor> per_value;
    for (ValueId id : ids) {
      const Tensor& value = trace.value(id);
      if (!is_floating_point(value.dtype())) {
        per_value.emplace_back();
      } else {
        per_value.push_back(grads[id].defined() ? grads[id] : detail::zeros(value.sizes()));
      }
    }
    return per_value;
  };
  for (const ModuleCall& call : s.calls) {
    out.call_outputs.push_back(gradients_of(call.outputs));
    out.call_inputs.push_back(gradients_of(call.inputs));
  }
  for (std::size_t i = 0; i < out.recurrent_hidden.size(); ++i) {
    if (!out.recurrent_hidden[i].defined())
      out.recurrent_hidden[i] = detail::zeros(s.recurrent[i].hidden.sizes());
  }
  return out;
}

Gradients run_backward(const Trace& trace, const Tensor& grad_output) {
  return run_backward(trace, std::vector<Tensor>{grad_output});
}

}  // namespace nninit::engine
