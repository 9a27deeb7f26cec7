// Reading the JSON-lines files written by torch_oracle.py (format in README.md) and the helpers the
// conformance runners share: the PyTorch variant of a file, view ops, tensors as little-endian hex,
// and the comparison of PyTorch's errors with nninit's.
#pragma once

#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "nninit/core/error.h"
#include "nninit/core/tensor.h"
#include "nninit/core/warning.h"
#include "nninit/random/torch_variant.h"

namespace nninit::conformance {

using Json = nlohmann::json;

// A JSON-lines file: the header, then one case per line.
class OracleFile {
 public:
  explicit OracleFile(const std::string& path);
  const Json& header() const { return header_; }
  // The PyTorch release and capability the file was produced with.
  TorchVariant variant() const;
  std::string describe() const;
  // The next case, or false at the end.
  bool next(Json& record);

 private:
  std::ifstream in_;
  std::string path_;
  Json header_;
};

DType dtype_from_name(const std::string& name);
// A JSON integer in [-2^63, 2^64) as the uint64 PyTorch's manual_seed stores.
std::uint64_t seed_from_json(const Json& value);
// Applies the oracle's view ops (["t"], ["transpose", a, b], ["permute", [...]], ["slice", d, start, stop,
// step], ["select", d, i]).
Tensor apply_view_ops(Tensor tensor, const Json& ops);
// Element bytes in logical order as lowercase hex, as the oracle writes them.
std::string tensor_hex(const Tensor& tensor);
std::string bytes_hex(const std::vector<std::uint8_t>& bytes);
std::string_view warning_category_name(WarningCategory category);

// PyTorch's message with what the Python version adds removed (" Did you mean ...?"), and division-by-zero
// wordings unified across Python releases.
std::string normalized_message(std::string message);
// True when nninit's error has PyTorch's type and carries PyTorch's message.
bool same_error(const Error& ours, const Json& theirs);

}  // namespace nninit::conformance
