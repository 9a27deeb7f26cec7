// Sequential and ModuleList: ordered containers whose children are named "0", "1", ...
#pragma once

#include <vector>

#include "nninit/nn/module.h"

namespace nninit::nn {

class Sequential : public Layer<Sequential> {
 public:
  Sequential() : Layer("Sequential") {}
  explicit Sequential(std::vector<ModulePtr> modules);
  void push_back(ModulePtr module);
  std::size_t size() const { return own_children().size(); }
  Module& operator[](std::size_t index) const { return *own_children().at(index).second; }
};

class ModuleList : public Layer<ModuleList> {
 public:
  ModuleList() : Layer("ModuleList") {}
  explicit ModuleList(std::vector<ModulePtr> modules);
  void push_back(ModulePtr module);
  std::size_t size() const { return own_children().size(); }
  Module& operator[](std::size_t index) const { return *own_children().at(index).second; }
};

}  // namespace nninit::nn
