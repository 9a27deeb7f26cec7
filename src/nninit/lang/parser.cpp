#include "nninit/lang/parser.h"

#include <cstdint>
#include <deque>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "nninit/lang/evaluate.h"
#include "nninit/lang/lexer.h"

namespace nninit::lang {
namespace {

// Deeper nesting (brackets, calls, chains of unary operators or of **) is refused, so that hostile input
// cannot exhaust the stack; CPython's own parser stops at 200 nested parentheses.
constexpr int kMaxDepth = 100;

// Every sequence and string that '+' and '*' build counts toward this total for one expression (each result
// is also capped, in evaluate.cpp), so that a chain of operations on large values cannot make the work grow
// with the square of the expression's length.
constexpr std::int64_t kMaxBuiltSize = std::int64_t{1} << 22;

constexpr std::string_view kReservedWords[] = {
    "and",    "as",   "assert", "async",  "await",  "break",   "class",    "continue",
    "def",    "del",  "elif",   "else",   "except", "finally", "for",      "from",
    "global", "if",   "import", "in",     "is",     "lambda",  "nonlocal", "not",
    "or",     "pass", "raise",  "return", "try",    "while",   "with",     "yield"};

bool is_reserved(std::string_view word) {
  for (std::string_view reserved : kReservedWords) {
    if (word == reserved) return true;
  }
  return false;
}

bool is_literal_name(std::string_view word) {
  return word == "True" || word == "False" || word == "None";
}

bool can_start_expression(const Token& token) {
  switch (token.kind) {
    case TokenKind::name:
    case TokenKind::integer:
    case TokenKind::floating:
    case TokenKind::string:
    case TokenKind::left_paren:
    case TokenKind::left_bracket:
    case TokenKind::plus:
    case TokenKind::minus:
    case TokenKind::tilde: return true;
    default: return false;
  }
}

class Parser {
 public:
  Parser(std::string_view source, SourceRange range)
      : source_(source), range_(range), lexer_(source, range.begin, range.end) {}

  Value parse() {
    if (peek().kind == TokenKind::end) fail("empty expression", range_.begin);
    Value value = expression();
    const Token& next = peek();
    if (next.kind == TokenKind::name && is_reserved(next.text)) unexpected(next, "the end of the expression");
    if (next.kind != TokenKind::end) {
      fail(fmt::format("unexpected {} after the end of the expression", describe(next)), next.begin);
    }
    return value;
  }

 private:
  // Counts the nesting of the recursive rules; see kMaxDepth.
  class DepthGuard {
   public:
    DepthGuard(Parser& parser, std::size_t offset) : parser_(parser) {
      if (++parser_.depth_ > kMaxDepth) {
        parser_.fail(fmt::format("expression nests more than {} levels deep", kMaxDepth), offset);
      }
    }
    ~DepthGuard() { --parser_.depth_; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;

   private:
    Parser& parser_;
  };

  [[noreturn]] void fail(std::string_view reason, std::size_t offset) const {
    throw ParseError(reason, source_, offset);
  }

  std::string_view text_of(const Token& token) const {
    return source_.substr(token.begin, token.end - token.begin);
  }

  std::string describe(const Token& token) const {
    switch (token.kind) {
      case TokenKind::end: return "end of input";
      case TokenKind::name: return fmt::format("name '{}'", token.text);
      case TokenKind::integer:
      case TokenKind::floating: return fmt::format("number {}", text_of(token));
      case TokenKind::string: return fmt::format("string {}", text_of(token));
      default: return fmt::format("'{}'", text_of(token));
    }
  }

  // A syntax error at `token`, where `expected` was wanted; Python constructs nninit does not read get a
  // message that names them.
  [[noreturn]] void unexpected(const Token& token, std::string_view expected) const {
    if (token.kind == TokenKind::name && is_reserved(token.text)) {
      const std::string_view word = token.text;
      if (word == "for") fail("comprehensions are not supported; write the elements out", token.begin);
      if (word == "if" || word == "else") fail("conditional expressions are not supported", token.begin);
      if (word == "lambda") fail("lambda expressions are not supported", token.begin);
      if (word == "and" || word == "or" || word == "not" || word == "in" || word == "is") {
        fail("boolean operators and comparisons are not supported", token.begin);
      }
      fail(fmt::format("'{}' is a Python statement keyword and cannot appear in an expression", word),
           token.begin);
    }
    if (token.kind == TokenKind::star || token.kind == TokenKind::double_star) {
      fail("argument unpacking (*args, **kwargs) is not supported", token.begin);
    }
    fail(fmt::format("expected {}", expected), token.begin);
  }

  const Token& peek(std::size_t ahead = 0) {
    while (buffer_.size() <= ahead) buffer_.push_back(lexer_.next());
    return buffer_[ahead];
  }

  Token take() {
    peek();
    Token token = std::move(buffer_.front());
    buffer_.pop_front();
    return token;
  }

  // Runs a folding step; its errors (evaluate.h) gain the position of the operator or call.
  template <typename Step>
  auto located(std::size_t offset, Step step) const -> decltype(step()) {
    try {
      return step();
    } catch (const TypeError& e) {
      throw ExpressionTypeError(e.what(), source_, offset);
    } catch (const ValueError& e) {
      throw ParseError(e.what(), source_, offset);
    }
  }

  template <typename Step>
  Value evaluate_at(std::size_t offset, SourceRange range, Step step) const {
    Value value = located(offset, step);
    value.set_range(range);
    return value;
  }

  Value binary(BinaryOperator op, const Value& left, const Value& right, const Token& op_token) {
    Value value = evaluate_at(op_token.begin, {left.range().begin, right.range().end},
                              [&] { return apply_binary(op, left, right); });
    if (value.kind() == Value::Kind::string || value.is_sequence()) {
      built_ += sequence_size(value);
      if (built_ > kMaxBuiltSize) {
        fail(fmt::format("the expression builds sequences of more than {} in all", kMaxBuiltSize),
             op_token.begin);
      }
    }
    return value;
  }

  Value expression() {
    DepthGuard guard(*this, peek().begin);
    Value left = term();
    while (peek().kind == TokenKind::plus || peek().kind == TokenKind::minus) {
      const Token op = take();
      const Value right = term();
      left = binary(op.kind == TokenKind::plus ? BinaryOperator::add : BinaryOperator::subtract, left, right,
                    op);
    }
    return left;
  }

  Value term() {
    Value left = factor();
    while (true) {
      BinaryOperator op;
      switch (peek().kind) {
        case TokenKind::star: op = BinaryOperator::multiply; break;
        case TokenKind::slash: op = BinaryOperator::true_divide; break;
        case TokenKind::double_slash: op = BinaryOperator::floor_divide; break;
        case TokenKind::percent: op = BinaryOperator::modulo; break;
        default: return left;
      }
      const Token op_token = take();
      const Value right = factor();
      left = binary(op, left, right, op_token);
    }
  }

  Value factor() {
    const TokenKind kind = peek().kind;
    if (kind != TokenKind::plus && kind != TokenKind::minus && kind != TokenKind::tilde) return power();
    DepthGuard guard(*this, peek().begin);
    const Token op = take();
    // -9223372036854775808 is the one literal beyond int64 whose negation fits; Python reads it as -(2**63).
    constexpr std::uint64_t kMinMagnitude = std::uint64_t{1} << 63;
    if (kind == TokenKind::minus && peek().kind == TokenKind::integer && !peek().integer_overflow &&
        peek().integer == kMinMagnitude && peek(1).kind != TokenKind::double_star) {
      const Token literal = take();
      return Value::make_int(std::numeric_limits<std::int64_t>::min(), {op.begin, literal.end});
    }
    if (!can_start_expression(peek())) unexpected(peek(), "an expression");
    const Value operand = factor();
    const UnaryOperator unary = kind == TokenKind::plus    ? UnaryOperator::plus
                                : kind == TokenKind::minus ? UnaryOperator::minus
                                                           : UnaryOperator::invert;
    return evaluate_at(op.begin, {op.begin, operand.range().end},
                       [&] { return apply_unary(unary, operand); });
  }

  Value power() {
    Value base = primary();
    if (peek().kind != TokenKind::double_star) return base;
    DepthGuard guard(*this, peek().begin);
    const Token op = take();
    if (!can_start_expression(peek())) unexpected(peek(), "an expression");
    const Value exponent = factor();
    return binary(BinaryOperator::power, base, exponent, op);
  }

  Value primary() {
    Value value = atom();
    while (true) {
      const Token& next = peek();
      if (next.kind == TokenKind::dot) {
        if (value.kind() != Value::Kind::name)
          fail("attribute access is only supported on names", next.begin);
        take();
        const Token attribute = take();
        if (attribute.kind != TokenKind::name || is_reserved(attribute.text) ||
            is_literal_name(attribute.text)) {
          fail("expected a name after '.'", attribute.begin);
        }
        value = Value::make_name(value.name() + "." + attribute.text, {value.range().begin, attribute.end});
      } else if (next.kind == TokenKind::left_paren) {
        if (value.kind() == Value::Kind::call)
          fail("calling the result of a call is not supported", next.begin);
        if (value.kind() != Value::Kind::name) {
          throw ExpressionTypeError(fmt::format("'{}' object is not callable", value.type_name()), source_,
                                    next.begin);
        }
        value = call(value);
      } else if (next.kind == TokenKind::left_bracket) {
        fail("subscripts are not supported", next.begin);
      } else {
        break;
      }
    }
    if (value.kind() == Value::Kind::name) {
      std::optional<Value> constant =
          located(value.range().begin, [&] { return constant_name(value.name()); });
      if (constant) {
        constant->set_range(value.range());
        return *constant;
      }
    }
    return value;
  }

  Value atom() {
    if (!can_start_expression(peek())) unexpected(peek(), "an expression");
    Token token = take();
    switch (token.kind) {
      case TokenKind::integer:
        if (token.integer_overflow ||
            token.integer > std::uint64_t{std::numeric_limits<std::int64_t>::max()}) {
          fail(fmt::format("integer {} does not fit in a 64-bit integer", text_of(token)), token.begin);
        }
        return Value::make_int(static_cast<std::int64_t>(token.integer), {token.begin, token.end});
      case TokenKind::floating: return Value::make_float(token.floating, {token.begin, token.end});
      case TokenKind::string: {
        std::string text = std::move(token.text);
        std::size_t end = token.end;
        while (peek().kind == TokenKind::string) {  // 'a' 'b' is 'ab', as in Python
          const Token more = take();
          text += more.text;
          end = more.end;
        }
        return Value::make_string(std::move(text), {token.begin, end});
      }
      case TokenKind::name: {
        const SourceRange range{token.begin, token.end};
        if (token.text == "True") return Value::make_bool(true, range);
        if (token.text == "False") return Value::make_bool(false, range);
        if (token.text == "None") return Value::make_none(range);
        if (is_reserved(token.text)) unexpected(token, "an expression");
        return Value::make_name(std::move(token.text), range);
      }
      case TokenKind::left_paren: return parenthesized(token);
      case TokenKind::left_bracket: return list(token);
      default: unexpected(token, "an expression");
    }
  }

  // "(" [expression ("," expression)* [","]] ")": a tuple when there is a comma or nothing, else grouping.
  Value parenthesized(const Token& open) {
    std::vector<Value> items;
    bool saw_comma = false;
    while (peek().kind != TokenKind::right_paren) {
      if (!can_start_expression(peek())) unexpected(peek(), "an expression or ')'");
      items.push_back(expression());
      if (peek().kind == TokenKind::comma) {
        take();
        saw_comma = true;
      } else if (peek().kind != TokenKind::right_paren) {
        unexpected(peek(), "',' or ')'");
      }
    }
    const Token close = take();
    if (items.size() == 1 && !saw_comma) return items.front();
    return Value::make_tuple(std::move(items), {open.begin, close.end});
  }

  Value list(const Token& open) {
    std::vector<Value> items;
    while (peek().kind != TokenKind::right_bracket) {
      if (!can_start_expression(peek())) unexpected(peek(), "an element or ']'");
      items.push_back(expression());
      if (peek().kind == TokenKind::comma) {
        take();
      } else if (peek().kind != TokenKind::right_bracket) {
        unexpected(peek(), "',' or ']'");
      }
    }
    const Token close = take();
    return Value::make_list(std::move(items), {open.begin, close.end});
  }

  // callee "(" arguments ")", with Python's rules: positional arguments first, each keyword once.
  Value call(const Value& callee) {
    take();  // '('
    Call call;
    call.callee = callee.name();
    call.callee_range = callee.range();
    while (peek().kind != TokenKind::right_paren) {
      const Token& first = peek();
      if (!can_start_expression(first)) unexpected(first, "an argument or ')'");
      const std::size_t start = first.begin;
      if (first.kind == TokenKind::name && peek(1).kind == TokenKind::assign) {
        Token name = take();
        take();  // '='
        if (is_reserved(name.text) || is_literal_name(name.text)) {
          fail(fmt::format("'{}' cannot be a keyword argument name", name.text), name.begin);
        }
        if (call.keyword(name.text) != nullptr) {
          fail(fmt::format("keyword argument repeated: {}", name.text), name.begin);
        }
        if (!can_start_expression(peek())) unexpected(peek(), "an expression");
        Value value = expression();
        call.keywords.push_back({std::move(name.text), std::move(value), {name.begin, name.end}});
      } else {
        Value value = expression();
        if (peek().kind == TokenKind::assign) fail("a keyword argument's name must be a plain name", start);
        if (!call.keywords.empty()) fail("positional argument follows keyword argument", start);
        call.args.push_back(std::move(value));
      }
      if (peek().kind == TokenKind::comma) {
        take();
      } else if (peek().kind != TokenKind::right_paren) {
        unexpected(peek(), "',' or ')'");
      }
    }
    const Token close = take();
    const SourceRange range{callee.range().begin, close.end};
    const std::size_t at = callee.range().begin;
    if (is_constant_function(call.callee)) {
      return evaluate_at(at, range, [&] { return call_constant_function(call); });
    }
    if (call.callee.starts_with("math.")) {
      // math.pi(...) is a float called; math.nosuch(...) is Python's AttributeError.
      const std::optional<Value> constant = located(at, [&] { return constant_name(call.callee); });
      throw ExpressionTypeError(
          fmt::format("'{}' object is not callable", constant ? constant->type_name() : "function"), source_,
          at);
    }
    return Value::make_call(std::move(call), range);
  }

  std::string_view source_;
  SourceRange range_;
  Lexer lexer_;
  std::deque<Token> buffer_;
  int depth_ = 0;
  std::int64_t built_ = 0;  // what '+' and '*' built so far; see kMaxBuiltSize
};

}  // namespace

Value parse_expression(std::string_view text) {
  return parse_expression(text, {0, text.size()});
}

Value parse_expression(std::string_view text, SourceRange range) {
  return Parser(text, range).parse();
}

}  // namespace nninit::lang
