#include "oracle_file.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <regex>

#include <fmt/format.h>

namespace nninit::conformance {

OracleFile::OracleFile(const std::string& path) : in_(path), path_(path) {
  if (!in_) throw IoError(fmt::format("conformance: cannot open {}", path));
  std::string line;
  if (!std::getline(in_, line)) throw IoError(fmt::format("conformance: {} is empty", path));
  header_ = Json::parse(line);
  if (header_.value("format", 0) != 1) throw IoError(fmt::format("conformance: {} is not format 1", path));
}

TorchVariant OracleFile::variant() const {
  TorchVariant v;
  const std::string version = header_.at("torch").get<std::string>();
  std::smatch m;
  if (!std::regex_search(version, m, std::regex(R"(^(\d+)\.(\d+))"))) {
    throw IoError(fmt::format("conformance: cannot read the torch version '{}'", version));
  }
  v.version = {std::stoi(m[1].str()), std::stoi(m[2].str())};
  const std::string capability = header_.value("capability", "");
  // An unset ATEN_CPU_CAPABILITY means the best level of the build and CPU: AVX2 or AVX512, whose
  // results are the same for everything the oracle covers (normal_ has no AVX512 kernel).
  v.capability = capability == "default"  ? TorchCapability::generic
                 : capability == "avx512" ? TorchCapability::avx512
                                          : TorchCapability::avx2;
  return v;
}

std::string OracleFile::describe() const {
  std::string text =
      fmt::format("torch {} capability {}", header_.at("torch").get<std::string>(),
                  header_.value("capability", "").empty() ? "(unset)" : header_.value("capability", ""));
  // The forward oracle says whether PyTorch's convolutions ran through oneDNN, and why not.
  if (header_.contains("mkldnn")) text += fmt::format(", oneDNN {}", header_.at("mkldnn").get<std::string>());
  return text;
}

bool OracleFile::next(Json& record) {
  std::string line;
  while (std::getline(in_, line)) {
    if (line.empty()) continue;
    record = Json::parse(line);
    return true;
  }
  return false;
}

DType dtype_from_name(const std::string& name) {
  if (name == "float32") return DType::float32;
  if (name == "float64") return DType::float64;
  if (name == "float16") return DType::float16;
  if (name == "bfloat16") return DType::bfloat16;
  if (name == "int64") return DType::int64;
  throw IoError(fmt::format("conformance: unknown dtype '{}'", name));
}

std::uint64_t seed_from_json(const Json& value) {
  if (value.is_number_unsigned()) return value.get<std::uint64_t>();
  return static_cast<std::uint64_t>(value.get<std::int64_t>());
}

Tensor apply_view_ops(Tensor tensor, const Json& ops) {
  for (const Json& op : ops) {
    const std::string name = op.at(0).get<std::string>();
    if (name == "t") {
      tensor = tensor.t();
    } else if (name == "transpose") {
      tensor = tensor.transpose(op.at(1).get<std::int64_t>(), op.at(2).get<std::int64_t>());
    } else if (name == "permute") {
      const auto dims = op.at(1).get<std::vector<std::int64_t>>();
      tensor = tensor.permute(dims);
    } else if (name == "slice") {
      tensor = tensor.slice(op.at(1).get<std::int64_t>(), op.at(2).get<std::int64_t>(),
                            op.at(3).get<std::int64_t>(), op.at(4).get<std::int64_t>());
    } else if (name == "select") {
      tensor = tensor.select(op.at(1).get<std::int64_t>(), op.at(2).get<std::int64_t>());
    } else {
      throw IoError(fmt::format("conformance: unknown view op '{}'", name));
    }
  }
  return tensor;
}

bool close_within(const Tensor& ours, const std::string& theirs_hex, double tolerance) {
  if (ours.dtype() != DType::float32 && ours.dtype() != DType::float64) return false;
  const std::vector<double> values = ours.to_doubles();
  const std::size_t width = 2 * itemsize(ours.dtype());
  if (theirs_hex.size() != values.size() * width) return false;
  std::vector<double> theirs(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    std::uint64_t bits = 0;
    for (std::size_t b = 0; b < width / 2; ++b) {
      bits |= std::stoull(theirs_hex.substr(i * width + 2 * b, 2), nullptr, 16) << (8 * b);
    }
    if (ours.dtype() == DType::float64) {
      std::memcpy(&theirs[i], &bits, 8);
    } else {
      float f;
      const auto b32 = static_cast<std::uint32_t>(bits);
      std::memcpy(&f, &b32, 4);
      theirs[i] = f;
    }
  }
  double scale = 1.0;
  for (double t : theirs) scale = std::max(scale, std::fabs(t));
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!(std::fabs(values[i] - theirs[i]) <= tolerance * scale)) return false;
  }
  return true;
}

std::string tensor_hex(const Tensor& tensor) {
  const Tensor contiguous = tensor.contiguous();
  const auto* bytes =
      reinterpret_cast<const std::uint8_t*>(contiguous.numel() == 0 ? nullptr : contiguous.raw_data());
  const std::size_t n = static_cast<std::size_t>(contiguous.numel()) * itemsize(contiguous.dtype());
  std::string out;
  out.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) out += fmt::format("{:02x}", bytes[i]);
  return out;
}

std::string bytes_hex(const std::vector<std::uint8_t>& bytes) {
  std::string out;
  out.reserve(2 * bytes.size());
  for (std::uint8_t b : bytes) out += fmt::format("{:02x}", b);
  return out;
}

std::string_view warning_category_name(WarningCategory category) {
  switch (category) {
    case WarningCategory::user: return "UserWarning";
    case WarningCategory::future: return "FutureWarning";
    case WarningCategory::deprecation: return "DeprecationWarning";
  }
  return "Warning";
}

std::string normalized_message(std::string message) {
  message = std::regex_replace(message, std::regex(R"(\.? Did you mean '[^']*'\?$)"), "");
  message = std::regex_replace(
      message, std::regex(R"((float |integer )?(division or modulo|division|modulo) by zero)"),
      "division by zero");
  return message;
}

bool same_error(const Error& ours, const Json& theirs) {
  if (python_name(ours.kind()) != theirs.at("type").get<std::string>()) return false;
  return normalized_message(ours.what()).find(normalized_message(theirs.at("message").get<std::string>())) !=
         std::string::npos;
}

}  // namespace nninit::conformance
