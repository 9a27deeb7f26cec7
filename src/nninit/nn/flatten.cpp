#include "nninit/nn/flatten.h"

#include <fmt/format.h>

#include "nninit/nn/python_repr.h"

namespace nninit::nn {

std::string Flatten::extra_repr() const {
  return fmt::format("start_dim={}, end_dim={}", options_.start_dim, options_.end_dim);
}

std::string Unflatten::extra_repr() const {
  return fmt::format("dim={}, unflattened_size={}", options_.dim, python_tuple(options_.unflattened_size));
}

}  // namespace nninit::nn
