#include "nninit/io/safetensors_layout.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <numeric>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "nninit/core/error.h"
#include "nninit/core/memory_order.h"
#include "nninit/io/utf8.h"

namespace nninit::io {
namespace {

std::span<const std::byte> bytes_of(std::string_view text) {
  return std::as_bytes(std::span<const char>(text.data(), text.size()));
}

// The number of data bytes of a declared tensor, or nullopt when the shape is negative or overflows
// (the row-major strides, zeros counted as ones, must fit in int64 as Tensor needs).
std::optional<std::uint64_t> declared_nbytes(const TensorSpec& spec) {
  std::uint64_t numel = 1;
  std::uint64_t span = 1;
  for (const std::int64_t size : spec.shape) {
    if (size < 0) return std::nullopt;
    const auto size_u = static_cast<std::uint64_t>(size);
    if (size_u != 0 && numel > std::numeric_limits<std::uint64_t>::max() / size_u) return std::nullopt;
    numel *= size_u;
    const std::uint64_t factor = std::max<std::uint64_t>(size_u, 1);
    if (span > static_cast<std::uint64_t>(INT64_MAX) / factor) return std::nullopt;
    span *= factor;
  }
  const std::uint64_t item = itemsize(spec.dtype);
  if (numel > static_cast<std::uint64_t>(INT64_MAX) / item) return std::nullopt;
  return numel * item;
}

}  // namespace

SafetensorsLayout plan_safetensors(std::span<const TensorSpec> tensors, const Metadata& metadata) {
  return detail::plan_safetensors(tensors, metadata, "plan_safetensors");
}

namespace detail {

SafetensorsLayout plan_safetensors(std::span<const TensorSpec> tensors, const Metadata& metadata,
                                   std::string_view function) {
  const auto fail = [&](const std::string& message) {
    throw ValueError(fmt::format("{}: {}", function, message));
  };
  std::set<std::string_view> names;
  std::vector<std::uint64_t> sizes;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const TensorSpec& spec = tensors[i];
    if (spec.name.empty()) fail(fmt::format("tensor #{} has an empty name", i));
    if (spec.name == "__metadata__") {
      fail("the tensor name '__metadata__' is reserved for the header's metadata");
    }
    if (const auto bad = find_invalid_utf8(bytes_of(spec.name))) {
      fail(fmt::format("the name of tensor #{} is not valid UTF-8 (byte {})", i, *bad));
    }
    if (!names.insert(spec.name).second) fail(fmt::format("duplicate tensor name '{}'", spec.name));
    const auto nbytes = declared_nbytes(spec);
    if (!nbytes)
      fail(fmt::format("tensor '{}' has an invalid shape {}", spec.name, shape_string(spec.shape)));
    sizes.push_back(*nbytes);
  }
  for (const auto& [key, value] : metadata) {
    const auto bad_key = find_invalid_utf8(bytes_of(key));
    const auto bad_value = find_invalid_utf8(bytes_of(value));
    if (bad_key || bad_value) fail("a __metadata__ key or value is not valid UTF-8");
  }

  SafetensorsLayout layout;
  layout.spec_index.resize(tensors.size());
  std::iota(layout.spec_index.begin(), layout.spec_index.end(), std::size_t{0});
  std::sort(layout.spec_index.begin(), layout.spec_index.end(), [&](std::size_t a, std::size_t b) {
    const int rank_a = find_safetensors_dtype(safetensors_dtype_name(tensors[a].dtype))->rank;
    const int rank_b = find_safetensors_dtype(safetensors_dtype_name(tensors[b].dtype))->rank;
    if (rank_a != rank_b) return rank_a > rank_b;
    return tensors[a].name < tensors[b].name;
  });

  // The JSON text is assembled entry by entry (nlohmann::ordered_json would find each key by linear
  // search: O(n^2) for n tensors).
  std::string& text = layout.header_text;
  text = "{";
  const auto append = [&](const std::string& key, const nlohmann::ordered_json& value) {
    if (text.size() > 1) text += ',';
    text += nlohmann::json(key).dump();
    text += ':';
    text += value.dump();
  };
  if (!metadata.empty()) append("__metadata__", metadata);
  std::uint64_t offset = 0;
  for (const std::size_t index : layout.spec_index) {
    const TensorSpec& spec = tensors[index];
    if (sizes[index] > std::numeric_limits<std::uint64_t>::max() - offset) {
      fail("the tensors' total size overflows");
    }
    TensorInfo info;
    info.name = spec.name;
    info.dtype = safetensors_dtype_name(spec.dtype);
    info.nninit_dtype = spec.dtype;
    info.shape = spec.shape;
    info.numel = sizes[index] / itemsize(spec.dtype);
    info.begin = offset;
    info.end = offset + sizes[index];
    offset = info.end;
    nlohmann::ordered_json entry = nlohmann::ordered_json::object();
    entry["dtype"] = info.dtype;
    entry["shape"] = info.shape;
    entry["data_offsets"] = {info.begin, info.end};
    append(info.name, entry);
    layout.header.tensors.push_back(std::move(info));
  }

  text += '}';
  text.resize((text.size() + 7) / 8 * 8, ' ');
  if (text.size() > max_header_size) {
    fail(fmt::format("the header would be {} bytes, more than the format's limit of {}", text.size(),
                     max_header_size));
  }
  layout.header.metadata = metadata;
  layout.header.header_size = text.size();
  if (offset > std::numeric_limits<std::uint64_t>::max() - layout.header.data_start()) {
    fail("the tensors' total size overflows");
  }
  layout.header.file_size = layout.header.data_start() + offset;
  return layout;
}

std::string encode_header(const SafetensorsLayout& layout) {
  std::string bytes(8, '\0');
  std::uint64_t n = layout.header_text.size();
  for (char& byte : bytes) {
    byte = static_cast<char>(n & 0xFF);
    n >>= 8;
  }
  return bytes + layout.header_text;
}

void for_each_byte_chunk(const Tensor& tensor, const std::function<void(std::span<const std::byte>)>& sink,
                         std::size_t chunk_bytes) {
  const std::int64_t numel = tensor.numel();
  if (numel == 0) return;
  const std::size_t item = itemsize(tensor.dtype());
  const std::size_t total = static_cast<std::size_t>(numel) * item;
  const std::byte* base = tensor.raw_data();
  if (tensor.is_contiguous()) {
    sink(std::span<const std::byte>(base, total));
    return;
  }
  std::vector<std::byte> buffer(std::min(total, std::max(chunk_bytes / item, std::size_t{1}) * item));
  std::size_t used = 0;
  for_each_logical_offset(tensor, [&](std::int64_t offset) {
    std::memcpy(buffer.data() + used, base + offset * static_cast<std::ptrdiff_t>(item), item);
    used += item;
    if (used == buffer.size()) {
      sink(buffer);
      used = 0;
    }
  });
  if (used != 0) sink(std::span<const std::byte>(buffer.data(), used));
}

}  // namespace detail
}  // namespace nninit::io
