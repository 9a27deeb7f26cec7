// Module: PyTorch's nn.Module without autograd. A module owns named parameters, buffers and children,
// in registration order, and exposes them with PyTorch's names and traversal orders:
//   named_parameters / named_buffers / named_modules  pre-order, each shared object reported once;
//   apply(fn)                                         post-order (children first), as Module.apply;
//   state_dict()                                      parameters then persistent buffers per module,
//                                                     children after, shared objects under every name.
// Layers derive from Module, register their tensors in the constructor and draw their initial values
// in PyTorch's construction order (reset_parameters). Parameters live only in the registry, so a deep
// copy (clone) never leaves a layer pointing at its original's tensors.
//
// Ownership: a module holds its children by ModulePtr (shared_ptr), so a child added to two parents is
// one shared module, as in PyTorch; NamedModule::module points into the tree and is valid while the tree
// lives. Tensors are handles: a NamedTensor from named_parameters() or state_dict() writes into the model.
//
//   auto fc = std::make_shared<nn::Linear>(nn::LinearOptions{.in_features = 4, .out_features = 3});
//   nn::Sequential model({fc, std::make_shared<nn::Tanh>()});   // fc is now also model's child "0"
//   for (const NamedTensor& p : model.named_parameters()) std::puts(p.name.c_str());  // 0.weight, 0.bias
//   model.apply([](nn::Module& m) {
//     if (m.is_instance("Linear")) init::zeros_(m.parameter("bias"));
//   });
//   const std::vector<NamedTensor> state = model.state_dict();  // io::write_safetensors takes it as it is
//   const nn::ModulePtr copy = model.clone();                    // new storage for every tensor
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nninit/core/tensor.h"
#include "nninit/random/generator.h"

namespace nninit::nn {

class Module;
using ModulePtr = std::shared_ptr<Module>;

struct NamedModule {
  std::string name;
  Module* module = nullptr;
};

class Module {
 public:
  explicit Module(std::string type_name) : type_name_(std::move(type_name)) {}
  virtual ~Module() = default;

  // The PyTorch class name: "Linear", "Conv2d", ...
  const std::string& type_name() const { return type_name_; }

  // The PyTorch classes this module's class derives from, nearest first, without Module itself, as
  // type(m).__mro__ lists them: {"_ConvNd"} for Conv2d, {"_BatchNorm", "_NormBase"} for BatchNorm2d,
  // {"Linear"} for NonDynamicallyQuantizableLinear. The default answers for torch.nn's own classes by
  // type_name(); a module with a class of its own overrides it.
  virtual std::vector<std::string> python_bases() const;
  // Python's isinstance(m, torch.nn.<class_name>): the class itself, one of python_bases(), or "Module".
  bool is_instance(std::string_view class_name) const;

  // Registration, in the order PyTorch's __init__ assigns. An undefined tensor registers None: the name
  // exists (and keeps its place) but is skipped by every traversal.
  void register_parameter(std::string name, Tensor value);
  void register_buffer(std::string name, Tensor value, bool persistent = true);
  void register_module(std::string name, ModulePtr module);

  // Own members by name; throw IndexError naming the module type for an unknown name.
  const Tensor& parameter(std::string_view name) const;
  const Tensor& buffer(std::string_view name) const;
  bool has_parameter(std::string_view name) const;
  // Replaces a registered parameter (for tying weights); the name must exist.
  void set_parameter(std::string_view name, Tensor value);
  Module& child(std::string_view name) const;
  template <class M>
  M& child_as(std::string_view name) const {
    return dynamic_cast<M&>(child(name));
  }

  // Own members in registration order, None entries included (undefined tensors / null modules).
  const std::vector<NamedTensor>& own_parameters() const { return parameters_; }
  const std::vector<std::pair<std::string, ModulePtr>>& own_children() const { return children_; }

  std::vector<NamedTensor> named_parameters(bool recurse = true) const;
  std::vector<NamedTensor> named_buffers(bool recurse = true) const;
  std::vector<NamedModule> named_modules();
  std::vector<NamedModule> named_children();
  std::vector<NamedTensor> state_dict() const;

  // Post-order visit, as torch.nn.Module.apply.
  void apply(const std::function<void(Module&)>& fn);

  bool is_training() const { return training_; }
  void train(bool mode = true);
  void eval() { train(false); }

  // Converts every floating-point parameter and buffer to dtype (integer buffers stay), as Module.to.
  void to(DType dtype);

  // A deep copy (copy.deepcopy): new storage for every tensor, sharing preserved within the copy.
  ModulePtr clone() const;

  // PyTorch's repr: "Linear(in_features=4, out_features=3, bias=True)", children indented.
  std::string repr() const;
  virtual std::string extra_repr() const { return ""; }

  // Draws the layer's default initial values (its own parameters only), in PyTorch's order.
  virtual void reset_parameters(Generator& generator) { (void)generator; }

 protected:
  Module(const Module&) = default;
  Module& operator=(const Module&) = default;
  // A shallow copy of the concrete layer (options, registry handles); clone() then deep-copies.
  virtual ModulePtr shallow_copy() const = 0;

 private:
  struct Buffer {
    NamedTensor named;
    bool persistent = true;
  };
  void collect_state(const std::string& prefix, std::vector<NamedTensor>& out) const;
  void deep_copy_into(Module& copy, std::vector<std::pair<const void*, Tensor>>& tensor_memo,
                      std::vector<std::pair<const Module*, ModulePtr>>& module_memo) const;

  std::string type_name_;
  std::vector<NamedTensor> parameters_;
  std::vector<Buffer> buffers_;
  std::vector<std::pair<std::string, ModulePtr>> children_;
  bool training_ = true;
};

// Gives a layer its shallow_copy(): `class Linear : public Layer<Linear>`. A family of layers that
// shares a base class derives through it: `class Conv2d : public Layer<Conv2d, ConvNd>`.
template <class Derived, class Base = Module>
class Layer : public Base {
 public:
  using Base::Base;

 protected:
  ModulePtr shallow_copy() const override {
    return std::make_shared<Derived>(static_cast<const Derived&>(*this));
  }
};

// Same identity as PyTorch's `is` on parameters: the same storage, offset, sizes and strides.
bool same_tensor(const Tensor& a, const Tensor& b);

// Puts a module tree in train or eval mode for a scope and restores the mode it had, as PyTorch code writes
// `was_training = model.training; model.train(mode); ...; model.train(was_training)`.
class ScopedMode {
 public:
  ScopedMode(Module& module, bool train) : module_(module), was_training_(module.is_training()) {
    module.train(train);
  }
  ~ScopedMode() { module_.train(was_training_); }
  ScopedMode(const ScopedMode&) = delete;
  ScopedMode& operator=(const ScopedMode&) = delete;

 private:
  Module& module_;
  bool was_training_;
};

}  // namespace nninit::nn
