#include "nninit/nn/pooling.h"

#include <utility>

#include <fmt/format.h>

#include "nninit/core/error.h"
#include "nninit/nn/python_repr.h"

namespace nninit::nn {
namespace {

template <class Values>
void check_count(const Values& values, std::size_t dims, std::string_view layer, std::string_view argument) {
  if (values.size() != 1 && values.size() != dims) {
    throw ValueError(
        fmt::format("{}: {} must have 1 or {} values, got {}", layer, argument, dims, values.size()));
  }
}

std::string output_size_repr(const OutputSize& size) {
  auto one = [](const std::optional<std::int64_t>& v) { return python_optional(v); };
  if (size.size() == 1) return one(size[0]);
  std::string out = "(";
  for (std::size_t i = 0; i < size.size(); ++i) out += (i ? ", " : "") + one(size[i]);
  return out + ")";
}

}  // namespace

MaxPoolNd::MaxPoolNd(std::string type_name, std::size_t dims, MaxPoolOptions options)
    : Module(std::move(type_name)), options_(std::move(options)) {
  if (!options_.stride) options_.stride = options_.kernel_size;
  check_count(options_.kernel_size, dims, this->type_name(), "kernel_size");
  check_count(*options_.stride, dims, this->type_name(), "stride");
  check_count(options_.padding, dims, this->type_name(), "padding");
  check_count(options_.dilation, dims, this->type_name(), "dilation");
}

std::string MaxPoolNd::extra_repr() const {
  return fmt::format("kernel_size={}, stride={}, padding={}, dilation={}, ceil_mode={}",
                     python_size(options_.kernel_size), python_size(*options_.stride),
                     python_size(options_.padding), python_size(options_.dilation),
                     python_bool(options_.ceil_mode));
}

AvgPoolNd::AvgPoolNd(std::string type_name, std::size_t dims, AvgPoolOptions options)
    : Module(std::move(type_name)), options_(std::move(options)), as_tuples_(dims == 1) {
  if (dims == 1 && options_.divisor_override) {
    throw TypeError(fmt::format("{}: {}.__init__() got an unexpected keyword argument 'divisor_override'",
                                this->type_name(), this->type_name()));
  }
  if (!options_.stride) options_.stride = options_.kernel_size;
  check_count(options_.kernel_size, dims, this->type_name(), "kernel_size");
  check_count(*options_.stride, dims, this->type_name(), "stride");
  check_count(options_.padding, dims, this->type_name(), "padding");
}

std::string AvgPoolNd::extra_repr() const {
  // AvgPool1d stores _single(...) tuples; AvgPool2d/3d store the arguments as given.
  auto show = [&](const Shape& v) { return as_tuples_ ? python_tuple(v) : python_size(v); };
  return fmt::format("kernel_size={}, stride={}, padding={}", show(options_.kernel_size),
                     show(*options_.stride), show(options_.padding));
}

AdaptiveAvgPoolNd::AdaptiveAvgPoolNd(std::string type_name, std::size_t dims, AdaptiveAvgPoolOptions options)
    : Module(std::move(type_name)), options_(std::move(options)) {
  check_count(options_.output_size, dims, this->type_name(), "output_size");
}

std::string AdaptiveAvgPoolNd::extra_repr() const {
  return "output_size=" + output_size_repr(options_.output_size);
}

AdaptiveMaxPoolNd::AdaptiveMaxPoolNd(std::string type_name, std::size_t dims, AdaptiveMaxPoolOptions options)
    : Module(std::move(type_name)), options_(std::move(options)) {
  check_count(options_.output_size, dims, this->type_name(), "output_size");
}

std::string AdaptiveMaxPoolNd::extra_repr() const {
  return "output_size=" + output_size_repr(options_.output_size);
}

}  // namespace nninit::nn
