// ModuleDict: children under the names the user gives, in insertion order, as torch.nn.ModuleDict holds
// them. Like ModuleList it has no forward; it holds modules that a parent's forward picks by name.
//
//   nn::ModuleDict heads({{"classifier", linear}, {"regressor", other}});
//   heads.insert("classifier", replacement);  // keeps the name's place, as `heads['classifier'] = m` does
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "nninit/nn/module.h"

namespace nninit::nn {

class ModuleDict : public Layer<ModuleDict> {
 public:
  ModuleDict() : Layer("ModuleDict") {}
  explicit ModuleDict(std::vector<std::pair<std::string, ModulePtr>> modules);
  // Adds a child, or replaces the child of that name in its place.
  void insert(std::string name, ModulePtr module);
  std::size_t size() const { return own_children().size(); }
};

}  // namespace nninit::nn
