// The tokens of the Python expression subset that nninit reads (parser.h), produced on demand so that errors
// come out in the order a reader meets them, as CPython's tokenizer reports them. The lexer also pairs the
// brackets: a stray or mismatched closing bracket, or one still open at the end, is reported in Python's
// words ("unmatched ')'", "'(' was never closed").
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nninit::lang {

enum class TokenKind {
  end,
  name,
  integer,
  floating,
  string,
  left_paren,
  right_paren,
  left_bracket,
  right_bracket,
  left_brace,
  right_brace,
  colon,
  comma,
  dot,
  assign,  // '=' (keyword arguments)
  plus,
  minus,
  star,
  slash,
  double_slash,
  percent,
  double_star,
  tilde,
};

struct Token {
  TokenKind kind = TokenKind::end;
  std::size_t begin = 0;  // byte offsets into the whole source, [begin, end)
  std::size_t end = 0;
  std::string text;               // name: the identifier; string: the decoded contents (UTF-8)
  std::uint64_t integer = 0;      // integer: the literal's value, when it fits in 64 bits
  bool integer_overflow = false;  // integer: the literal does not fit in 64 unsigned bits
  double floating = 0.0;          // floating: the literal's value, correctly rounded
};

class Lexer {
 public:
  // Tokenizes source[begin, end); offsets in tokens and errors refer to the whole source.
  Lexer(std::string_view source, std::size_t begin, std::size_t end);
  // The next token; throws ParseError for malformed text.
  Token next();

 private:
  [[noreturn]] void fail(std::string_view reason, std::size_t offset) const;
  void skip_space_and_comments();
  Token number();
  Token string_literal();
  Token bracket(TokenKind kind);

  std::string_view source_;
  std::size_t position_;
  std::size_t end_;
  std::vector<std::pair<char, std::size_t>> open_brackets_;  // the opening character and its offset
};

// Python's float() of a string: surrounding whitespace, a sign, "inf"/"infinity"/"nan" in any case,
// underscores between digits; correctly rounded. Returns false when the text is not a float.
bool parse_python_float(std::string_view text, double& value);

// Python's int() of a string in base 2..36 or 0 (base from the prefix); `overflow` is set when the
// value does not fit in int64. Returns false when the text is not an integer in that base.
bool parse_python_int(std::string_view text, int base, std::int64_t& value, bool& overflow);

}  // namespace nninit::lang
