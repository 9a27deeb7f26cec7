// The per-tensor view shared by `inspect`, `fill` and `init`: what a user needs to judge an
// initialisation: shape, fans, moments and extremes, and the std each common scheme would give that
// shape. Printed as a table on stdout, or as one JSON document with --json.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "nninit/core/tensor.h"
#include "nninit/core/tensor_statistics.h"
#include "nninit/init/fan.h"

namespace nninit::cli {

struct TensorSummary {
  std::string name;
  std::string dtype;  // nninit's dtype name, or the file's dtype string when nninit cannot hold it
  Shape shape;
  std::int64_t numel = 0;
  std::optional<init::Fans> fans;              // tensors of 2 or more dimensions
  std::optional<TensorStatistics> statistics;  // absent when the data could not be read
  init::ReferenceStds reference;
};

TensorSummary summarize(const std::string& name, const Tensor& tensor);

// A table with one row per tensor, headed by `title`.
std::string format_table(const std::string& title, const std::vector<TensorSummary>& tensors);
nlohmann::ordered_json to_json(const std::vector<TensorSummary>& tensors);

}  // namespace nninit::cli
