// The per-tensor view shared by `inspect`, `fill` and `init`: what a user needs to judge an
// initialisation: shape, fans, moments and extremes, and the std each common scheme would give that
// shape. Printed as a table on stdout, or as one JSON document with --json.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
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

// `text` with its control characters written as Python's repr writes them (\n, \t, \r, \x1b, \x7f, and
// \x80 to \x9f for the C1 controls U+0080 to U+009F), so that a name or metadata from a file cannot send
// escape sequences to a terminal. Valid UTF-8 otherwise passes unchanged; `keep_newlines` keeps '\n' (for
// messages of several lines).
std::string printable(std::string_view text, bool keep_newlines = false);

// A table with one row per tensor, headed by `title`; names and dtypes are printable(). NaN and
// infinities are counted in their own column and left out of the statistics; a statistic with no value
// (the mean of no finite element, the std of fewer than two) is "-".
std::string format_table(const std::string& title, const std::vector<TensorSummary>& tensors);
nlohmann::ordered_json to_json(const std::vector<TensorSummary>& tensors);

}  // namespace nninit::cli
