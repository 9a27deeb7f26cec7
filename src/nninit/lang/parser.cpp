#include "nninit/lang/parser.h"

#include <cmath>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <unordered_map>
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

// The tokens that comprehensions evaluate (each element, condition and inner iterable once per binding) count
// toward this total for one expression, so that nested or long ranges cannot make the work unbounded.
constexpr std::int64_t kMaxComprehensionWork = std::int64_t{1} << 20;

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

bool is_keyword(const Token& token, std::string_view word) {
  return token.kind == TokenKind::name && token.text == word;
}

bool opens(TokenKind kind) {
  return kind == TokenKind::left_paren || kind == TokenKind::left_bracket || kind == TokenKind::left_brace;
}

bool closes(TokenKind kind) {
  return kind == TokenKind::right_paren || kind == TokenKind::right_bracket || kind == TokenKind::right_brace;
}

// Python's bool(x) for the values the language has; a call or a name is an object, true here (an empty
// Sequential, false in Python, is no filter anyone writes).
bool truthy(const Value& value) {
  switch (value.kind()) {
    case Value::Kind::none: return false;
    case Value::Kind::boolean: return value.bool_value();
    case Value::Kind::integer: return value.int_value() != 0;
    case Value::Kind::floating: return value.float_value() != 0.0;
    case Value::Kind::string: return !value.string_value().empty();
    case Value::Kind::tuple:
    case Value::Kind::list:
    case Value::Kind::dict: return !value.items().empty();
    case Value::Kind::call:
    case Value::Kind::name: return true;
  }
  return true;
}

// What makes two dict keys one key in Python: 1, 1.0 and True are equal numbers; each call is its own
// object; other keys compare by value.
std::string dict_key_identity(const Value& key) {
  switch (key.kind()) {
    case Value::Kind::boolean: return fmt::format("n{}", key.bool_value() ? 1 : 0);
    case Value::Kind::integer: return fmt::format("n{}", key.int_value());
    case Value::Kind::floating: {
      const double f = key.float_value();
      if (f == std::trunc(f) && std::fabs(f) < 9.2e18)
        return fmt::format("n{}", static_cast<std::int64_t>(f));
      return "n" + python_float_repr(f);
    }
    case Value::Kind::call: return fmt::format("call:{}", static_cast<const void*>(&key.call()));
    default: return fmt::format("{}:{}", kind_type_name(key.kind()), key.repr());
  }
}

// The type of the first part of `value` that Python cannot hash (lists and dicts), or nullopt.
std::optional<std::string> unhashable_part(const Value& value) {
  if (value.kind() == Value::Kind::list || value.kind() == Value::Kind::dict) return value.type_name();
  if (value.kind() == Value::Kind::tuple) {
    for (const Value& item : value.items()) {
      if (std::optional<std::string> part = unhashable_part(item)) return part;
    }
  }
  return std::nullopt;
}

bool can_start_expression(const Token& token) {
  switch (token.kind) {
    case TokenKind::name:
    case TokenKind::integer:
    case TokenKind::floating:
    case TokenKind::string:
    case TokenKind::left_paren:
    case TokenKind::left_bracket:
    case TokenKind::left_brace:
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
      if (word == "for") {
        fail("only list comprehensions are supported: write [... for ... in ...]", token.begin);
      }
      if (word == "if" || word == "else") fail("conditional expressions are not supported", token.begin);
      if (word == "lambda") fail("lambda expressions are not supported", token.begin);
      if (word == "and" || word == "or" || word == "not" || word == "in" || word == "is") {
        fail("boolean operators and comparisons are not supported", token.begin);
      }
      fail(fmt::format("'{}' is a Python statement keyword and cannot appear in an expression", word),
           token.begin);
    }
    if (token.kind == TokenKind::star || token.kind == TokenKind::double_star) {
      fail("unpacking with * is supported in calls, lists and tuples, and with ** in calls only",
           token.begin);
    }
    fail(fmt::format("expected {}", expected), token.begin);
  }

  // While a comprehension replays a span of tokens, the span's end stands for everything after it.
  const Token& peek(std::size_t ahead = 0) {
    while (buffer_.size() <= ahead) buffer_.push_back(replay_end_ ? *replay_end_ : lexer_.next());
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
        for (auto bound = bindings_.rbegin(); bound != bindings_.rend(); ++bound) {
          if (bound->first == token.text) {
            Value value = bound->second;
            value.set_range(range);
            return value;
          }
        }
        return Value::make_name(std::move(token.text), range);
      }
      case TokenKind::left_paren: return parenthesized(token);
      case TokenKind::left_bracket: return list(token);
      case TokenKind::left_brace: return dict(token);
      default: unexpected(token, "an expression");
    }
  }

  // "(" [item ("," item)* [","]] ")": a tuple when there is a comma or nothing, else grouping. An item
  // `*iterable` adds the iterable's elements.
  Value parenthesized(const Token& open) {
    std::vector<Value> items;
    bool saw_comma = false;
    std::optional<std::size_t> starred;
    while (peek().kind != TokenKind::right_paren) {
      if (peek().kind == TokenKind::star) {
        starred = peek().begin;
        splice(items, "");
      } else {
        if (!can_start_expression(peek())) unexpected(peek(), "an expression or ')'");
        items.push_back(expression());
      }
      if (peek().kind == TokenKind::comma) {
        take();
        saw_comma = true;
      } else if (peek().kind != TokenKind::right_paren) {
        unexpected(peek(), "',' or ')'");
      }
    }
    if (starred && !saw_comma) fail("cannot use starred expression here", *starred);
    const Token close = take();
    if (items.size() == 1 && !saw_comma) return items.front();
    return Value::make_tuple(std::move(items), {open.begin, close.end});
  }

  // "[" [item ("," item)* [","]] "]", with `*iterable` items, or a list comprehension.
  Value list(const Token& open) {
    if (starts_comprehension()) return comprehension(open);
    std::vector<Value> items;
    while (peek().kind != TokenKind::right_bracket) {
      if (peek().kind == TokenKind::star) {
        splice(items, "");
      } else {
        if (!can_start_expression(peek())) unexpected(peek(), "an element or ']'");
        items.push_back(expression());
      }
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
  // `*iterable` adds positional arguments (also after keywords, as in Python) and `**dict` keywords.
  Value call(const Value& callee) {
    take();  // '('
    Call call;
    call.callee = callee.name();
    call.callee_range = callee.range();
    std::vector<std::string> unpacked_keywords;  // from **: a repetition is a TypeError, not a syntax error
    bool saw_double_star = false;
    while (peek().kind != TokenKind::right_paren) {
      const Token& first = peek();
      const std::size_t start = first.begin;
      if (first.kind == TokenKind::star) {
        if (saw_double_star) fail("iterable argument unpacking follows keyword argument unpacking", start);
        splice(call.args, callee.name());
      } else if (first.kind == TokenKind::double_star) {
        saw_double_star = true;
        take();
        if (!can_start_expression(peek())) unexpected(peek(), "an expression");
        const Value mapping = expression();
        if (mapping.kind() != Value::Kind::dict) {
          throw ExpressionTypeError(fmt::format("{}() argument after ** must be a mapping, not {}",
                                                callee.name(), mapping.type_name()),
                                    source_, start);
        }
        for (const Value& entry : mapping.items()) {
          const Value& key = entry.items()[0];
          if (key.kind() != Value::Kind::string) {
            throw ExpressionTypeError("keywords must be strings", source_, start);
          }
          if (call.keyword(key.string_value()) != nullptr) {
            throw ExpressionTypeError(fmt::format("{}() got multiple values for keyword argument '{}'",
                                                  callee.name(), key.string_value()),
                                      source_, start);
          }
          unpacked_keywords.push_back(key.string_value());
          call.keywords.push_back({key.string_value(), entry.items()[1], key.range()});
        }
      } else if (!can_start_expression(first)) {
        unexpected(first, "an argument or ')'");
      } else if (first.kind == TokenKind::name && peek(1).kind == TokenKind::assign) {
        Token name = take();
        take();  // '='
        if (is_reserved(name.text) || is_literal_name(name.text)) {
          fail(fmt::format("'{}' cannot be a keyword argument name", name.text), name.begin);
        }
        if (call.keyword(name.text) != nullptr) {
          if (std::find(unpacked_keywords.begin(), unpacked_keywords.end(), name.text) !=
              unpacked_keywords.end()) {
            throw ExpressionTypeError(
                fmt::format("{}() got multiple values for keyword argument '{}'", callee.name(), name.text),
                source_, name.begin);
          }
          fail(fmt::format("keyword argument repeated: {}", name.text), name.begin);
        }
        if (!can_start_expression(peek())) unexpected(peek(), "an expression");
        Value value = expression();
        call.keywords.push_back({std::move(name.text), std::move(value), {name.begin, name.end}});
      } else {
        Value value = expression();
        if (peek().kind == TokenKind::assign) fail("a keyword argument's name must be a plain name", start);
        if (saw_double_star) fail("positional argument follows keyword argument unpacking", start);
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

  // "{" [key ":" value ("," key ":" value)* [","]] "}": a dict; a repeated key keeps its first place and
  // takes the last value, as in Python.
  Value dict(const Token& open) {
    std::vector<Value> entries;
    std::unordered_map<std::string, std::size_t> index_of_key;
    while (peek().kind != TokenKind::right_brace) {
      if (peek().kind == TokenKind::double_star) fail("** in a dict display is not supported", peek().begin);
      if (!can_start_expression(peek())) unexpected(peek(), "a key or '}'");
      Value key = expression();
      if (is_keyword(peek(), "for")) fail("only list comprehensions are supported", peek().begin);
      if (peek().kind == TokenKind::comma || peek().kind == TokenKind::right_brace) {
        fail("sets are not supported; a dict display writes key: value", key.range().begin);
      }
      if (peek().kind != TokenKind::colon) unexpected(peek(), "':'");
      take();
      if (!can_start_expression(peek())) unexpected(peek(), "a value");
      Value value = expression();
      if (is_keyword(peek(), "for")) fail("only list comprehensions are supported", peek().begin);
      if (const std::optional<std::string> part = unhashable_part(key)) {
        throw ExpressionTypeError(fmt::format("unhashable type: '{}'", *part), source_, key.range().begin);
      }
      const auto [found, inserted] = index_of_key.try_emplace(dict_key_identity(key), entries.size());
      if (inserted) {
        entries.push_back(Value::make_tuple({std::move(key), std::move(value)}));
      } else {
        entries[found->second] = Value::make_tuple({entries[found->second].items()[0], std::move(value)});
      }
      if (peek().kind == TokenKind::comma) {
        take();
      } else if (peek().kind != TokenKind::right_brace) {
        unexpected(peek(), "',' or '}'");
      }
    }
    const Token close = take();
    return Value::make_dict(std::move(entries), {open.begin, close.end});
  }

  // Calls `visit` with each element of `iterable` in Python's order: a list's or tuple's items, a dict's
  // keys, a string's characters, range(...)'s integers (counted, never built). `not_iterable` is the
  // TypeError for other values.
  void for_each_element(const Value& iterable, std::size_t offset, const std::string& not_iterable,
                        const std::function<void(Value)>& visit) {
    switch (iterable.kind()) {
      case Value::Kind::tuple:
      case Value::Kind::list:
        for (const Value& item : iterable.items()) visit(item);
        return;
      case Value::Kind::dict:
        for (const Value& entry : iterable.items()) visit(entry.items()[0]);
        return;
      case Value::Kind::string: {
        const std::string& text = iterable.string_value();
        for (std::size_t i = 0; i < text.size();) {
          std::size_t length = 1;  // one UTF-8 code point
          while (i + length < text.size() && (static_cast<unsigned char>(text[i + length]) & 0xC0) == 0x80) {
            ++length;
          }
          visit(Value::make_string(text.substr(i, length)));
          i += length;
        }
        return;
      }
      case Value::Kind::call:
        if (iterable.call().callee == "range") {
          for_each_in_range(iterable.call(), offset, visit);
          return;
        }
        break;
      default: break;
    }
    throw ExpressionTypeError(not_iterable, source_, offset);
  }

  // Python's range(stop), range(start, stop[, step]) and its errors.
  void for_each_in_range(const Call& range, std::size_t offset, const std::function<void(Value)>& visit) {
    if (!range.keywords.empty())
      throw ExpressionTypeError("range() takes no keyword arguments", source_, offset);
    if (range.args.empty() || range.args.size() > 3) {
      throw ExpressionTypeError(
          fmt::format("range expected {}, got {}",
                      range.args.empty() ? "at least 1 argument" : "at most 3 arguments", range.args.size()),
          source_, offset);
    }
    std::vector<std::int64_t> bounds;
    for (const Value& arg : range.args) {
      if (arg.kind() != Value::Kind::integer && arg.kind() != Value::Kind::boolean) {
        throw ExpressionTypeError(
            fmt::format("'{}' object cannot be interpreted as an integer", arg.type_name()), source_,
            arg.range().begin);
      }
      bounds.push_back(arg.kind() == Value::Kind::boolean ? arg.bool_value() : arg.int_value());
    }
    const std::int64_t start = bounds.size() == 1 ? 0 : bounds[0];
    const std::int64_t stop = bounds.size() == 1 ? bounds[0] : bounds[1];
    const std::int64_t step = bounds.size() == 3 ? bounds[2] : 1;
    if (step == 0) fail("range() arg 3 must not be zero", range.args[2].range().begin);
    // A step past the end of int64 ends the range: every later value would be beyond `stop` too.
    for (std::int64_t i = start; step > 0 ? i < stop : i > stop;) {
      visit(Value::make_int(i));
      if (__builtin_add_overflow(i, step, &i)) break;
    }
  }

  // "*" iterable: appends the iterable's elements to `items`. `callee` names the call whose arguments they
  // are (empty in a list or tuple display), as Python's TypeError does.
  void splice(std::vector<Value>& items, const std::string& callee) {
    const Token star = take();
    if (!can_start_expression(peek())) unexpected(peek(), "an expression");
    const Value iterable = expression();
    const std::string not_iterable =
        callee.empty()
            ? fmt::format("Value after * must be an iterable, not {}", iterable.type_name())
            : fmt::format("{}() argument after * must be an iterable, not {}", callee, iterable.type_name());
    for_each_element(iterable, star.begin, not_iterable, [&](Value item) {
      built_ += 1 + sequence_size(item);
      if (built_ > kMaxBuiltSize) {
        fail(fmt::format("the expression builds sequences of more than {} in all", kMaxBuiltSize),
             star.begin);
      }
      items.push_back(std::move(item));
    });
  }

  // A list display whose first element is followed by `for` at the same bracket depth.
  bool starts_comprehension() {
    int depth = 0;
    for (std::size_t ahead = 0;; ++ahead) {
      const Token& token = peek(ahead);
      if (token.kind == TokenKind::end) return false;
      if (opens(token.kind)) {
        ++depth;
      } else if (closes(token.kind)) {
        if (depth-- == 0) return false;
      } else if (depth == 0 && (token.kind == TokenKind::comma || is_keyword(token, "for"))) {
        return token.kind != TokenKind::comma;
      }
    }
  }

  // Tokens kept to be evaluated once per binding of a comprehension's names; `end` is the offset of the
  // token that ended them.
  struct Span {
    std::vector<Token> tokens;
    std::size_t end = 0;
  };

  struct ForClause {
    std::string target;
    std::size_t target_offset = 0;
    Span iterable;
    std::vector<Span> conditions;
  };

  // The tokens up to the first of `stops` at bracket depth 0 (a closing bracket there also ends them).
  Span collect_span(std::initializer_list<std::string_view> stops) {
    Span span;
    int depth = 0;
    while (true) {
      const Token& token = peek();
      if (token.kind == TokenKind::end) unexpected(token, "']'");
      if (depth == 0 && closes(token.kind)) break;
      if (depth == 0 && token.kind == TokenKind::name &&
          std::find(stops.begin(), stops.end(), token.text) != stops.end()) {
        break;
      }
      if (opens(token.kind)) ++depth;
      if (closes(token.kind)) --depth;
      span.tokens.push_back(take());
    }
    span.end = peek().begin;
    if (span.tokens.empty()) fail("expected an expression", peek().begin);
    return span;
  }

  // "[" element ("for" NAME "in" iterable ("if" condition)*)+ "]", evaluated as Python does: the first
  // iterable once, each later clause's iterable and conditions and the element once per binding of the
  // names before them.
  Value comprehension(const Token& open) {
    const Span element = collect_span({"for"});
    std::vector<ForClause> clauses;
    while (is_keyword(peek(), "for")) {
      take();
      Token target = take();
      if (target.kind != TokenKind::name || is_reserved(target.text) || is_literal_name(target.text) ||
          peek().kind == TokenKind::comma) {
        fail("a comprehension's target must be one name", target.begin);
      }
      if (!is_keyword(peek(), "in")) fail("expected 'in' after the comprehension's target", peek().begin);
      take();
      ForClause clause{std::move(target.text), target.begin, collect_span({"for", "if"}), {}};
      while (is_keyword(peek(), "if")) {
        take();
        clause.conditions.push_back(collect_span({"for", "if"}));
      }
      clauses.push_back(std::move(clause));
    }
    if (peek().kind != TokenKind::right_bracket) unexpected(peek(), "']'");
    const Token close = take();
    std::vector<Value> items;
    evaluate_clauses(clauses, 0, element, items);
    return Value::make_list(std::move(items), {open.begin, close.end});
  }

  void evaluate_clauses(const std::vector<ForClause>& clauses, std::size_t k, const Span& element,
                        std::vector<Value>& items) {
    if (k == clauses.size()) {
      items.push_back(replay(element, "'for'"));
      return;
    }
    const ForClause& clause = clauses[k];
    DepthGuard guard(*this, clause.target_offset);
    const Value iterable = replay(clause.iterable, "'if', 'for' or ']'");
    const std::size_t at = clause.iterable.tokens.front().begin;
    for_each_element(
        iterable, at, fmt::format("'{}' object is not iterable", iterable.type_name()), [&](Value item) {
          bindings_.emplace_back(clause.target, std::move(item));
          const bool kept = std::all_of(
              clause.conditions.begin(), clause.conditions.end(),
              [&](const Span& condition) { return truthy(replay(condition, "'if', 'for' or ']'")); });
          if (kept) evaluate_clauses(clauses, k + 1, element, items);
          bindings_.pop_back();
        });
  }

  // Parses a kept span again with the names bound now.
  Value replay(const Span& span, std::string_view expected_after) {
    work_ += static_cast<std::int64_t>(span.tokens.size()) + 1;
    if (work_ > kMaxComprehensionWork) {
      fail(fmt::format("the comprehensions evaluate more than {} tokens in all; build fewer elements",
                       kMaxComprehensionWork),
           span.tokens.front().begin);
    }
    std::deque<Token> outer =
        std::exchange(buffer_, std::deque<Token>(span.tokens.begin(), span.tokens.end()));
    Token end;
    end.begin = end.end = span.end;
    const std::optional<Token> outer_end = std::exchange(replay_end_, end);
    Value value = expression();
    if (peek().kind != TokenKind::end) unexpected(peek(), expected_after);
    buffer_ = std::move(outer);
    replay_end_ = outer_end;
    return value;
  }

  std::string_view source_;
  SourceRange range_;
  Lexer lexer_;
  std::deque<Token> buffer_;
  std::optional<Token> replay_end_;                      // set while replay() parses a kept span
  std::vector<std::pair<std::string, Value>> bindings_;  // the comprehension names in scope, innermost last
  int depth_ = 0;
  std::int64_t built_ = 0;  // what '+' and '*' built so far; see kMaxBuiltSize
  std::int64_t work_ = 0;   // tokens the comprehensions evaluated so far; see kMaxComprehensionWork
};

}  // namespace

Value parse_expression(std::string_view text) {
  return parse_expression(text, {0, text.size()});
}

Value parse_expression(std::string_view text, SourceRange range) {
  return Parser(text, range).parse();
}

}  // namespace nninit::lang
