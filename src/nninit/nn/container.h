// Sequential and ModuleList: ordered containers whose children are named "0", "1", ...
//
// A container holds its children by ModulePtr: a module added twice, to one container or to two, is one
// shared module, as in PyTorch, and named_parameters() reports its parameters once.
//
//   nn::Sequential mlp;
//   mlp.push_back(std::make_shared<nn::Linear>(nn::LinearOptions{.in_features = 784, .out_features = 256}));
//   mlp.push_back(std::make_shared<nn::ReLU>());                   // named "1"
//   auto& first = dynamic_cast<nn::Linear&>(mlp[0]);               // or mlp.child_as<nn::Linear>("0")
//   nn::ModuleList blocks({mlp.own_children()[0].second, std::make_shared<nn::Tanh>()});  // shares mlp's "0"
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
