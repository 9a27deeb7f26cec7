// Modules whose forward is a program over their children: Sequential and the Transformer layers, written
// once against the Program interface so that every child call is recorded in the trace like any other.
// Internal to the diag layer.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "nninit/engine/kernel.h"
#include "nninit/engine/trace.h"
#include "nninit/nn/module.h"

namespace nninit::engine::detail {

class Program {
 public:
  virtual ~Program() = default;
  // Calls a module (recorded as a ModuleCall) on values of the trace.
  virtual std::vector<ValueId> call(nn::Module& module, const std::vector<ValueId>& inputs) = 0;
  // Calls a module (recorded as a ModuleCall) whose forward is `body` rather than its own.
  using Body = std::function<std::vector<ValueId>(Program&, const std::vector<ValueId>&)>;
  virtual std::vector<ValueId> call_as(nn::Module& module, const std::vector<ValueId>& inputs,
                                       const Body& body) = 0;
  // Runs glue that is no module (a residual addition, F.relu) on values of the trace.
  virtual std::vector<ValueId> apply(std::unique_ptr<Kernel> kernel, const std::vector<ValueId>& inputs) = 0;
};

// Runs the forward of a composite module; nullopt for a module that is not one. ModuleList is not callable
// (NotImplementedError, as PyTorch's missing forward).
std::optional<std::vector<ValueId>> run_composite(nn::Module& module, Program& program,
                                                  const std::vector<ValueId>& inputs);

}  // namespace nninit::engine::detail
