#include "nninit/lang/lexer.h"

#include <charconv>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "nninit/lang/source.h"
#include "nninit/lang/value.h"

namespace nninit::lang {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_identifier_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_identifier_char(char c) {
  return is_identifier_start(c) || is_digit(c);
}
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

int digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'z') return c - 'a' + 10;
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return 99;
}

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// Accumulates digits (underscores skipped) in `base`; false when the value exceeds 64 unsigned bits.
bool accumulate_digits(std::string_view digits, int base, std::uint64_t& value) {
  value = 0;
  bool fits = true;
  for (char c : digits) {
    if (c == '_') continue;
    const auto d = static_cast<std::uint64_t>(digit_value(c));
    if (value > (std::numeric_limits<std::uint64_t>::max() - d) / static_cast<std::uint64_t>(base))
      fits = false;
    value = value * static_cast<std::uint64_t>(base) + d;
  }
  return fits;
}

// A decimal float without underscores, e.g. "1.5e-3", ".02", "2.", correctly rounded like CPython's
// float parsing. std::from_chars leaves the value alone when it overflows or underflows to zero; Python then
// gives inf or 0.0, decided here by the decimal exponent of the first significant digit.
double decimal_to_double(std::string_view text) {
  double value = 0.0;
  const auto result =
      std::from_chars(text.data(), text.data() + text.size(), value, std::chars_format::general);
  if (result.ec != std::errc::result_out_of_range) return value;
  const std::size_t e = text.find_first_of("eE");
  const std::string_view mantissa = text.substr(0, e);
  long long exponent = 0;
  if (e != std::string_view::npos) {
    std::string_view digits = text.substr(e + 1);
    const bool negative = !digits.empty() && digits.front() == '-';
    if (!digits.empty() && (digits.front() == '-' || digits.front() == '+')) digits.remove_prefix(1);
    for (char c : digits) exponent = std::min(exponent * 10 + (c - '0'), 1LL << 40);
    if (negative) exponent = -exponent;
  }
  const std::size_t point = std::min(mantissa.find('.'), mantissa.size());
  const std::size_t first = mantissa.find_first_of("123456789");
  if (first == std::string_view::npos) return 0.0;
  const long long magnitude =
      first < point ? static_cast<long long>(point - first) - 1 : -static_cast<long long>(first - point);
  return magnitude + exponent > 0 ? std::numeric_limits<double>::infinity() : 0.0;
}

// Checks Python's digit-part grammar, digit (["_"] digit)*, for `text` in `base`.
bool valid_digit_part(std::string_view text, int base) {
  if (text.empty() || text.front() == '_' || text.back() == '_') return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '_') {
      if (text[i + 1] == '_') return false;
    } else if (digit_value(text[i]) >= base) {
      return false;
    }
  }
  return true;
}

void append_utf8(std::string& out, std::uint32_t code_point) {
  if (code_point < 0x80) {
    out += static_cast<char>(code_point);
  } else if (code_point < 0x800) {
    out += static_cast<char>(0xc0 | (code_point >> 6));
    out += static_cast<char>(0x80 | (code_point & 0x3f));
  } else if (code_point < 0x10000) {
    out += static_cast<char>(0xe0 | (code_point >> 12));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (code_point & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (code_point >> 18));
    out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (code_point & 0x3f));
  }
}

// The bytes of the UTF-8 character that starts at `offset` (one byte when it is not valid UTF-8).
std::string_view character_at(std::string_view source, std::size_t offset) {
  const auto lead = static_cast<unsigned char>(source[offset]);
  std::size_t length = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  for (std::size_t i = 1; i < length; ++i) {
    if (offset + i >= source.size() || (static_cast<unsigned char>(source[offset + i]) & 0xc0) != 0x80) {
      length = 1;
      break;
    }
  }
  return source.substr(offset, length);
}

char closing_for(char open) {
  return open == '(' ? ')' : open == '[' ? ']' : '}';
}

}  // namespace

Lexer::Lexer(std::string_view source, std::size_t begin, std::size_t end)
    : source_(source), position_(begin), end_(std::min(end, source.size())) {}

void Lexer::fail(std::string_view reason, std::size_t offset) const {
  throw ParseError(reason, source_, offset);
}

void Lexer::skip_space_and_comments() {
  while (position_ < end_) {
    if (is_space(source_[position_])) {
      ++position_;
    } else if (source_[position_] == '#') {
      while (position_ < end_ && source_[position_] != '\n') ++position_;
    } else {
      break;
    }
  }
}

Token Lexer::next() {
  skip_space_and_comments();
  Token token;
  token.begin = position_;
  if (position_ >= end_) {
    if (!open_brackets_.empty()) {
      const auto [open, offset] = open_brackets_.back();
      fail(fmt::format("'{}' was never closed", open), offset);
    }
    token.end = position_;
    return token;
  }
  const char c = source_[position_];
  const char following = position_ + 1 < end_ ? source_[position_ + 1] : '\0';
  if (is_identifier_start(c)) {
    std::size_t p = position_;
    while (p < end_ && is_identifier_char(source_[p])) ++p;
    token.kind = TokenKind::name;
    token.text = std::string(source_.substr(position_, p - position_));
    token.end = position_ = p;
    return token;
  }
  if (is_digit(c) || (c == '.' && is_digit(following))) return number();
  if (c == '\'' || c == '"') return string_literal();
  auto single = [&](TokenKind kind, std::size_t length) {
    token.kind = kind;
    token.end = position_ = position_ + length;
    return token;
  };
  switch (c) {
    case '(': return bracket(TokenKind::left_paren);
    case '[': return bracket(TokenKind::left_bracket);
    case ')': return bracket(TokenKind::right_paren);
    case ']': return bracket(TokenKind::right_bracket);
    case '{': return bracket(TokenKind::left_brace);
    case '}': return bracket(TokenKind::right_brace);
    case ':': return single(TokenKind::colon, 1);
    case ',': return single(TokenKind::comma, 1);
    case '.': return single(TokenKind::dot, 1);
    case '+': return single(TokenKind::plus, 1);
    case '-': return single(TokenKind::minus, 1);
    case '%': return single(TokenKind::percent, 1);
    case '~': return single(TokenKind::tilde, 1);
    case '*': return following == '*' ? single(TokenKind::double_star, 2) : single(TokenKind::star, 1);
    case '/': return following == '/' ? single(TokenKind::double_slash, 2) : single(TokenKind::slash, 1);
    case '=':
      if (following == '=') fail("comparison operators are not supported", position_);
      return single(TokenKind::assign, 1);
    case '<':
    case '>':
    case '!': fail("comparison operators are not supported", position_);
    default: break;
  }
  fail(fmt::format("unexpected character {}", python_string_repr(character_at(source_, position_))),
       position_);
}

Token Lexer::bracket(TokenKind kind) {
  const char c = source_[position_];
  if (kind == TokenKind::left_paren || kind == TokenKind::left_bracket || kind == TokenKind::left_brace) {
    open_brackets_.emplace_back(c, position_);
  } else {
    if (open_brackets_.empty()) fail(fmt::format("unmatched '{}'", c), position_);
    const char open = open_brackets_.back().first;
    if (closing_for(open) != c) {
      fail(fmt::format("closing parenthesis '{}' does not match opening parenthesis '{}'", c, open),
           position_);
    }
    open_brackets_.pop_back();
  }
  Token token;
  token.kind = kind;
  token.begin = position_;
  token.end = ++position_;
  return token;
}

Token Lexer::number() {
  const std::size_t start = position_;
  auto at = [&](std::size_t i) { return i < end_ ? source_[i] : '\0'; };
  Token token;
  token.begin = start;
  std::size_t p = start;
  const char prefix = lower(at(p + 1));
  if (at(p) == '0' && (prefix == 'x' || prefix == 'o' || prefix == 'b')) {
    const int base = prefix == 'x' ? 16 : prefix == 'o' ? 8 : 2;
    const char* kind_name = prefix == 'x' ? "hexadecimal" : prefix == 'o' ? "octal" : "binary";
    p += 2;
    const std::size_t digits_begin = p;
    // After the prefix, Python allows one underscore before each digit, the first included: 0x_ff.
    while (true) {
      if (at(p) == '_') {
        if (digit_value(at(p + 1)) >= base) fail(fmt::format("invalid {} literal", kind_name), p);
        ++p;
      }
      if (digit_value(at(p)) >= base) break;
      ++p;
    }
    if (p == digits_begin) fail(fmt::format("invalid {} literal", kind_name), start);
    if (base < 10 && is_digit(at(p)))
      fail(fmt::format("invalid digit '{}' in {} literal", at(p), kind_name), p);
    if (is_identifier_char(at(p))) fail(fmt::format("invalid {} literal", kind_name), start);
    token.kind = TokenKind::integer;
    token.integer_overflow =
        !accumulate_digits(source_.substr(digits_begin, p - digits_begin), base, token.integer);
    token.end = position_ = p;
    return token;
  }
  // Decimal: digitpart ["." [digitpart]] [("e" | "E") ["+" | "-"] digitpart], or "." digitpart [...].
  auto digit_part = [&] {
    while (is_digit(at(p))) {
      ++p;
      if (at(p) == '_') {
        if (!is_digit(at(p + 1))) fail("invalid decimal literal", p);
        ++p;
      }
    }
  };
  bool is_float = false;
  digit_part();
  const std::size_t integer_end = p;
  if (at(p) == '.') {
    is_float = true;
    ++p;
    digit_part();
  }
  if (at(p) == 'e' || at(p) == 'E') {
    is_float = true;
    ++p;
    if (at(p) == '+' || at(p) == '-') ++p;
    if (!is_digit(at(p))) fail("invalid decimal literal", start);
    digit_part();
  }
  if (at(p) == 'j' || at(p) == 'J') fail("complex numbers are not supported", start);
  if (is_identifier_char(at(p))) fail("invalid decimal literal", start);
  const std::string_view text = source_.substr(start, p - start);
  if (is_float) {
    std::string cleaned;
    for (char c : text) {
      if (c != '_') cleaned += c;
    }
    token.kind = TokenKind::floating;
    token.floating = decimal_to_double(cleaned);
  } else {
    const std::string_view digits = source_.substr(start, integer_end - start);
    if (digits.size() > 1 && digits.front() == '0' &&
        digits.find_first_of("123456789") != std::string_view::npos) {
      fail("leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers",
           start);
    }
    token.kind = TokenKind::integer;
    token.integer_overflow = !accumulate_digits(digits, 10, token.integer);
  }
  token.end = position_ = p;
  return token;
}

Token Lexer::string_literal() {
  const std::size_t start = position_;
  const char quote = source_[position_];
  std::size_t p = position_ + 1;
  std::string value;
  // Reads `count` hex digits after an escape at `escape`; fails with Python's "truncated \xXX escape".
  auto hex_escape = [&](std::size_t escape, std::size_t count, std::string_view form) {
    std::uint32_t code_point = 0;
    for (std::size_t i = 0; i < count; ++i) {
      const char c = p < end_ ? source_[p] : '\0';
      if (digit_value(c) >= 16) fail(fmt::format("truncated \\{} escape", form), escape);
      code_point = code_point * 16 + static_cast<std::uint32_t>(digit_value(c));
      ++p;
    }
    if (code_point > 0x10ffff) fail("illegal Unicode character in \\U escape", escape);
    if (code_point >= 0xd800 && code_point <= 0xdfff) fail("surrogate code points are not supported", escape);
    append_utf8(value, code_point);
  };
  while (true) {
    if (p >= end_ || source_[p] == '\n') fail("unterminated string literal", start);
    const char c = source_[p];
    if (c == quote) {
      ++p;
      break;
    }
    if (c != '\\') {
      value += c;
      ++p;
      continue;
    }
    const std::size_t escape = p;
    if (p + 1 >= end_) fail("unterminated string literal", start);
    const char e = source_[p + 1];
    p += 2;
    switch (e) {
      case '\n':  // a backslash at the end of a line continues the string
        break;
      case '\\':
      case '\'':
      case '"': value += e; break;
      case 'n': value += '\n'; break;
      case 't': value += '\t'; break;
      case 'r': value += '\r'; break;
      case 'a': value += '\a'; break;
      case 'b': value += '\b'; break;
      case 'f': value += '\f'; break;
      case 'v': value += '\v'; break;
      case 'x': hex_escape(escape, 2, "xXX"); break;
      case 'u': hex_escape(escape, 4, "uXXXX"); break;
      case 'U': hex_escape(escape, 8, "UXXXXXXXX"); break;
      case 'N': fail("\\N{...} escapes are not supported", escape);
      default:
        if (e >= '0' && e <= '7') {  // up to three octal digits
          std::uint32_t code_point = static_cast<std::uint32_t>(e - '0');
          for (int i = 0; i < 2 && p < end_ && source_[p] >= '0' && source_[p] <= '7'; ++i, ++p) {
            code_point = code_point * 8 + static_cast<std::uint32_t>(source_[p] - '0');
          }
          append_utf8(value, code_point);
        } else {  // Python keeps an unknown escape as written: '\d' is backslash, d
          value += '\\';
          value += e;
        }
    }
  }
  Token token;
  token.kind = TokenKind::string;
  token.begin = start;
  token.end = position_ = p;
  token.text = std::move(value);
  return token;
}

bool parse_python_float(std::string_view text, double& value) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  bool negative = false;
  if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  if (equals_ignoring_case(text, "inf") || equals_ignoring_case(text, "infinity")) {
    value = negative ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
    return true;
  }
  if (equals_ignoring_case(text, "nan")) {
    value = negative ? -std::numeric_limits<double>::quiet_NaN() : std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  // mantissa: digitpart ["." [digitpart]] | "." digitpart; then an optional exponent
  const std::size_t e = text.find_first_of("eE");
  const std::string_view mantissa = text.substr(0, e);
  const std::size_t point = mantissa.find('.');
  const std::string_view whole = mantissa.substr(0, point);
  const std::string_view fraction = point == std::string_view::npos ? "" : mantissa.substr(point + 1);
  if (whole.empty() && fraction.empty()) return false;
  if (!whole.empty() && !valid_digit_part(whole, 10)) return false;
  if (!fraction.empty() && !valid_digit_part(fraction, 10)) return false;
  if (e != std::string_view::npos) {
    std::string_view exponent = text.substr(e + 1);
    if (!exponent.empty() && (exponent.front() == '+' || exponent.front() == '-')) exponent.remove_prefix(1);
    if (!valid_digit_part(exponent, 10)) return false;
  }
  std::string cleaned;
  for (char c : text) {
    if (c != '_') cleaned += c;
  }
  value = decimal_to_double(cleaned);
  if (negative) value = -value;
  return true;
}

bool parse_python_int(std::string_view text, int base, std::int64_t& value, bool& overflow) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  bool negative = false;
  if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  // A prefix is allowed when it names the base (or base 0 takes the base from it), then one underscore.
  const char prefix = text.size() >= 2 && text[0] == '0' ? lower(text[1]) : '\0';
  const int prefix_base = prefix == 'x' ? 16 : prefix == 'o' ? 8 : prefix == 'b' ? 2 : 0;
  if (prefix_base != 0 && (base == 0 || base == prefix_base)) {
    base = prefix_base;
    text.remove_prefix(2);
    if (!text.empty() && text.front() == '_') text.remove_prefix(1);
  }
  if (base == 0) {
    base = 10;
    // base 0 reads like a literal: no leading zeros unless the value is zero
    if (text.size() > 1 && text.front() == '0' && text.find_first_of("123456789") != std::string_view::npos) {
      return false;
    }
  }
  if (!valid_digit_part(text, base)) return false;
  std::uint64_t magnitude = 0;
  const bool fits = accumulate_digits(text, base, magnitude);
  const std::uint64_t limit = negative ? std::uint64_t{1} << 63 : (std::uint64_t{1} << 63) - 1;
  overflow = !fits || magnitude > limit;
  if (!overflow) {
    value = negative ? static_cast<std::int64_t>(0 - magnitude) : static_cast<std::int64_t>(magnitude);
  }
  return true;
}

}  // namespace nninit::lang
