// Reading the JSON-lines files written by torch_oracle.py (format in README.md) and the helpers the
// conformance runners share: the PyTorch variant of a file, view ops, tensors as little-endian hex,
// and the comparison of PyTorch's errors with nninit's.
#pragma once

#include <exception>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "nninit/core/error.h"
#include "nninit/core/tensor.h"
#include "nninit/core/torch_release.h"
#include "nninit/core/warning.h"

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
// Element-wise |ours - theirs| <= tolerance * scale, where the scale is the largest magnitude in PyTorch's
// result (at least 1): orthogonal_(gain=g) multiplies Q, and the difference between two QRs, by g. False for
// dtypes other than float32 and float64, and for a hex string of another length.
bool close_within(const Tensor& ours, const std::string& theirs_hex, double tolerance);

// Element bytes in logical order as lowercase hex, as the oracle writes them.
std::string tensor_hex(const Tensor& tensor);
std::string bytes_hex(const std::vector<std::uint8_t>& bytes);
std::string_view warning_category_name(WarningCategory category);

// PyTorch's message with what the Python version adds removed (" Did you mean ...?"), and division-by-zero
// wordings unified across Python releases.
std::string normalized_message(std::string message);
// True when nninit's error has PyTorch's type and carries PyTorch's message.
bool same_error(const Error& ours, const Json& theirs);

// The command line the bit-exact runners share: `PROGRAM [--max-reports N] ORACLE.jsonl...`. Runs every file
// through a Runner(max_reports) (run(path) -> bool, total_cases(), total_failures()), prints
// "SUITE conformance: N generated cases from K oracle run(s), M mismatching" and returns the exit status:
// 0 all equal, 1 a mismatch, 2 bad usage or an unreadable file.
template <class Runner>
int run_oracle_files(int argc, char** argv, std::string_view suite) {
  std::vector<std::string> files;
  int max_reports = 20;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--max-reports" && i + 1 < argc) {
      max_reports = std::stoi(argv[++i]);
    } else {
      files.push_back(arg);
    }
  }
  if (files.empty()) {
    std::cerr << "usage: nninit_" << suite << "_conformance [--max-reports N] ORACLE.jsonl...\n";
    return 2;
  }
  Runner runner(max_reports);
  bool ok = true;
  try {
    for (const std::string& file : files) ok = runner.run(file) && ok;
  } catch (const std::exception& e) {
    std::cerr << "nninit_" << suite << "_conformance: " << e.what() << "\n";
    return 2;
  }
  std::cout << suite << " conformance: " << runner.total_cases() << " generated cases from " << files.size()
            << " oracle run(s), " << runner.total_failures() << " mismatching\n";
  return ok ? 0 : 1;
}

}  // namespace nninit::conformance
