// UTF-8 validation: safetensors headers, tensor names and metadata must be UTF-8.
#pragma once

#include <cstddef>
#include <optional>
#include <span>

namespace nninit::io {

// The offset of the first byte that does not begin a well-formed UTF-8 sequence (RFC 3629: no overlong
// forms, no UTF-16 surrogates, nothing above U+10FFFF, no sequence cut short), or nullopt when all of
// `text` is well-formed.
std::optional<std::size_t> find_invalid_utf8(std::span<const std::byte> text);

}  // namespace nninit::io
