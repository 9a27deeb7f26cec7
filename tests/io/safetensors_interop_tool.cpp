// The C++ half of the safetensors cross-check (safetensors_interop.py is the other half):
//
//   safetensors_interop_tool write DIR   writes nninit's test files into DIR (the script knows their
//                                        names, dtypes, shapes and values)
//   safetensors_interop_tool dump FILE   reads FILE with nninit and prints it as one JSON document:
//                                        {"metadata": {...}, "tensors": [{"name", "dtype", "shape",
//                                        "data_offsets", "hex"}, ...]} in header order; "hex" (the
//                                        tensor's bytes) is null for dtypes nninit does not hold.
//                                        On an nninit error: the message on stderr, exit status 1.
//   safetensors_interop_tool write-sharded DIR MAX
//                                        writes the checkpoint of sharded_checkpoint() into DIR with
//                                        ShardedSafetensorsWriter, in shards of at most MAX bytes ("none":
//                                        no maximum); sharded_checkpoint.py reads it back
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "nninit/core/error.h"
#include "nninit/core/tensor.h"
#include "nninit/io/safetensors.h"
#include "nninit/io/safetensors_writer.h"
#include "nninit/io/sharded_safetensors_writer.h"

namespace {

using nninit::DType;
using nninit::NamedTensor;
using nninit::Shape;
using nninit::Tensor;

// The values the script expects for a tensor of n elements (exact in every dtype): (i % 97) / 4 - 12,
// or for int64 a number beyond 2^53 that a trip through double would change.
Tensor pattern(const Shape& shape, DType dtype) {
  Tensor tensor = Tensor::empty(shape, dtype);
  const std::int64_t n = tensor.numel();
  if (dtype == DType::int64) {
    auto* data = tensor.data_ptr<std::int64_t>();
    for (std::int64_t i = 0; i < n; ++i) data[i] = (std::int64_t{1} << 60) + i * 1'000'003 - 7;
    return tensor;
  }
  std::vector<double> values(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i)
    values[static_cast<std::size_t>(i)] = static_cast<double>(i % 97) / 4 - 12;
  return Tensor::from_values(values, shape, dtype);
}

void write_files(const std::filesystem::path& dir) {
  const DType dtypes[] = {DType::float32, DType::float64, DType::float16, DType::bfloat16, DType::int64};
  const char* names[] = {"f32", "f64", "f16", "bf16", "i64"};
  std::vector<NamedTensor> all;
  for (int k = 0; k < 5; ++k) {
    all.push_back({std::string(names[k]) + ".matrix", pattern({7, 5}, dtypes[k])});
    all.push_back({std::string(names[k]) + ".scalar", pattern({}, dtypes[k])});
    all.push_back({std::string(names[k]) + ".empty", pattern({2, 0, 3}, dtypes[k])});
    all.push_back({std::string(names[k]) + ".odd", pattern({3}, dtypes[k])});
  }
  nninit::io::write_safetensors(dir / "dtypes.safetensors", all);

  // The same tensors through the streaming writer: floating ones filled through its memory-mapped
  // views, int64 ones by write() (Tensor::copy_ converts through double, which int64 values beyond
  // 2^53 do not survive).
  std::vector<nninit::io::TensorSpec> specs;
  for (const auto& [name, tensor] : all) specs.push_back({name, tensor.dtype(), tensor.sizes()});
  nninit::io::SafetensorsWriter writer(dir / "streamed.safetensors", specs);
  for (const auto& [name, tensor] : all) {
    if (tensor.dtype() == DType::int64) {
      writer.write(name, tensor);
    } else {
      writer.view(name).copy_(tensor);
    }
  }
  writer.commit();

  // Views: base[i, j] = pattern index 6 * i + j; the script rebuilds each view with numpy.
  const Tensor base32 = pattern({4, 6}, DType::float32);
  const Tensor base64 = pattern({4, 6}, DType::int64);
  const Tensor cube = pattern({2, 3, 4}, DType::bfloat16);
  const std::vector<NamedTensor> views = {
      {"transposed", base32.t()},
      {"every_other_column", base32.slice(1, 0, 6, 2)},
      {"int_transposed", base64.t()},
      {"int_column", base64.select(1, 4)},
      {"cube_permuted", cube.permute(std::vector<std::int64_t>{2, 0, 1})},
  };
  nninit::io::write_safetensors(dir / "views.safetensors", views, {{"format", "pt"}, {"seed", "42"}});

  const std::vector<NamedTensor> unicode = {{"gr\xc3\xb6\xc3\x9f"
                                             "e.weight",
                                             pattern({2}, DType::float32)},
                                            {"\xe6\x9d\x83\xe9\x87\x8d", pattern({1}, DType::float16)}};
  nninit::io::write_safetensors(dir / "unicode.safetensors", unicode, {});
}

// A small model's state_dict in its order (sharded_checkpoint.py declares the same list): mixed dtypes,
// an empty tensor and a scalar, sizes from 0 to 2,048 bytes.
void write_sharded(const std::filesystem::path& dir, const std::string& max) {
  const std::vector<std::pair<std::string, Tensor>> tensors = {
      {"embed.weight", pattern({16, 32}, DType::float32)},
      {"layers.0.norm.weight", pattern({32}, DType::bfloat16)},
      {"layers.0.proj.weight", pattern({32, 8}, DType::float16)},
      {"layers.0.proj.bias", pattern({32}, DType::float64)},
      {"layers.1.empty", pattern({0, 8}, DType::float32)},
      {"layers.1.proj.weight", pattern({8, 8}, DType::float32)},
      {"head.weight", pattern({4, 32}, DType::bfloat16)},
      {"step", pattern({}, DType::int64)},
  };
  std::vector<nninit::io::TensorSpec> specs;
  for (const auto& [name, tensor] : tensors) specs.push_back({name, tensor.dtype(), tensor.sizes()});
  const std::optional<std::uint64_t> limit =
      max == "none" ? std::nullopt : std::optional<std::uint64_t>(std::stoull(max));
  nninit::io::ShardedSafetensorsWriter writer(dir, specs, limit);
  for (const auto& [name, tensor] : tensors) writer.write(name, tensor);
  writer.commit();
}

int dump(const std::filesystem::path& file) {
  const nninit::io::SafetensorsFile opened(file);
  const nninit::io::SafetensorsHeader& header = opened.header();
  nlohmann::ordered_json out;
  out["metadata"] = header.metadata;
  out["tensors"] = nlohmann::ordered_json::array();
  for (const nninit::io::TensorInfo& info : header.tensors) {
    nlohmann::ordered_json entry;
    entry["name"] = info.name;
    entry["dtype"] = info.dtype;
    entry["shape"] = info.shape;
    entry["data_offsets"] = {info.begin, info.end};
    if (info.nninit_dtype) {
      const Tensor tensor = opened.read(info);
      static constexpr char digits[] = "0123456789abcdef";
      std::string hex;
      for (std::size_t i = 0; i < info.nbytes(); ++i) {
        const auto byte = std::to_integer<unsigned>(tensor.raw_data()[i]);
        hex += digits[byte >> 4];
        hex += digits[byte & 15];
      }
      entry["hex"] = hex;
    } else {
      entry["hex"] = nullptr;
    }
    out["tensors"].push_back(std::move(entry));
  }
  // The whole-file reader must agree (it refuses dtypes nninit does not hold).
  bool all_held = true;
  for (const auto& info : header.tensors) all_held = all_held && info.nninit_dtype.has_value();
  if (all_held) nninit::io::read_safetensors(file);
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string command = argc > 1 ? argv[1] : "";
  if (argc != (command == "write-sharded" ? 4 : 3)) {
    std::fprintf(stderr, "usage: %s write DIR | dump FILE | write-sharded DIR MAX\n", argv[0]);
    return 2;
  }
  try {
    if (command == "write-sharded") {
      write_sharded(argv[2], argv[3]);
      return 0;
    }
    if (command == "write") {
      write_files(argv[2]);
      return 0;
    }
    if (command == "dump") return dump(argv[2]);
  } catch (const nninit::Error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  std::fprintf(stderr, "unknown command '%s'\n", command.c_str());
  return 2;
}
