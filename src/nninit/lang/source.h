// Where in an expression's text something is, and the errors that point there. Every error the lang and expr
// layers raise about their input says what went wrong, then the line and column, then the line itself with a
// caret:
//
//   expected an argument or ')' at column 17
//     Linear(784, 256,, bias=False)
//                     ^
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "nninit/core/error.h"

namespace nninit::lang {

// A half-open range [begin, end) of byte offsets into the text an expression was parsed from. Values made by
// constant folding cover the whole folded expression; values made by hand (defaults) have an empty range.
struct SourceRange {
  std::size_t begin = 0;
  std::size_t end = 0;
  bool empty() const { return begin == end; }
  friend bool operator==(const SourceRange&, const SourceRange&) = default;
};

// The position of a byte offset as a person counts it: 1-based line and 1-based column, where a column is
// one Unicode code point of UTF-8 text (so a caret lines up under non-ASCII text in a terminal).
struct SourcePosition {
  int line = 1;
  int column = 1;
};

SourcePosition position_of(std::string_view source, std::size_t offset);

// "REASON at column C" (or "at line L, column C" for text of several lines), then the line holding `offset`
// indented by two spaces, then a caret under the offending character.
std::string located_message(std::string_view reason, std::string_view source, std::size_t offset);

// A malformed expression or rule, or a constant expression that Python would reject with ValueError,
// ZeroDivisionError or OverflowError (`1/0`, `math.sqrt(-1)`, an integer beyond 64 bits).
class ParseError : public ValueError {
 public:
  ParseError(std::string_view reason, std::string_view source, std::size_t offset);
  const std::string& reason() const { return reason_; }
  const std::string& source() const { return source_; }
  std::size_t offset() const { return offset_; }
  SourcePosition position() const { return position_of(source_, offset_); }

 private:
  std::string reason_;
  std::string source_;
  std::size_t offset_;
};

// A constant expression that Python would reject with TypeError, in Python's words: `'a' + 1` gives
// "can only concatenate str (not "int") to str".
class ExpressionTypeError : public TypeError {
 public:
  ExpressionTypeError(std::string_view reason, std::string_view source, std::size_t offset);
  const std::string& reason() const { return reason_; }
  const std::string& source() const { return source_; }
  std::size_t offset() const { return offset_; }
  SourcePosition position() const { return position_of(source_, offset_); }

 private:
  std::string reason_;
  std::string source_;
  std::size_t offset_;
};

}  // namespace nninit::lang
