#include "nninit/diag/block_sweep.h"

#include <cmath>
#include <limits>
#include <memory>

#include <fmt/format.h>

#include "nninit/core/error.h"
#include "nninit/core/tensor_statistics.h"
#include "nninit/diag/recording.h"
#include "nninit/engine/trace.h"
#include "nninit/nn/container.h"
#include "nninit/random/torch_generator.h"

namespace nninit::diag {
namespace {

bool is_container(const nn::Module& module) {
  return module.is_instance("Sequential") || module.is_instance("ModuleList");
}

// The longest run of at least two consecutive composite children with one repr, as [first, last).
std::optional<std::pair<std::size_t, std::size_t>> longest_run(const nn::Module& container) {
  const auto& children = container.own_children();
  std::optional<std::pair<std::size_t, std::size_t>> best;
  std::size_t start = 0;
  while (start < children.size()) {
    const nn::ModulePtr& first = children[start].second;
    std::size_t end = start + 1;
    if (first != nullptr && !first->own_children().empty()) {
      const std::string repr = first->repr();
      while (end < children.size() && children[end].second != nullptr && children[end].second->repr() == repr)
        ++end;
      if (end - start >= 2 && (!best || end - start > best->second - best->first)) best = {{start, end}};
    }
    start = end;
  }
  return best;
}

nn::Module& module_at(nn::Module& model, const std::string& path) {
  for (const nn::NamedModule& m : model.named_modules()) {
    if (m.name == path) return *m.module;
  }
  throw IndexError(fmt::format("run_block_sweep: the model has no module '{}'", path));
}

// The std, or +inf when any value is an infinity or NaN (as the demo records it, depth_sweep.h).
double std_or_inf(const Tensor& values) {
  const TensorStatistics s = statistics(values);
  return s.non_finite > 0 ? std::numeric_limits<double>::infinity() : s.std;
}

// `depth` copies of the model's blocks in a Sequential, under wrappers that give it the container's path.
nn::ModulePtr build_stack(nn::Module& model, const RepeatedBlock& block, int depth) {
  auto copies = std::make_shared<nn::Sequential>();
  for (int k = 0; k < depth; ++k)
    copies->push_back(
        module_at(model, block.blocks[static_cast<std::size_t>(k) % block.blocks.size()]).clone());
  nn::ModulePtr stack = copies;
  std::string path = block.container;
  while (!path.empty()) {
    const std::size_t dot = path.rfind('.');
    auto wrapper = std::make_shared<nn::Sequential>();
    wrapper->register_module(dot == std::string::npos ? path : path.substr(dot + 1), std::move(stack));
    stack = std::move(wrapper);
    path = dot == std::string::npos ? std::string() : path.substr(0, dot);
  }
  return stack;
}

}  // namespace

std::optional<RepeatedBlock> find_repeated_block(nn::Module& model) {
  for (const nn::NamedModule& m : model.named_modules()) {
    if (!is_container(*m.module)) continue;
    const auto run = longest_run(*m.module);
    if (!run) continue;
    RepeatedBlock block{.container = m.name};
    const auto& children = m.module->own_children();
    for (std::size_t i = run->first; i < run->second; ++i)
      block.blocks.push_back(m.name.empty() ? children[i].first : m.name + "." + children[i].first);
    block.type = children[run->first].second->type_name();
    return block;
  }
  return std::nullopt;
}

DepthSweep run_block_sweep(nn::Module& model, const std::vector<Tensor>& inputs, const RepeatedBlock& block,
                           const StackInitialiser& initialise, const BlockSweepOptions& options) {
  if (options.depth < 1)
    throw ValueError(fmt::format("run_block_sweep: depth must be at least 1, got {}", options.depth));
  // The shape the first block receives in the model.
  const nn::Module& first = module_at(model, block.blocks.front());
  const engine::Trace trace = engine::run_forward(model, inputs);
  std::optional<Shape> input_shape;
  for (const engine::ModuleCall& call : trace.calls()) {
    if (call.module == &first) {
      input_shape = trace.inputs(call).at(0).sizes();
      break;
    }
  }
  if (!input_shape || input_shape->empty()) {
    throw ValueError(
        fmt::format("run_block_sweep: the block '{}' receives no batched input in the model's forward pass",
                    block.blocks.front()));
  }

  const nn::ModulePtr stack = build_stack(model, block, options.depth);
  TorchGenerator generator(options.seed);
  const Tensor x = Tensor::empty(*input_shape);
  generator.normal_(x, 0.0, 1.0);
  if (initialise) initialise(*stack, generator);
  const Recording recording =
      record_pass(*stack, {x}, {.gradient_seed = options.seed + 1, .train = options.train});

  const std::string prefix = block.container.empty() ? "" : block.container + ".";
  SweepScheme scheme{.name = options.label, .init = options.init};
  std::vector<const CallRecord*> copies(static_cast<std::size_t>(options.depth), nullptr);
  for (const CallRecord& call : recording.calls) {
    for (int k = 0; k < options.depth; ++k) {
      if (call.name == prefix + std::to_string(k)) copies[static_cast<std::size_t>(k)] = &call;
    }
  }
  bool forward_finite = true;
  for (const CallRecord* call : copies) {
    scheme.activation_std.push_back(std_or_inf(call->outputs.at(0)));
    forward_finite = forward_finite && std::isfinite(scheme.activation_std.back());
  }
  // As in the demo: a backward pass through non-finite activations measures nothing.
  for (const CallRecord* call : copies) {
    scheme.gradient_std.push_back(forward_finite ? std_or_inf(call->input_gradient)
                                                 : std::numeric_limits<double>::infinity());
  }

  DepthSweep sweep{.options = {.depth = options.depth,
                               .width = static_cast<int>(input_shape->back()),
                               .batch = static_cast<int>(input_shape->front()),
                               .seed = options.seed}};
  sweep.block = fmt::format("{}* ({})", prefix, block.type);
  sweep.block_input = *input_shape;
  sweep.schemes.push_back(std::move(scheme));
  return sweep;
}

}  // namespace nninit::diag
