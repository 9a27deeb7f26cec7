#include "nninit/io/safetensors_header.h"

#include <algorithm>
#include <array>
#include <bit>
#include <limits>
#include <numeric>
#include <set>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "nninit/core/error.h"
#include "nninit/io/utf8.h"

namespace nninit::io {
namespace {

static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian");

// nlohmann::json, not ordered_json: ordered_json finds keys by linear search, which makes a header of
// n tensors cost O(n^2). The header's order is recorded while parsing instead.
using Json = nlohmann::json;

// The reference's `enum Dtype` (safetensors/src/tensor.rs), in its declaration order.
constexpr std::array<SafetensorsDType, 22> dtype_table{{
    {"BOOL", 8, std::nullopt, 0},         {"F4", 4, std::nullopt, 1},
    {"F6_E2M3", 6, std::nullopt, 2},      {"F6_E3M2", 6, std::nullopt, 3},
    {"U8", 8, std::nullopt, 4},           {"I8", 8, std::nullopt, 5},
    {"F8_E5M2", 8, std::nullopt, 6},      {"F8_E4M3", 8, std::nullopt, 7},
    {"F8_E8M0", 8, std::nullopt, 8},      {"F8_E4M3FNUZ", 8, std::nullopt, 9},
    {"F8_E5M2FNUZ", 8, std::nullopt, 10}, {"I16", 16, std::nullopt, 11},
    {"U16", 16, std::nullopt, 12},        {"F16", 16, DType::float16, 13},
    {"BF16", 16, DType::bfloat16, 14},    {"I32", 32, std::nullopt, 15},
    {"U32", 32, std::nullopt, 16},        {"F32", 32, DType::float32, 17},
    {"C64", 64, std::nullopt, 18},        {"F64", 64, DType::float64, 19},
    {"I64", 64, DType::int64, 20},        {"U64", 64, std::nullopt, 21},
}};

constexpr std::uint64_t max_u64 = std::numeric_limits<std::uint64_t>::max();

bool json_whitespace(std::byte b) {
  return b == std::byte{' '} || b == std::byte{'\t'} || b == std::byte{'\n'} || b == std::byte{'\r'};
}

// `text` cut to at most `limit` bytes (ending with "..." when cut), never inside a UTF-8 sequence.
std::string shorten(std::string text, std::size_t limit) {
  if (text.size() <= limit) return text;
  std::size_t cut = limit - 3;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
  return text + "...";
}

// A short rendering of a JSON value for a message, with its type: `number 7`, `array [-1]`. Nested
// values are described, not dumped, to keep messages short.
std::string excerpt(const Json& value) {
  constexpr std::size_t limit = 64;
  bool flat = true;
  if (value.is_structured()) {
    for (const Json& item : value) flat = flat && !item.is_structured();
  }
  return shorten(flat ? fmt::format("{} {}", value.type_name(), value.dump())
                      : fmt::format("a nested {} of {} element(s)", value.type_name(), value.size()),
                 limit);
}

// A valid header nests three deep ({"name": {"shape": [...]}}); nlohmann's callback parser copies
// nested values recursively, so a hostile header nesting a million brackets would exhaust the stack.
constexpr int max_json_depth = 64;

// The offset of the first bracket nested deeper than max_json_depth, outside strings; or nullopt.
std::optional<std::size_t> find_excessive_nesting(std::span<const std::byte> json) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (std::size_t i = 0; i < json.size(); ++i) {
    const auto c = static_cast<char>(json[i]);
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_json_depth) return i;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return std::nullopt;
}

// a * b, or nullopt on overflow.
std::optional<std::uint64_t> checked_mul(std::uint64_t a, std::uint64_t b) {
  if (a != 0 && b > max_u64 / a) return std::nullopt;
  return a * b;
}

class HeaderParser {
 public:
  HeaderParser(const detail::ErrorContext& context, std::uint64_t header_size, std::uint64_t file_size)
      : context_(context), header_size_(header_size), file_size_(file_size) {}

  [[noreturn]] void fail(std::string_view message) const {
    throw IoError(fmt::format("{}: {}: {}", context_.function, context_.source, message));
  }

  // "data offset 12 (file byte 108)"
  std::string where(std::uint64_t data_offset) const {
    const std::uint64_t start = 8 + header_size_;
    if (data_offset > max_u64 - start) return fmt::format("data offset {}", data_offset);
    return fmt::format("data offset {} (file byte {})", data_offset, start + data_offset);
  }

  // The document, and its top-level keys in the order the header lists them.
  Json parse_json(std::string_view text, std::vector<std::string>& top_level_keys) const;
  TensorInfo parse_entry(const std::string& name, const Json& value) const;
  Metadata parse_metadata(const Json& value) const;
  void check_offsets(const SafetensorsHeader& header) const;

 private:
  const detail::ErrorContext& context_;
  std::uint64_t header_size_;
  std::uint64_t file_size_;
};

// nlohmann's message starts with "[json.exception.<kind>.<id>] ", names the line and column, and
// quotes the last token read, which may be as long as the header: the prefix goes, the rest is cut.
std::string json_error_message(std::string_view what) {
  if (const auto bracket = what.find("] "); bracket != std::string_view::npos && what.front() == '[') {
    what.remove_prefix(bracket + 2);
  }
  return fmt::format("the header is not valid JSON: {}", shorten(std::string(what), 300));
}

// A SAX pass over the header that builds nothing: it refuses a repeated key in any object (nlohmann's
// DOM would keep the last one silently) and records the top-level keys in order (nlohmann::json sorts
// them). nlohmann's callback parser could do both while building the DOM, but it rescans the parent
// object at every object's end: O(n^2) for n tensors.
class KeyChecker final : public nlohmann::json_sax<Json> {
 public:
  KeyChecker(const HeaderParser& parser, std::vector<std::string>& top_level_keys)
      : parser_(parser), top_level_keys_(top_level_keys) {}

  bool null() override { return true; }
  bool boolean(bool /*value*/) override { return true; }
  bool number_integer(number_integer_t /*value*/) override { return true; }
  bool number_unsigned(number_unsigned_t /*value*/) override { return true; }
  bool number_float(number_float_t /*value*/, const string_t& /*text*/) override { return true; }
  bool string(string_t& /*value*/) override { return true; }
  bool binary(binary_t& /*value*/) override { return true; }
  bool start_object(std::size_t /*elements*/) override {
    open_.emplace_back(std::set<std::string>{});
    return true;
  }
  bool end_object() override {
    open_.pop_back();
    return true;
  }
  bool start_array(std::size_t /*elements*/) override {
    open_.emplace_back(std::nullopt);
    return true;
  }
  bool end_array() override {
    open_.pop_back();
    return true;
  }
  bool key(string_t& key) override {
    const bool top_level = open_.size() == 1;
    if (!open_.back()->insert(key).second) {
      if (top_level || entry_.empty()) parser_.fail(fmt::format("duplicate key '{}' in the header", key));
      parser_.fail(fmt::format("duplicate key '{}' inside the entry '{}'", key, entry_));
    }
    if (top_level) {
      entry_ = key;
      top_level_keys_.push_back(key);
    }
    return true;
  }
  bool parse_error(std::size_t /*position*/, const std::string& /*last_token*/,
                   const nlohmann::json::exception& error) override {
    parser_.fail(json_error_message(error.what()));
  }

 private:
  const HeaderParser& parser_;
  std::vector<std::string>& top_level_keys_;
  std::vector<std::optional<std::set<std::string>>> open_;  // the open values; nullopt for an array
  std::string entry_;  // the top-level key read last: the entry being read
};

Json HeaderParser::parse_json(std::string_view text, std::vector<std::string>& top_level_keys) const {
  KeyChecker checker(*this, top_level_keys);
  Json::sax_parse(text, &checker);
  try {
    return Json::parse(text);
  } catch (const nlohmann::json::exception& e) {  // not expected: the SAX pass read the same text
    fail(json_error_message(e.what()));
  }
}

Metadata HeaderParser::parse_metadata(const Json& value) const {
  if (!value.is_object()) {
    fail(fmt::format("__metadata__ must be an object of strings, but it is {}", excerpt(value)));
  }
  Metadata metadata;
  for (const auto& [key, item] : value.items()) {
    if (!item.is_string()) {
      fail(fmt::format("__metadata__ must map strings to strings, but '{}' maps to {}", key, excerpt(item)));
    }
    metadata.emplace(key, item.get<std::string>());
  }
  return metadata;
}

TensorInfo HeaderParser::parse_entry(const std::string& name, const Json& value) const {
  if (!value.is_object()) {
    fail(fmt::format("the entry '{}' must be an object with dtype, shape and data_offsets, but it is {}",
                     name, excerpt(value)));
  }
  for (const auto& [key, item] : value.items()) {
    if (key != "dtype" && key != "shape" && key != "data_offsets") {
      fail(fmt::format("the entry '{}' has an unexpected key '{}' (allowed: dtype, shape, data_offsets)",
                       name, key));
    }
  }
  for (const char* key : {"dtype", "shape", "data_offsets"}) {
    if (!value.contains(key)) fail(fmt::format("the entry '{}' is missing the key '{}'", name, key));
  }
  TensorInfo info;
  info.name = name;

  const Json& dtype = value.at("dtype");
  if (!dtype.is_string())
    fail(fmt::format("tensor '{}': dtype must be a string, got {}", name, excerpt(dtype)));
  info.dtype = dtype.get<std::string>();
  const SafetensorsDType* format = find_safetensors_dtype(info.dtype);
  if (format == nullptr) fail(fmt::format("tensor '{}': unknown dtype '{}'", name, info.dtype));
  info.nninit_dtype = format->dtype;

  const Json& shape = value.at("shape");
  const auto bad_shape = [&] {
    fail(fmt::format("tensor '{}': shape must be a list of non-negative integers, got {}", name,
                     excerpt(shape)));
  };
  if (!shape.is_array()) bad_shape();
  for (const Json& size : shape) {
    if (!size.is_number_integer()) bad_shape();
    if (size.is_number_unsigned() ? size.get<std::uint64_t>() > INT64_MAX : size.get<std::int64_t>() < 0) {
      bad_shape();
    }
    info.shape.push_back(size.get<std::int64_t>());
  }

  const Json& offsets = value.at("data_offsets");
  if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
      !offsets[1].is_number_unsigned()) {
    // nlohmann types every non-negative integer literal as unsigned, so this also rejects negatives.
    fail(fmt::format("tensor '{}': data_offsets must be a list of two non-negative integers, got {}", name,
                     excerpt(offsets)));
  }
  info.begin = offsets[0].get<std::uint64_t>();
  info.end = offsets[1].get<std::uint64_t>();
  if (info.end < info.begin) {
    fail(fmt::format("tensor '{}': data_offsets [{}, {}] end before they begin", name, info.begin, info.end));
  }

  // Element count with checked multiplication. nninit's Tensor also needs the row-major strides (the
  // products of the sizes, zeros counted as ones) to fit in int64, so a zero-size tensor with absurd
  // sizes is refused too.
  std::uint64_t numel = 1;
  std::uint64_t span = 1;
  for (const std::int64_t size : info.shape) {
    const auto next = checked_mul(numel, static_cast<std::uint64_t>(size));
    const auto next_span = checked_mul(span, static_cast<std::uint64_t>(std::max<std::int64_t>(size, 1)));
    if (!next || !next_span || *next_span > INT64_MAX) {
      fail(fmt::format("tensor '{}': shape {} is too large (its element count overflows)", name,
                       shape_string(info.shape)));
    }
    numel = *next;
    span = *next_span;
  }
  info.numel = numel;
  const auto bits = checked_mul(numel, format->bits);
  if (!bits) {
    fail(fmt::format("tensor '{}': {} x {} is too large (its size in bits overflows)", name, info.dtype,
                     shape_string(info.shape)));
  }
  if (*bits % 8 != 0) {
    fail(fmt::format("tensor '{}': {} x {} does not end on a byte boundary ({} bits)", name, info.dtype,
                     shape_string(info.shape), *bits));
  }
  if (*bits / 8 != info.nbytes()) {
    fail(fmt::format("tensor '{}': {} x {} needs {} bytes, but data_offsets [{}, {}] hold {}", name,
                     info.dtype, shape_string(info.shape), *bits / 8, info.begin, info.end, info.nbytes()));
  }
  return info;
}

// The tensors, in data order, must tile the data buffer exactly: the first begins at 0, each begins
// where the previous ends, and the last ends at the end of the file.
void HeaderParser::check_offsets(const SafetensorsHeader& header) const {
  std::uint64_t expected = 0;
  const TensorInfo* previous = nullptr;
  for (const std::size_t index : header.offset_order()) {
    const TensorInfo& info = header.tensors[index];
    if (info.begin != expected) {
      if (previous == nullptr) {
        fail(fmt::format("the first tensor in the data buffer, '{}', starts at {}, not 0", info.name,
                         where(info.begin)));
      }
      fail(fmt::format("tensor '{}' starts at {} but the tensor before it, '{}', ends at {} ({})", info.name,
                       where(info.begin), previous->name, where(expected),
                       info.begin < expected ? "they overlap" : "a hole between them"));
    }
    expected = info.end;
    previous = &info;
  }
  const std::uint64_t data_size = file_size_ - header.data_start();
  if (expected < data_size) {
    fail(fmt::format("the tensors end at {} but the file is {} bytes ({} trailing bytes)", where(expected),
                     file_size_, data_size - expected));
  }
  if (expected > data_size) {
    fail(fmt::format("the tensors end at {} but the file is only {} bytes (truncated?)", where(expected),
                     file_size_));
  }
}

}  // namespace

const SafetensorsDType* find_safetensors_dtype(std::string_view name) {
  for (const SafetensorsDType& entry : dtype_table) {
    if (entry.name == name) return &entry;
  }
  return nullptr;
}

std::span<const SafetensorsDType> safetensors_dtypes() {
  return dtype_table;
}

std::string_view safetensors_dtype_name(DType dtype) {
  for (const SafetensorsDType& entry : dtype_table) {
    if (entry.dtype == dtype) return entry.name;
  }
  return "?";
}

const TensorInfo* SafetensorsHeader::find(std::string_view name) const {
  for (const TensorInfo& info : tensors) {
    if (info.name == name) return &info;
  }
  return nullptr;
}

std::vector<std::size_t> SafetensorsHeader::offset_order() const {
  std::vector<std::size_t> order(tensors.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return std::pair(tensors[a].begin, tensors[a].end) < std::pair(tensors[b].begin, tensors[b].end);
  });
  return order;
}

SafetensorsHeader parse_safetensors_header(std::span<const std::byte> image, std::uint64_t file_size,
                                           std::string_view source) {
  const detail::ErrorContext context{"parse_safetensors_header", source};
  const std::uint64_t header_size = detail::parse_header_length(image, file_size, context);
  if (image.size() < 8 + header_size) {
    throw IoError(fmt::format("{}: {}: the image holds {} bytes, fewer than the header's 8 + {}",
                              context.function, source, image.size(), header_size));
  }
  return detail::parse_header_json(image.subspan(8, header_size), file_size, context);
}

namespace detail {

std::uint64_t parse_header_length(std::span<const std::byte> first_bytes, std::uint64_t file_size,
                                  const ErrorContext& context) {
  // These faults mean the file is not a safetensors file at all (text, another format), so the message
  // says that first rather than only reporting a nonsense length.
  if (file_size < 8) {
    throw IoError(fmt::format(
        "{}: not a safetensors file: {} (the file is {} bytes, too short for the 8-byte header length)",
        context.function, context.source, file_size));
  }
  if (first_bytes.size() < 8) {
    throw IoError(fmt::format("{}: {}: the image holds {} bytes, fewer than the 8-byte header length",
                              context.function, context.source, first_bytes.size()));
  }
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | std::to_integer<std::uint64_t>(first_bytes[i]);
  if (n > max_header_size) {
    throw IoError(
        fmt::format("{}: not a safetensors file: {} (its first 8 bytes give a header length of {}, which "
                    "exceeds the limit "
                    "of {} bytes)",
                    context.function, context.source, n, max_header_size));
  }
  if (n > file_size - 8) {
    throw IoError(
        fmt::format("{}: not a safetensors file: {} (its first 8 bytes give a header length of {}, which "
                    "runs past the end "
                    "of the file: {} + 8 > {} bytes)",
                    context.function, context.source, n, n, file_size));
  }
  return n;
}

SafetensorsHeader parse_header_json(std::span<const std::byte> json, std::uint64_t file_size,
                                    const ErrorContext& context) {
  HeaderParser parser(context, json.size(), file_size);
  if (const auto bad = find_invalid_utf8(json)) {
    parser.fail(
        fmt::format("the header is not valid UTF-8 (byte {} of the header, file byte {})", *bad, 8 + *bad));
  }
  // nlohmann takes a NUL byte for the end of its input and would ignore whatever follows it. Raw NUL
  // is never valid JSON (inside a string it must be written \u0000), so refuse it here.
  if (const auto nul = std::find(json.begin(), json.end(), std::byte{0}); nul != json.end()) {
    const auto at = static_cast<std::size_t>(nul - json.begin());
    parser.fail(fmt::format(
        "the header is not valid JSON: a NUL byte at byte {} of the header (file byte {})", at, 8 + at));
  }
  if (const auto deep = find_excessive_nesting(json)) {
    parser.fail(fmt::format("the header nests JSON values more than {} deep (at byte {} of the header)",
                            max_json_depth, *deep));
  }
  const auto first = std::find_if_not(json.begin(), json.end(), json_whitespace);
  if (first == json.end()) parser.fail("the header is empty (only whitespace)");
  if (*first == std::byte{0xEF}) {
    // nlohmann would skip a byte-order mark; the format (and the reference reader) does not allow one.
    parser.fail("the header starts with a UTF-8 byte-order mark");
  }
  std::vector<std::string> names;
  const Json document =
      parser.parse_json(std::string_view(reinterpret_cast<const char*>(json.data()), json.size()), names);
  if (!document.is_object()) {
    parser.fail(fmt::format("the header is not a JSON object (it is {})", document.type_name()));
  }

  SafetensorsHeader header;
  header.header_size = json.size();
  header.file_size = file_size;
  for (const std::string& name : names) {
    const Json& value = *document.find(name);
    if (name == "__metadata__") {
      header.metadata = parser.parse_metadata(value);
    } else {
      header.tensors.push_back(parser.parse_entry(name, value));
    }
  }
  parser.check_offsets(header);
  return header;
}

}  // namespace detail
}  // namespace nninit::io
