#include "nninit/nn/module.h"

#include <algorithm>
#include <sstream>

#include <fmt/format.h>

#include "nninit/core/error.h"
#include "nninit/init/recording.h"

namespace nninit::nn {
namespace {

std::string join_name(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

template <class Items>
auto find_named(Items& items, std::string_view name) {
  return std::find_if(items.begin(), items.end(), [&](const auto& item) { return item.name == name; });
}

}  // namespace

std::vector<std::string> Module::python_bases() const {
  // torch.nn's class hierarchy (type(m).__mro__ between the class and Module), the same in PyTorch 1.13,
  // 2.6 and 2.14.
  struct Family {
    std::string_view prefix;  // the classes whose names start with it and end in a digit + "d"
    std::vector<std::string> bases;
  };
  static const Family families[] = {
      {"ConvTranspose", {"_ConvTransposeNd", "_ConvNd"}},
      {"Conv", {"_ConvNd"}},
      {"BatchNorm", {"_BatchNorm", "_NormBase"}},
      {"InstanceNorm", {"_InstanceNorm", "_NormBase"}},
      {"Dropout", {"_DropoutNd"}},
      {"MaxPool", {"_MaxPoolNd"}},
      {"AvgPool", {"_AvgPoolNd"}},
      {"AdaptiveAvgPool", {"_AdaptiveAvgPoolNd"}},
      {"AdaptiveMaxPool", {"_AdaptiveMaxPoolNd"}},
  };
  static const std::pair<std::string_view, std::vector<std::string>> classes[] = {
      {"Dropout", {"_DropoutNd"}},
      {"AlphaDropout", {"_DropoutNd"}},
      {"FeatureAlphaDropout", {"_DropoutNd"}},
      {"RNN", {"RNNBase"}},
      {"LSTM", {"RNNBase"}},
      {"GRU", {"RNNBase"}},
      {"RNNCell", {"RNNCellBase"}},
      {"LSTMCell", {"RNNCellBase"}},
      {"GRUCell", {"RNNCellBase"}},
      {"ReLU6", {"Hardtanh"}},
      {"NonDynamicallyQuantizableLinear", {"Linear"}},
  };
  const std::string_view name = type_name_;
  for (const auto& [class_name, bases] : classes) {
    if (name == class_name) return bases;
  }
  const bool numbered =
      name.size() > 2 && name.back() == 'd' && name[name.size() - 2] >= '1' && name[name.size() - 2] <= '3';
  for (const Family& family : families) {
    if (numbered && name.size() == family.prefix.size() + 2 && name.starts_with(family.prefix)) {
      return family.bases;
    }
  }
  return {};
}

bool Module::is_instance(std::string_view class_name) const {
  if (class_name == "Module" || class_name == type_name_) return true;
  const std::vector<std::string> bases = python_bases();
  return std::find(bases.begin(), bases.end(), class_name) != bases.end();
}

bool same_tensor(const Tensor& a, const Tensor& b) {
  return a.storage() == b.storage() && a.storage_offset() == b.storage_offset() && a.sizes() == b.sizes() &&
         a.strides() == b.strides() && a.dtype() == b.dtype();
}

void Module::register_parameter(std::string name, Tensor value) {
  if (auto it = find_named(parameters_, name); it != parameters_.end()) {
    it->tensor = std::move(value);  // re-assignment keeps the registration position, as in PyTorch
    return;
  }
  parameters_.push_back({std::move(name), std::move(value)});
}

void Module::register_buffer(std::string name, Tensor value, bool persistent) {
  for (Buffer& b : buffers_) {
    if (b.named.name == name) {
      b.named.tensor = std::move(value);
      b.persistent = persistent;
      return;
    }
  }
  buffers_.push_back({{std::move(name), std::move(value)}, persistent});
}

void Module::register_module(std::string name, ModulePtr module) {
  for (auto& [existing, child] : children_) {
    if (existing == name) {
      child = std::move(module);
      return;
    }
  }
  children_.emplace_back(std::move(name), std::move(module));
}

const Tensor& Module::parameter(std::string_view name) const {
  auto it = find_named(parameters_, name);
  if (it == parameters_.end()) {
    throw IndexError(fmt::format("{} has no parameter '{}'", type_name_, name));
  }
  return it->tensor;
}

bool Module::has_parameter(std::string_view name) const {
  auto it = find_named(parameters_, name);
  return it != parameters_.end() && it->tensor.defined();
}

void Module::set_parameter(std::string_view name, Tensor value) {
  auto it = find_named(parameters_, name);
  if (it == parameters_.end()) throw IndexError(fmt::format("{} has no parameter '{}'", type_name_, name));
  it->tensor = std::move(value);
}

const Tensor& Module::buffer(std::string_view name) const {
  for (const Buffer& b : buffers_) {
    if (b.named.name == name) return b.named.tensor;
  }
  throw IndexError(fmt::format("{} has no buffer '{}'", type_name_, name));
}

Module& Module::child(std::string_view name) const {
  for (const auto& [existing, module] : children_) {
    if (existing == name && module) return *module;
  }
  throw IndexError(fmt::format("{} has no submodule '{}'", type_name_, name));
}

std::vector<NamedModule> Module::named_modules() {
  std::vector<NamedModule> out;
  std::vector<const Module*> memo;
  std::function<void(Module&, const std::string&)> visit = [&](Module& m, const std::string& prefix) {
    if (std::find(memo.begin(), memo.end(), &m) != memo.end()) return;
    memo.push_back(&m);
    out.push_back({prefix, &m});
    for (auto& [name, child] : m.children_) {
      if (child) visit(*child, join_name(prefix, name));
    }
  };
  visit(*this, "");
  return out;
}

std::vector<NamedModule> Module::named_children() {
  std::vector<NamedModule> out;
  for (auto& [name, child] : children_) {
    if (!child) continue;
    const Module* module = child.get();  // clang before 16 cannot capture a structured binding
    const bool seen =
        std::any_of(out.begin(), out.end(), [&](const NamedModule& m) { return m.module == module; });
    if (!seen) out.push_back({name, child.get()});
  }
  return out;
}

namespace {

// _named_members: modules in named_modules order, each member once (by identity).
template <class Members>
std::vector<NamedTensor> named_members(Module& root, bool recurse, Members members) {
  std::vector<NamedTensor> out;
  std::vector<NamedModule> modules = recurse ? root.named_modules() : std::vector<NamedModule>{{"", &root}};
  for (const NamedModule& m : modules) {
    for (const NamedTensor& member : members(*m.module)) {
      if (!member.tensor.defined()) continue;
      const bool seen = std::any_of(out.begin(), out.end(), [&](const NamedTensor& existing) {
        return same_tensor(existing.tensor, member.tensor);
      });
      if (!seen) out.push_back({join_name(m.name, member.name), member.tensor});
    }
  }
  return out;
}

}  // namespace

std::vector<NamedTensor> Module::named_parameters(bool recurse) const {
  return named_members(const_cast<Module&>(*this), recurse, [](const Module& m) { return m.parameters_; });
}

std::vector<NamedTensor> Module::named_buffers(bool recurse) const {
  return named_members(const_cast<Module&>(*this), recurse, [](const Module& m) {
    std::vector<NamedTensor> out;
    for (const Buffer& b : m.buffers_) out.push_back(b.named);
    return out;
  });
}

void Module::collect_state(const std::string& prefix, std::vector<NamedTensor>& out) const {
  for (const NamedTensor& p : parameters_) {
    if (p.tensor.defined()) out.push_back({prefix + p.name, p.tensor});
  }
  for (const Buffer& b : buffers_) {
    if (b.persistent && b.named.tensor.defined()) out.push_back({prefix + b.named.name, b.named.tensor});
  }
  for (const auto& [name, child] : children_) {
    if (child) child->collect_state(prefix + name + ".", out);
  }
}

std::vector<NamedTensor> Module::state_dict() const {
  std::vector<NamedTensor> out;
  collect_state("", out);
  return out;
}

void Module::apply(const std::function<void(Module&)>& fn) {
  for (const NamedModule& child : named_children()) child.module->apply(fn);
  fn(*this);
}

void Module::train(bool mode) {
  training_ = mode;
  for (auto& [name, child] : children_) {
    if (child) child->train(mode);
  }
}

void Module::to(DType dtype) {
  // Converted once per distinct tensor, so that tied parameters stay tied. The originals are remembered by
  // a weak reference to their storage and their view, not held: each one's memory is released as soon as
  // the model stops using it, so converting needs the model plus one tensor, not the model twice.
  struct Original {
    std::weak_ptr<Storage> storage;
    std::int64_t offset;
    Shape sizes;
    Shape strides;
  };
  std::vector<std::pair<Original, Tensor>> converted;
  auto same_view = [](const Original& from, const Tensor& t) {
    return !from.storage.owner_before(t.storage()) && !t.storage().owner_before(from.storage) &&
           from.offset == t.storage_offset() && from.sizes == t.sizes() && from.strides == t.strides();
  };
  auto convert = [&](Tensor& t) {
    if (!t.defined() || !is_floating_point(t.dtype()) || t.dtype() == dtype) return;
    for (const auto& [from, to] : converted) {
      if (same_view(from, t)) {
        t = to;
        return;
      }
    }
    Tensor result = t.to(dtype);
    converted.emplace_back(Original{t.storage(), t.storage_offset(), t.sizes(), t.strides()}, result);
    t = result;
  };
  apply([&](Module& m) {
    for (NamedTensor& p : m.parameters_) convert(p.tensor);
    for (Buffer& b : m.buffers_) convert(b.named.tensor);
  });
}

void Module::deep_copy_into(Module& copy, std::vector<std::pair<const void*, Tensor>>& tensor_memo,
                            std::vector<std::pair<const Module*, ModulePtr>>& module_memo) const {
  auto copy_tensor = [&](Tensor& t) {
    if (!t.defined()) return;
    for (const auto& [original, duplicate] : tensor_memo) {
      if (original == t.storage().get()) {
        // Same storage as an already copied tensor: the same view over the copy's storage.
        t = Tensor(duplicate.storage(), t.dtype(), t.sizes(), t.strides(), t.storage_offset());
        return;
      }
    }
    const Tensor original = t;
    Tensor fresh(Storage::allocate(original.storage()->nbytes()), original.dtype(), original.sizes(),
                 original.strides(), original.storage_offset());
    init::copy_storage(original, fresh);
    tensor_memo.emplace_back(original.storage().get(), fresh);
    t = fresh;
  };
  for (NamedTensor& p : copy.parameters_) copy_tensor(p.tensor);
  for (Buffer& b : copy.buffers_) copy_tensor(b.named.tensor);
  for (auto& [name, child] : copy.children_) {
    if (!child) continue;
    const Module* original = child.get();
    auto memo = std::find_if(module_memo.begin(), module_memo.end(),
                             [&](const auto& e) { return e.first == original; });
    if (memo != module_memo.end()) {
      child = memo->second;
      continue;
    }
    ModulePtr duplicate = original->shallow_copy();
    module_memo.emplace_back(original, duplicate);
    original->deep_copy_into(*duplicate, tensor_memo, module_memo);
    child = duplicate;
  }
}

ModulePtr Module::clone() const {
  ModulePtr copy = shallow_copy();
  std::vector<std::pair<const void*, Tensor>> tensor_memo;
  std::vector<std::pair<const Module*, ModulePtr>> module_memo{{this, copy}};
  deep_copy_into(*copy, tensor_memo, module_memo);
  return copy;
}

std::string Module::repr() const {
  std::string out = type_name_ + "(";
  const std::string extra = extra_repr();
  std::vector<std::string> lines;
  for (const auto& [name, child] : children_) {
    std::string child_repr = child ? child->repr() : "None";
    // Indent continuation lines of the child by two spaces, as torch's _addindent.
    std::string indented;
    for (char c : child_repr) {
      indented += c;
      if (c == '\n') indented += "  ";
    }
    lines.push_back("(" + name + "): " + indented);
  }
  if (lines.empty()) return out + extra + ")";
  if (!extra.empty()) out += "\n  " + extra;
  for (const std::string& line : lines) out += "\n  " + line;
  return out + "\n)";
}

}  // namespace nninit::nn
