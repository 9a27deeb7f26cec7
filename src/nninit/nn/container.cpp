#include "nninit/nn/container.h"

#include <string>

namespace nninit::nn {

Sequential::Sequential(std::vector<ModulePtr> modules) : Layer("Sequential") {
  for (ModulePtr& m : modules) push_back(std::move(m));
}

void Sequential::push_back(ModulePtr module) {
  register_module(std::to_string(size()), std::move(module));
}

ModuleList::ModuleList(std::vector<ModulePtr> modules) : Layer("ModuleList") {
  for (ModulePtr& m : modules) push_back(std::move(m));
}

void ModuleList::push_back(ModulePtr module) {
  register_module(std::to_string(size()), std::move(module));
}

}  // namespace nninit::nn
