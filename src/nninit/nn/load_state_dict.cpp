#include "nninit/nn/load_state_dict.h"

#include <algorithm>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "nninit/core/error.h"

namespace nninit::nn {
namespace {

// "torch.Size([3, 4])", as a shape prints in PyTorch's messages.
std::string torch_size(const Shape& shape) {
  return fmt::format("torch.Size([{}])", fmt::join(shape, ", "));
}

std::string quoted_list(const std::vector<std::string>& keys) {
  std::vector<std::string> quoted;
  for (const std::string& k : keys) quoted.push_back(fmt::format("\"{}\"", k));
  return fmt::format("{}", fmt::join(quoted, ", "));
}

const Tensor* find(std::span<const NamedTensor> tensors, const std::string& name) {
  const auto it =
      std::find_if(tensors.begin(), tensors.end(), [&](const NamedTensor& t) { return t.name == name; });
  return it == tensors.end() ? nullptr : &it->tensor;
}

struct Load {
  std::span<const NamedTensor> state_dict{};
  std::vector<NamedTensor> expected{};  // the model's state_dict(): every module's local state, by full name
  std::vector<std::string> missing{};
  std::vector<std::string> unexpected{};
  std::vector<std::string> mismatches{};
  std::vector<std::pair<Tensor, Tensor>> copies{};  // (destination, source), made when nothing failed

  // One module's _load_from_state_dict, then its children's (PyTorch's `load` recursion).
  void module(const Module& m, const std::string& prefix) {
    std::vector<std::string> local;  // the module's parameters and persistent buffers, by local name
    for (const NamedTensor& t : expected) {
      if (t.name.starts_with(prefix) && t.name.find('.', prefix.size()) == std::string::npos)
        local.push_back(t.name.substr(prefix.size()));
    }
    for (const std::string& name : local) {
      const std::string key = prefix + name;
      const Tensor& destination = *find(expected, key);
      const Tensor* source = find(state_dict, key);
      if (source == nullptr) {
        // Without version metadata _NormBase fills in a missing num_batches_tracked with tensor(0).
        if (name == "num_batches_tracked" && m.is_instance("_NormBase")) {
          copies.emplace_back(destination, Tensor::zeros({}, DType::int64));
        } else {
          missing.push_back(key);
        }
        continue;
      }
      Tensor value = *source;
      if (destination.dim() == 0 && value.dim() == 1) {
        if (value.size(0) == 0) throw IndexError("index 0 is out of bounds for dimension 0 with size 0");
        value = value.narrow(0, 0, 1).reshape({});
      }
      if (value.sizes() != destination.sizes()) {
        mismatches.push_back(fmt::format(
            "size mismatch for {}: copying a param with shape {} from checkpoint, the shape in current model "
            "is {}.",
            key, torch_size(value.sizes()), torch_size(destination.sizes())));
        continue;
      }
      copies.emplace_back(destination, value);
    }
    for (const NamedTensor& t : state_dict) {
      if (!t.name.starts_with(prefix)) continue;
      const std::string rest = t.name.substr(prefix.size());
      const std::string first = rest.substr(0, rest.find('.'));
      const bool child = std::any_of(m.own_children().begin(), m.own_children().end(),
                                     [&](const auto& c) { return c.first == first; });
      if (!child && std::find(local.begin(), local.end(), first) == local.end()) unexpected.push_back(t.name);
    }
    for (const auto& [name, c] : m.own_children()) {
      if (c) module(*c, prefix + name + ".");
    }
  }
};

}  // namespace

void load_state_dict(Module& model, std::span<const NamedTensor> state_dict) {
  Load load{.state_dict = state_dict, .expected = model.state_dict()};
  load.module(model, "");
  std::vector<std::string> errors;
  if (!load.missing.empty())
    errors.push_back(fmt::format("Missing key(s) in state_dict: {}. ", quoted_list(load.missing)));
  if (!load.unexpected.empty())
    errors.push_back(fmt::format("Unexpected key(s) in state_dict: {}. ", quoted_list(load.unexpected)));
  errors.insert(errors.end(), load.mismatches.begin(), load.mismatches.end());
  if (!errors.empty()) {
    throw RuntimeError(fmt::format("Error(s) in loading state_dict for {}:\n\t{}", model.type_name(),
                                   fmt::join(errors, "\n\t")));
  }
  for (const auto& [destination, source] : load.copies) destination.copy_(source);
}

}  // namespace nninit::nn
