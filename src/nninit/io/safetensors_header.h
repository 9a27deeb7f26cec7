// The safetensors header: its dtypes, its parsed form, and the strict validation of a file's first
// 8 + N bytes against the file's size.
//
// Format (huggingface/safetensors, README "Format"; reference reader `read_metadata`/`validate`):
//   bytes [0, 8)        N, the header length, u64 little-endian
//   bytes [8, 8 + N)    a UTF-8 JSON object, possibly padded with whitespace:
//                         {"__metadata__": {"k": "v", ...},                        (optional)
//                          "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [BEGIN, END]}, ...}
//   bytes [8 + N, end)  the data buffer; a tensor's bytes are [8 + N + BEGIN, 8 + N + END), row-major,
//                       little-endian.
// Validation is the reference reader's, applied to every file nninit reads: the file is at least 8
// bytes; N <= 100,000,000 and 8 + N <= the file size; the header is UTF-8 JSON, an object; each entry
// but `__metadata__` has exactly dtype (a known name), shape (non-negative integers) and data_offsets
// (two non-negative integers, END >= BEGIN); END - BEGIN = numel * bits / 8, computed without
// overflow and ending on a byte; `__metadata__` maps strings to strings; sorted by offset, the tensors
// tile the data buffer exactly (the first at 0, no hole, no overlap, no trailing byte).
// It is stricter where the reference is lax or where nlohmann would be: duplicate keys in any object
// (serde and nlohmann keep the last one silently), a byte-order mark, a NUL byte (nlohmann stops
// reading there), nesting deeper than 64 (nlohmann's parser would recurse), and shapes whose row-major
// strides overflow int64 even when they hold no element (nninit's Tensor could not describe them).
// Each violation is an IoError naming the function and the file and, where there is one, the tensor
// and the byte offset (or the JSON line and column).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "nninit/core/dtype.h"
#include "nninit/core/tensor.h"

namespace nninit::io {

// The reference reader's limit on N (MAX_HEADER_SIZE).
inline constexpr std::uint64_t max_header_size = 100'000'000;

// One element type a safetensors header can name.
struct SafetensorsDType {
  std::string_view name;       // "F32", "BF16", "F8_E4M3", ...
  std::uint32_t bits;          // bits per element: 4 (F4), 6 (F6_*), 8, 16, 32 or 64
  std::optional<DType> dtype;  // the nninit DType, for the five nninit can hold as a Tensor
  // Position in the reference's `enum Dtype` (declared in increasing alignment). Its writer orders
  // tensors by this rank, descending, then by name.
  int rank;
};

// The dtype named `name`, or nullptr for a string the format does not define.
const SafetensorsDType* find_safetensors_dtype(std::string_view name);
// Every dtype of the format, in rank order.
std::span<const SafetensorsDType> safetensors_dtypes();
// The format's name for an nninit dtype: F32, F64, F16, BF16, I64.
std::string_view safetensors_dtype_name(DType dtype);

// The header's `__metadata__`: strings only, as the format requires.
using Metadata = std::map<std::string, std::string>;

// One tensor entry of a header.
struct TensorInfo {
  std::string name;
  std::string dtype;                  // as the header writes it: "F32", "U8", ...
  std::optional<DType> nninit_dtype;  // set for F32, F64, F16, BF16 and I64
  Shape shape;
  std::uint64_t numel = 0;
  std::uint64_t begin = 0;  // data_offsets[0]: relative to the start of the data buffer
  std::uint64_t end = 0;    // data_offsets[1]: one past the last byte
  std::uint64_t nbytes() const { return end - begin; }
};

// A validated header.
struct SafetensorsHeader {
  std::vector<TensorInfo> tensors;  // in the order the header lists them
  Metadata metadata;                // empty when the file has no __metadata__
  std::uint64_t header_size = 0;    // N, padding included
  std::uint64_t file_size = 0;

  // File offset of the data buffer.
  std::uint64_t data_start() const { return 8 + header_size; }
  // The entry named `name`, or nullptr. A linear search: for many lookups, build a map.
  const TensorInfo* find(std::string_view name) const;
  // Indices into `tensors` in data order (by data_offsets); for the same index, a reader's tensors.
  std::vector<std::size_t> offset_order() const;
};

// Validates an in-memory file image (all of it, or at least its first 8 + N bytes when `file_size`
// says the file is longer) and returns its header. `source` names the file in messages. For tests
// and fuzzing; the readers in safetensors.h use the same code.
SafetensorsHeader parse_safetensors_header(std::span<const std::byte> image, std::uint64_t file_size,
                                           std::string_view source);

namespace detail {

// Where an error is reported from: "<function>: <source>: <message>".
struct ErrorContext {
  std::string_view function;
  std::string_view source;
};

// N from the first 8 bytes (fewer when the file is shorter), checked against the limit and the size.
std::uint64_t parse_header_length(std::span<const std::byte> first_bytes, std::uint64_t file_size,
                                  const ErrorContext& context);
// The header from its N JSON bytes; the offsets are checked against `file_size`.
SafetensorsHeader parse_header_json(std::span<const std::byte> json, std::uint64_t file_size,
                                    const ErrorContext& context);

}  // namespace detail
}  // namespace nninit::io
