#include "nninit/diag/recording.h"

#include <fmt/format.h>

#include "nninit/engine/trace.h"
#include "nninit/random/torch_generator.h"

namespace nninit::diag {
namespace {

bool is_float(const Tensor& t) {
  return t.defined() && t.dtype() != DType::int64;
}

Tensor first_or_undefined(const std::vector<Tensor>& tensors) {
  return tensors.empty() ? Tensor() : tensors.front();
}

// An N(0, 1) tensor at each float output (undefined at integer ones), drawn from a TorchGenerator of its
// own so that every initialisation compared with one seed meets the same gradient.
std::vector<Tensor> random_output_gradients(const engine::Trace& trace, std::uint64_t seed) {
  TorchGenerator generator;
  generator.manual_seed(seed);
  std::vector<Tensor> gradients;
  for (const Tensor& out : trace.outputs()) {
    if (!is_float(out)) {
      gradients.emplace_back();
      continue;
    }
    Tensor g = Tensor::empty(out.sizes());
    generator.normal_(g, 0.0, 1.0);
    gradients.push_back(g);
  }
  return gradients;
}

}  // namespace

Recording record_pass(nn::Module& model, const std::vector<Tensor>& inputs, const RecordOptions& options) {
  Recording r;
  r.inputs = inputs;
  r.train = options.train;
  const engine::Trace trace = [&] {
    const nn::ScopedMode mode(model, options.train);
    return engine::run_forward(model, inputs);
  }();
  r.gradient_note = fmt::format(
      "backward from a random gradient at each float output: independent N(0, 1) elements (unit variance), "
      "seed {}",
      options.gradient_seed);
  const engine::Gradients gradients =
      engine::run_backward(trace, random_output_gradients(trace, options.gradient_seed));

  const std::vector<engine::ModuleCall>& calls = trace.calls();
  for (std::size_t i = 0; i < calls.size(); ++i) {
    const engine::ModuleCall& call = calls[i];
    r.calls.push_back({.name = call.name,
                       .type = call.module->type_name(),
                       .depth = call.depth,
                       .has_parameters = !call.module->named_parameters(false).empty(),
                       .input = first_or_undefined(trace.inputs(call)),
                       .outputs = trace.outputs(call),
                       .input_gradient = first_or_undefined(gradients.call_inputs[i]),
                       .output_gradient = first_or_undefined(gradients.call_outputs[i])});
  }
  for (std::size_t k = 0; k < trace.recurrent().size(); ++k) {
    const engine::RecurrentStates& states = trace.recurrent()[k];
    r.calls[states.call].recurrent = RecurrentRecord{
        .num_layers = states.num_layers,
        .num_directions = states.num_directions,
        .hidden = states.hidden,
        .hidden_gradient = k < gradients.recurrent_hidden.size() ? gradients.recurrent_hidden[k] : Tensor()};
  }
  r.parameters = model.named_parameters();
  r.parameter_gradients = gradients.parameters;
  return r;
}

}  // namespace nninit::diag
