// How nninit lays out a safetensors file it writes; both writers (write_safetensors and
// SafetensorsWriter) use this one plan, so their files are identical for identical input.
//
// The layout is the reference writer's (huggingface/safetensors `prepare()` and `Metadata`'s
// serializer), so that nninit's files are byte-identical to what safetensors.torch.save_file writes
// for the same tensors:
//   * data order: dtype rank descending (I64, F64, F32, BF16, F16 for nninit's dtypes), then name
//     (bytewise, which is Unicode code point order for UTF-8). Every tensor then starts at a multiple
//     of its element size, so a memory-mapped file gives naturally aligned views;
//   * the header is compact JSON: `__metadata__` first (when there is any), then the tensors in data
//     order, each as {"dtype":...,"shape":[...],"data_offsets":[BEGIN,END]};
//   * the header starts with `{` and is padded with spaces to a multiple of 8 bytes, so the data
//     buffer starts 8-aligned in the file.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "nninit/core/dtype.h"
#include "nninit/core/tensor.h"
#include "nninit/io/safetensors_header.h"

namespace nninit::io {

// A tensor to be written, declared before its values exist.
struct TensorSpec {
  std::string name;
  DType dtype = DType::float32;
  Shape shape;
};

struct SafetensorsLayout {
  SafetensorsHeader header;             // the tensors in data order, offsets and file_size set
  std::string header_text;              // the N header bytes, padding included
  std::vector<std::size_t> spec_index;  // header.tensors[i] describes the planned tensors[spec_index[i]]
};

// Plans a file. ValueError (before anything is written) for an empty name, the name `__metadata__`,
// a duplicate name, a name or metadata string that is not valid UTF-8, or a negative or overflowing
// shape. An empty `metadata` writes no `__metadata__` entry.
SafetensorsLayout plan_safetensors(std::span<const TensorSpec> tensors, const Metadata& metadata);

namespace detail {

// plan_safetensors with errors reported as `function`'s.
SafetensorsLayout plan_safetensors(std::span<const TensorSpec> tensors, const Metadata& metadata,
                                   std::string_view function);

// The 8-byte little-endian length prefix followed by the header text.
std::string encode_header(const SafetensorsLayout& layout);

// Calls `sink` with the tensor's bytes in logical (row-major) order, whatever its strides: once, without
// copying, for a contiguous tensor; otherwise in chunks of at most `chunk_bytes`.
void for_each_byte_chunk(const Tensor& tensor, const std::function<void(std::span<const std::byte>)>& sink,
                         std::size_t chunk_bytes = std::size_t{1} << 20);

}  // namespace detail
}  // namespace nninit::io
