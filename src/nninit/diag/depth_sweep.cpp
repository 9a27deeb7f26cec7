#include "nninit/diag/depth_sweep.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>

#include <fmt/format.h>

#include "nninit/core/error.h"
#include "nninit/core/tensor_statistics.h"
#include "nninit/diag/lsuv.h"
#include "nninit/engine/trace.h"
#include "nninit/init/init.h"
#include "nninit/nn/activation.h"
#include "nninit/nn/container.h"
#include "nninit/nn/linear.h"
#include "nninit/random/torch_generator.h"

namespace nninit::diag {
namespace {

enum class Scheme { zeros, small_normal, large_normal, xavier, kaiming, orthogonal, lsuv };

struct SchemeName {
  Scheme scheme;
  std::string_view name;
};

// The table of depth_sweep.h, in its order.
constexpr SchemeName scheme_names[] = {
    {Scheme::zeros, "zeros"},
    {Scheme::small_normal, "small normal (std 0.01)"},
    {Scheme::large_normal, "large normal (std 1)"},
    {Scheme::xavier, "Xavier"},
    {Scheme::kaiming, "Kaiming"},
    {Scheme::orthogonal, "orthogonal"},
    {Scheme::lsuv, "LSUV"},
};

init::Nonlinearity nonlinearity(SweepActivation activation) {
  return activation == SweepActivation::tanh ? init::Nonlinearity::tanh : init::Nonlinearity::relu;
}

std::string init_expression(Scheme scheme, SweepActivation activation) {
  const std::string_view name = init::nonlinearity_name(nonlinearity(activation));
  switch (scheme) {
    case Scheme::zeros: return "zeros_()";
    case Scheme::small_normal: return "normal_(std=0.01)";
    case Scheme::large_normal: return "normal_(std=1.0)";
    case Scheme::xavier: return "xavier_normal_(gain=1.0)";
    case Scheme::kaiming: return fmt::format("kaiming_normal_(nonlinearity='{}')", name);
    case Scheme::orthogonal: return fmt::format("orthogonal_(gain=calculate_gain('{}'))", name);
    case Scheme::lsuv: return "orthogonal_(), then LSUV to a unit output std";
  }
  return {};
}

void initialise(const Tensor& weight, Scheme scheme, SweepActivation activation, Generator& generator) {
  const init::Nonlinearity nl = nonlinearity(activation);
  switch (scheme) {
    case Scheme::zeros: init::zeros_(weight); return;
    case Scheme::small_normal: init::normal_(weight, {.std = 0.01}, generator); return;
    case Scheme::large_normal: init::normal_(weight, {.std = 1.0}, generator); return;
    case Scheme::xavier: init::xavier_normal_(weight, {.gain = 1.0}, generator); return;
    case Scheme::kaiming: init::kaiming_normal_(weight, {.nonlinearity = nl}, generator); return;
    case Scheme::orthogonal: init::orthogonal_(weight, {.gain = init::calculate_gain(nl)}, generator); return;
    case Scheme::lsuv: break;  // applied to the whole model by lsuv_
  }
}

// The std, or +inf when any value is an infinity or NaN (statistics() would leave those out).
double std_or_inf(const Tensor& values) {
  const TensorStatistics s = statistics(values);
  return s.non_finite > 0 ? std::numeric_limits<double>::infinity() : s.std;
}

// The sweep's network: layer k is linears[k] followed by activations[k].
struct Network {
  nn::ModulePtr model;
  std::vector<nn::Module*> linears;
  std::vector<nn::Module*> activations;
};

Network build_network(SweepActivation activation, const DepthSweepOptions& options) {
  // Linear's default draws are overwritten by every scheme; they come from a generator of their own.
  TorchGenerator defaults(options.seed);
  Network net;
  auto sequential = std::make_shared<nn::Sequential>();
  for (int k = 0; k < options.depth; ++k) {
    auto linear = std::make_shared<nn::Linear>(
        nn::LinearOptions{.in_features = options.width, .out_features = options.width, .bias = false},
        defaults);
    nn::ModulePtr act;
    if (activation == SweepActivation::tanh) {
      act = std::make_shared<nn::Tanh>();
    } else {
      act = std::make_shared<nn::ReLU>();
    }
    net.linears.push_back(linear.get());
    net.activations.push_back(act.get());
    sequential->push_back(std::move(linear));
    sequential->push_back(std::move(act));
  }
  net.model = std::move(sequential);
  return net;
}

// One forward and backward pass through the initialised network, read layer by layer.
void measure(const Network& net, const Tensor& x, const Tensor& grad_output, SweepScheme& out) {
  const engine::Trace trace = engine::run_forward(*net.model, {x});
  const engine::Gradients grads = engine::run_backward(trace, grad_output);
  std::vector<std::size_t> linear_call(net.linears.size()), activation_call(net.activations.size());
  for (std::size_t i = 0; i < trace.calls().size(); ++i) {
    const nn::Module* module = trace.calls()[i].module;
    for (std::size_t k = 0; k < net.linears.size(); ++k) {
      if (net.linears[k] == module) linear_call[k] = i;
      if (net.activations[k] == module) activation_call[k] = i;
    }
  }
  bool forward_finite = true;
  for (std::size_t k = 0; k < net.linears.size(); ++k) {
    out.preactivation_std.push_back(std_or_inf(trace.outputs(trace.calls()[linear_call[k]]).at(0)));
    out.activation_std.push_back(std_or_inf(trace.outputs(trace.calls()[activation_call[k]]).at(0)));
    forward_finite = forward_finite && std::isfinite(out.preactivation_std.back());
  }
  for (std::size_t k = 0; k < net.linears.size(); ++k) {
    // Layer k's input is layer k-1's activation, and the model's input for the first layer.
    const Tensor& gradient = k == 0 ? grads.inputs.at(0) : grads.call_outputs[activation_call[k - 1]].at(0);
    out.gradient_std.push_back(forward_finite ? std_or_inf(gradient)
                                              : std::numeric_limits<double>::infinity());
  }
}

}  // namespace

std::string_view sweep_activation_name(SweepActivation activation) {
  return activation == SweepActivation::tanh ? "tanh" : "ReLU";
}

const SweepScheme& DepthSweep::scheme(std::string_view name) const {
  for (const SweepScheme& s : schemes) {
    if (s.name == name) return s;
  }
  throw IndexError(fmt::format("DepthSweep: no scheme named '{}'", name));
}

DepthSweep run_depth_sweep(SweepActivation activation, const DepthSweepOptions& options) {
  if (options.depth < 1 || options.width < 1 || options.batch < 1) {
    throw ValueError(fmt::format("run_depth_sweep: depth, width and batch must be at least 1, got {}, {}, {}",
                                 options.depth, options.width, options.batch));
  }
  const Network net = build_network(activation, options);
  TorchGenerator generator(options.seed);
  const Tensor x = Tensor::empty({options.batch, options.width});
  generator.normal_(x, 0.0, 1.0);
  const Tensor grad_output = Tensor::empty({options.batch, options.width});
  generator.normal_(grad_output, 0.0, 1.0);
  const std::vector<std::uint8_t> weights_state = generator.get_state();

  DepthSweep sweep{.activation = activation, .options = options};
  for (const SchemeName& entry : scheme_names) {
    generator.set_state(weights_state);
    if (entry.scheme == Scheme::lsuv) {
      lsuv_(*net.model, {x}, generator);
    } else {
      for (nn::Module* linear : net.linears) {
        initialise(linear->parameter("weight"), entry.scheme, activation, generator);
      }
    }
    SweepScheme scheme{.name = std::string(entry.name), .init = init_expression(entry.scheme, activation)};
    measure(net, x, grad_output, scheme);
    sweep.schemes.push_back(std::move(scheme));
  }
  return sweep;
}

}  // namespace nninit::diag
