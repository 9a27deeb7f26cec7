#include "nninit/lang/source.h"

#include <algorithm>

#include <fmt/format.h>

namespace nninit::lang {
namespace {

bool is_continuation_byte(char c) {
  return (static_cast<unsigned char>(c) & 0xc0) == 0x80;
}

std::size_t line_start(std::string_view source, std::size_t offset) {
  const std::size_t newline = source.rfind('\n', offset == 0 ? std::string_view::npos : offset - 1);
  return offset == 0 || newline == std::string_view::npos ? 0 : newline + 1;
}

}  // namespace

SourcePosition position_of(std::string_view source, std::size_t offset) {
  offset = std::min(offset, source.size());
  SourcePosition position;
  position.line =
      1 + static_cast<int>(std::count(source.begin(), source.begin() + static_cast<long>(offset), '\n'));
  for (std::size_t i = line_start(source, offset); i < offset; ++i) {
    if (!is_continuation_byte(source[i])) ++position.column;
  }
  return position;
}

std::string located_message(std::string_view reason, std::string_view source, std::size_t offset) {
  offset = std::min(offset, source.size());
  const SourcePosition position = position_of(source, offset);
  const bool one_line = source.find('\n') == std::string_view::npos;
  std::string message = one_line
                            ? fmt::format("{} at column {}", reason, position.column)
                            : fmt::format("{} at line {}, column {}", reason, position.line, position.column);
  const std::size_t begin = line_start(source, offset);
  std::size_t end = source.find('\n', begin);
  if (end == std::string_view::npos) end = source.size();
  if (end > begin && source[end - 1] == '\r') --end;
  std::string_view line = source.substr(begin, end - begin);
  // Tabs are kept in the caret line so that the caret lands where a terminal shows the character.
  std::string padding;
  for (std::size_t i = begin; i < offset && i < end; ++i) {
    if (source[i] == '\t') {
      padding += '\t';
    } else if (!is_continuation_byte(source[i])) {
      padding += ' ';
    }
  }
  message += fmt::format("\n  {}\n  {}^", line, padding);
  return message;
}

ParseError::ParseError(std::string_view reason, std::string_view source, std::size_t offset)
    : ValueError(located_message(reason, source, offset)),
      reason_(reason),
      source_(source),
      offset_(offset) {}

ExpressionTypeError::ExpressionTypeError(std::string_view reason, std::string_view source, std::size_t offset)
    : TypeError(located_message(reason, source, offset)), reason_(reason), source_(source), offset_(offset) {}

}  // namespace nninit::lang
