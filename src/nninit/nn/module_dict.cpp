#include "nninit/nn/module_dict.h"

namespace nninit::nn {

ModuleDict::ModuleDict(std::vector<std::pair<std::string, ModulePtr>> modules) : Layer("ModuleDict") {
  for (auto& [name, module] : modules) insert(std::move(name), std::move(module));
}

void ModuleDict::insert(std::string name, ModulePtr module) {
  register_module(std::move(name), std::move(module));
}

}  // namespace nninit::nn
