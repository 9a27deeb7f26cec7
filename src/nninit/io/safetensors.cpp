#include "nninit/io/safetensors.h"

#include <algorithm>
#include <array>
#include <cstring>

#include <fmt/format.h>

#include "nninit/core/error.h"
#include "nninit/io/file.h"

namespace nninit::io {
namespace {

// Reads and validates the header of an open file: its first 8 + N bytes only.
SafetensorsHeader read_header(const InputFile& file, const detail::ErrorContext& context) {
  std::array<std::byte, 8> prefix{};
  const std::span<std::byte> first(prefix.data(),
                                   static_cast<std::size_t>(std::min<std::uint64_t>(8, file.size())));
  file.read_at(0, first);
  const std::uint64_t header_size = detail::parse_header_length(first, file.size(), context);
  std::vector<std::byte> json(static_cast<std::size_t>(header_size));
  file.read_at(8, json);
  return detail::parse_header_json(json, file.size(), context);
}

// Throws NotImplementedError for the first tensor whose dtype nninit does not hold.
void check_dtypes(std::span<const TensorInfo> tensors, const detail::ErrorContext& context) {
  for (const TensorInfo& info : tensors) {
    if (!info.nninit_dtype) {
      throw NotImplementedError(fmt::format(
          "{}: {}: tensor '{}' has dtype {}, which nninit cannot hold as a Tensor (it holds F32, F64, F16, "
          "BF16 and I64)",
          context.function, context.source, info.name, info.dtype));
    }
  }
}

// An uninitialized contiguous tensor for an entry whose dtype check_dtypes accepted, and its bytes.
std::pair<Tensor, std::span<std::byte>> allocate(const TensorInfo& info) {
  Tensor tensor = Tensor::empty(info.shape, *info.nninit_dtype);
  return {tensor, std::span<std::byte>(tensor.raw_data(), static_cast<std::size_t>(info.nbytes()))};
}

}  // namespace

const Tensor& SafetensorsContents::at(std::string_view name) const {
  for (const auto& [tensor_name, tensor] : tensors) {
    if (tensor_name == name) return tensor;
  }
  throw ValueError(fmt::format("SafetensorsContents::at: no tensor named '{}'", name));
}

SafetensorsHeader read_safetensors_header(const std::filesystem::path& path) {
  const std::string source = path.string();
  const detail::ErrorContext context{"read_safetensors_header", source};
  const InputFile file(path, context.function);
  return read_header(file, context);
}

SafetensorsContents read_safetensors(const std::filesystem::path& path) {
  const std::string source = path.string();
  const detail::ErrorContext context{"read_safetensors", source};
  const InputFile file(path, context.function);
  SafetensorsContents contents{read_header(file, context), {}};
  check_dtypes(contents.header.tensors, context);
  for (const TensorInfo& info : contents.header.tensors) {
    auto [tensor, bytes] = allocate(info);
    file.read_at(contents.header.data_start() + info.begin, bytes);
    contents.tensors.push_back({info.name, std::move(tensor)});
  }
  return contents;
}

Tensor read_safetensors_tensor(const std::filesystem::path& path, std::string_view name) {
  const SafetensorsFile file(path);
  const TensorInfo* info = file.header().find(name);
  if (info == nullptr) {
    throw ValueError(
        fmt::format("read_safetensors_tensor: {}: no tensor named '{}' (the file holds {} tensors)",
                    path.string(), name, file.header().tensors.size()));
  }
  return file.read(*info);
}

SafetensorsFile::SafetensorsFile(const std::filesystem::path& path)
    : source_(path.string()), file_(std::make_unique<InputFile>(path, "read_safetensors")) {
  header_ = read_header(*file_, {"read_safetensors", source_});
}

SafetensorsFile::~SafetensorsFile() = default;

Tensor SafetensorsFile::read(const TensorInfo& info) const {
  check_dtypes(std::span<const TensorInfo>(&info, 1), {"read_safetensors", source_});
  auto [tensor, bytes] = allocate(info);
  file_->read_at(header_.data_start() + info.begin, bytes);
  return tensor;
}

SafetensorsContents parse_safetensors(std::span<const std::byte> image, std::string_view source) {
  const detail::ErrorContext context{"parse_safetensors", source};
  const std::uint64_t header_size = detail::parse_header_length(image, image.size(), context);
  SafetensorsContents contents{
      detail::parse_header_json(image.subspan(8, header_size), image.size(), context), {}};
  check_dtypes(contents.header.tensors, context);
  for (const TensorInfo& info : contents.header.tensors) {
    auto [tensor, bytes] = allocate(info);
    if (!bytes.empty())
      std::memcpy(bytes.data(), image.data() + contents.header.data_start() + info.begin, bytes.size());
    contents.tensors.push_back({info.name, std::move(tensor)});
  }
  return contents;
}

void write_safetensors(const std::filesystem::path& path, std::span<const NamedTensor> tensors,
                       const Metadata& metadata) {
  constexpr std::string_view function = "write_safetensors";
  std::vector<TensorSpec> specs;
  specs.reserve(tensors.size());
  for (const auto& [name, tensor] : tensors) {
    if (!tensor.defined()) throw ValueError(fmt::format("{}: tensor '{}' is undefined", function, name));
    specs.push_back({name, tensor.dtype(), tensor.sizes()});
  }
  const SafetensorsLayout layout = detail::plan_safetensors(specs, metadata, function);
  AtomicOutputFile file(path, function);
  const std::string header = detail::encode_header(layout);
  file.write(std::as_bytes(std::span<const char>(header.data(), header.size())));
  for (const std::size_t index : layout.spec_index) {
    detail::for_each_byte_chunk(tensors[index].tensor,
                                [&](std::span<const std::byte> bytes) { file.write(bytes); });
  }
  file.commit();
}

}  // namespace nninit::io
