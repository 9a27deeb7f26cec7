#include "nninit/nn/dropout.h"

#include <utility>

#include "nninit/core/error.h"
#include "nninit/nn/python_repr.h"

namespace nninit::nn {

DropoutNd::DropoutNd(std::string type_name, DropoutOptions options)
    : Module(std::move(type_name)), options_(options) {
  if (options.p < 0 || options.p > 1) {
    throw ValueError(this->type_name() + ": dropout probability has to be between 0 and 1, but got " +
                     python_float(options.p));
  }
}

std::string DropoutNd::extra_repr() const {
  return "p=" + python_float(options_.p) + ", inplace=" + python_bool(options_.inplace);
}

}  // namespace nninit::nn
