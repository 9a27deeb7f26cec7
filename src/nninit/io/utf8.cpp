#include "nninit/io/utf8.h"

namespace nninit::io {

std::optional<std::size_t> find_invalid_utf8(std::span<const std::byte> text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = std::to_integer<unsigned>(text[i]);
    std::size_t length = 0;
    unsigned min_second = 0x80;  // the range of the second byte rules out overlong forms and surrogates
    unsigned max_second = 0xBF;
    if (lead < 0x80) {
      ++i;
      continue;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0) min_second = 0xA0;
      if (lead == 0xED) max_second = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0) min_second = 0x90;
      if (lead == 0xF4) max_second = 0x8F;
    } else {
      return i;
    }
    if (i + length > text.size()) return i;
    for (std::size_t k = 1; k < length; ++k) {
      const auto continuation = std::to_integer<unsigned>(text[i + k]);
      const unsigned low = k == 1 ? min_second : 0x80;
      const unsigned high = k == 1 ? max_second : 0xBF;
      if (continuation < low || continuation > high) return i;
    }
    i += length;
  }
  return std::nullopt;
}

}  // namespace nninit::io
