#include "nninit/lang/evaluate.h"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "nninit/core/error.h"
#include "nninit/lang/lexer.h"
#include "nninit/lang/suggest.h"

namespace nninit::lang {
namespace {

using Kind = Value::Kind;

// A sequence or string built by repetition or concatenation (`[0] * n`, `'ab' * n`, `a + b`) is refused
// beyond this size rather than allowed to exhaust memory; no initialization expression needs more. The
// size counts what the value holds at every depth (see `sequence_size`), so that the work and memory of every
// operation stay proportional to a result this bound caps.
constexpr std::int64_t kMaxSequenceSize = std::int64_t{1} << 20;

bool is_integral(const Value& v) {
  return v.kind() == Kind::integer || v.kind() == Kind::boolean;
}

std::int64_t integer_of(const Value& v) {
  return v.kind() == Kind::boolean ? v.bool_value() : v.int_value();
}

double double_of(const Value& v) {
  return v.kind() == Kind::floating ? v.float_value() : static_cast<double>(integer_of(v));
}

[[noreturn]] void overflow(std::string_view what) {
  throw ValueError(fmt::format("{} does not fit in a 64-bit integer", what));
}

// a / b for ints, correctly rounded like CPython's long_true_divide. Both operands below 2**53 are exact as
// doubles, so one IEEE division rounds correctly; otherwise long division yields a quotient of at least 63
// bits plus a sticky bit, rounded to 53 bits half to even by hand.
double int_true_divide(std::int64_t a, std::int64_t b) {
  const auto magnitude = [](std::int64_t x) {
    return x < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(x) : static_cast<std::uint64_t>(x);
  };
  const std::uint64_t ua = magnitude(a);
  const std::uint64_t ub = magnitude(b);
  constexpr std::uint64_t kExact = std::uint64_t{1} << 53;
  if (ua <= kExact && ub <= kExact) return static_cast<double>(a) / static_cast<double>(b);
  std::uint64_t quotient = ua / ub;
  std::uint64_t remainder = ua % ub;
  int exponent = 0;
  while (quotient < (std::uint64_t{1} << 62)) {  // remainder < ub <= 2**63, so remainder * 2 fits
    remainder <<= 1;
    quotient <<= 1;
    --exponent;
    if (remainder >= ub) {
      remainder -= ub;
      quotient |= 1;
    }
  }
  const bool sticky = remainder != 0;
  const int bits = 64 - std::countl_zero(quotient);
  const int shift = bits - 53;
  std::uint64_t kept = quotient >> shift;
  const std::uint64_t dropped = quotient & ((std::uint64_t{1} << shift) - 1);
  const std::uint64_t half = std::uint64_t{1} << (shift - 1);
  if (dropped > half || (dropped == half && (sticky || (kept & 1) != 0))) ++kept;
  const double result = std::ldexp(static_cast<double>(kept), exponent + shift);
  return (a < 0) != (b < 0) ? -result : result;
}

// CPython's float_pow: IEEE pow with Python's special cases, errors where Python raises, and a negative
// base with a non-integral exponent (a complex result in Python) refused.
double float_power(double base, double exponent) {
  const auto is_odd_integer = [](double x) { return std::fmod(std::fabs(x), 2.0) == 1.0; };
  if (exponent == 0.0) return 1.0;
  if (std::isnan(base)) return base;
  if (std::isnan(exponent)) return base == 1.0 ? 1.0 : exponent;
  if (std::isinf(exponent)) {
    const double magnitude = std::fabs(base);
    if (magnitude == 1.0) return 1.0;
    return (exponent > 0) == (magnitude > 1.0) ? std::fabs(exponent) : 0.0;
  }
  if (std::isinf(base)) {
    const bool odd = is_odd_integer(exponent);
    if (exponent > 0) return odd ? base : std::fabs(base);
    return odd ? std::copysign(0.0, base) : 0.0;
  }
  if (base == 0.0) {
    if (exponent < 0) throw ValueError("0.0 cannot be raised to a negative power");
    return is_odd_integer(exponent) ? base : 0.0;
  }
  bool negate = false;
  if (base < 0.0) {
    if (exponent != std::floor(exponent)) {
      throw ValueError(
          "a negative number raised to a fractional power is complex; complex numbers are not supported");
    }
    base = -base;
    negate = is_odd_integer(exponent);
  }
  if (base == 1.0) return negate ? -1.0 : 1.0;
  errno = 0;
  double result = std::pow(base, exponent);
  // CPython's _Py_ADJUST_ERANGE1: an infinite result is an overflow; underflow to zero is not an error.
  int error = errno;
  if (error == 0 && std::isinf(result)) error = ERANGE;
  if (error == ERANGE && result == 0.0) error = 0;
  if (negate) result = -result;
  if (error == ERANGE) throw ValueError("(34, 'Numerical result out of range')");
  if (error != 0) throw ValueError("(33, 'Numerical argument out of domain')");
  return result;
}

// CPython's float floor division and modulo (float_divmod): fmod, then the sign fixed to follow the divisor.
double float_modulo(double a, double b) {
  double mod = std::fmod(a, b);
  if (mod != 0.0) {
    if ((b < 0) != (mod < 0)) mod += b;
  } else {
    mod = std::copysign(0.0, b);
  }
  return mod;
}

double float_floor_divide(double a, double b) {
  double mod = std::fmod(a, b);
  double quotient = (a - mod) / b;
  if (mod != 0.0 && (b < 0) != (mod < 0)) quotient -= 1.0;
  if (quotient == 0.0) return std::copysign(0.0, a / b);
  double floor_quotient = std::floor(quotient);
  if (quotient - floor_quotient > 0.5) floor_quotient += 1.0;
  return floor_quotient;
}

Value float_binary(BinaryOperator op, double a, double b) {
  switch (op) {
    case BinaryOperator::add: return Value::make_float(a + b);
    case BinaryOperator::subtract: return Value::make_float(a - b);
    case BinaryOperator::multiply: return Value::make_float(a * b);
    case BinaryOperator::true_divide:
      if (b == 0.0) throw ValueError("float division by zero");
      return Value::make_float(a / b);
    case BinaryOperator::floor_divide:
      if (b == 0.0) throw ValueError("float floor division by zero");
      return Value::make_float(float_floor_divide(a, b));
    case BinaryOperator::modulo:
      if (b == 0.0) throw ValueError("float modulo");
      return Value::make_float(float_modulo(a, b));
    case BinaryOperator::power: return Value::make_float(float_power(a, b));
  }
  return {};
}

Value int_binary(BinaryOperator op, std::int64_t a, std::int64_t b) {
  std::int64_t result = 0;
  const auto expression = [&] { return fmt::format("{} {} {}", a, operator_symbol(op), b); };
  switch (op) {
    case BinaryOperator::add:
      if (__builtin_add_overflow(a, b, &result)) overflow(expression());
      return Value::make_int(result);
    case BinaryOperator::subtract:
      if (__builtin_sub_overflow(a, b, &result)) overflow(expression());
      return Value::make_int(result);
    case BinaryOperator::multiply:
      if (__builtin_mul_overflow(a, b, &result)) overflow(expression());
      return Value::make_int(result);
    case BinaryOperator::true_divide:
      if (b == 0) throw ValueError("division by zero");
      return Value::make_float(int_true_divide(a, b));
    case BinaryOperator::floor_divide: {
      if (b == 0) throw ValueError("integer division or modulo by zero");
      if (a == std::numeric_limits<std::int64_t>::min() && b == -1) overflow(expression());
      std::int64_t quotient = a / b;
      if (a % b != 0 && (a < 0) != (b < 0)) --quotient;
      return Value::make_int(quotient);
    }
    case BinaryOperator::modulo: {
      if (b == 0) throw ValueError("integer modulo by zero");
      if (b == -1) return Value::make_int(0);
      std::int64_t remainder = a % b;
      if (remainder != 0 && (remainder < 0) != (b < 0)) remainder += b;
      return Value::make_int(remainder);
    }
    case BinaryOperator::power: {
      // A negative exponent makes Python convert both operands to float.
      if (b < 0) {
        return Value::make_float(float_power(static_cast<double>(a), static_cast<double>(b)));
      }
      std::int64_t power = 1;
      std::int64_t square = a;
      for (std::int64_t e = b; e != 0;) {
        if ((e & 1) != 0 && __builtin_mul_overflow(power, square, &power)) overflow(expression());
        e >>= 1;
        if (e != 0 && __builtin_mul_overflow(square, square, &square)) overflow(expression());
      }
      return Value::make_int(power);
    }
  }
  return {};
}

bool contains_call(const Value& v) {
  if (v.kind() == Kind::call) return true;
  if (v.is_sequence() || v.kind() == Kind::dict) {
    for (const Value& item : v.items()) {
      if (contains_call(item)) return true;
    }
  }
  return false;
}

Value repeat(const Value& sequence, const Value& count) {
  if (!is_integral(count)) {
    throw TypeError(fmt::format("can't multiply sequence by non-int of type '{}'", count.type_name()));
  }
  const std::int64_t n = std::max<std::int64_t>(integer_of(count), 0);
  const std::int64_t size = sequence_size(sequence);
  if (size != 0 && n > kMaxSequenceSize / size) {
    throw ValueError(fmt::format(
        "repeating a sequence of size {} (elements and what they hold) {} times makes more than {}", size, n,
        kMaxSequenceSize));
  }
  // An empty sequence repeated any number of times is empty: no loop over the count.
  const std::int64_t copies = size == 0 ? 0 : n;
  if (sequence.kind() == Kind::string) {
    std::string text;
    text.reserve(static_cast<std::size_t>(copies * size));
    for (std::int64_t i = 0; i < copies; ++i) text += sequence.string_value();
    return Value::make_string(std::move(text));
  }
  if (copies > 1 && contains_call(sequence)) {
    // Python would repeat references to one module object, not construct new ones.
    throw ValueError(
        "repeating a sequence that holds calls would share one object between its elements in "
        "Python; write the elements out");
  }
  std::vector<Value> items;
  items.reserve(static_cast<std::size_t>(copies) * sequence.items().size());
  for (std::int64_t i = 0; i < copies; ++i)
    items.insert(items.end(), sequence.items().begin(), sequence.items().end());
  return sequence.kind() == Kind::tuple ? Value::make_tuple(std::move(items))
                                        : Value::make_list(std::move(items));
}

// `left + right` for two strings or two sequences of one kind, within the size repetition is held to.
Value concatenate(const Value& left, const Value& right) {
  const std::int64_t size = sequence_size(left) + sequence_size(right);
  if (size > kMaxSequenceSize) {
    throw ValueError(fmt::format("concatenating sequences of size {} and {} makes more than {}",
                                 sequence_size(left), sequence_size(right), kMaxSequenceSize));
  }
  if (left.kind() == Kind::string) return Value::make_string(left.string_value() + right.string_value());
  std::vector<Value> items = left.items();
  items.insert(items.end(), right.items().begin(), right.items().end());
  return left.kind() == Kind::tuple ? Value::make_tuple(std::move(items))
                                    : Value::make_list(std::move(items));
}

bool is_repeatable(const Value& v) {
  return v.kind() == Kind::string || v.is_sequence();
}

// The argument of a math function as a double, or Python's "must be real number, not str".
double real_argument(const Value& v) {
  if (!v.is_number()) throw TypeError(fmt::format("must be real number, not {}", v.type_name()));
  return double_of(v);
}

[[noreturn]] void math_domain_error() {
  throw ValueError("math domain error");
}
[[noreturn]] void math_range_error() {
  throw ValueError("math range error");
}

// CPython's math_1: the libm result, checked the way CPython checks it. A nan from a non-nan argument is a
// domain error; an infinity from a finite argument is a range error where the function can overflow (exp)
// and a domain error otherwise (log(0)).
double math_1(double (*function)(double), double x, bool can_overflow) {
  const double r = function(x);
  if (std::isnan(r) && !std::isnan(x)) math_domain_error();
  if (std::isinf(r) && std::isfinite(x)) {
    if (can_overflow) math_range_error();
    math_domain_error();
  }
  return r;
}

double libm_sqrt(double x) {
  return std::sqrt(x);
}
double libm_exp(double x) {
  return std::exp(x);
}
// CPython's m_log, m_log2, m_log10: log of 0 or of a negative number is a domain error (math_1 sees the
// -inf or nan), and log(inf) is inf.
double libm_log(double x) {
  return std::log(x);
}
double libm_log2(double x) {
  return std::log2(x);
}
double libm_log10(double x) {
  return std::log10(x);
}

// CPython's math.pow: its own special cases for non-finite arguments, then libm's pow.
double math_pow(double x, double y) {
  if (!std::isfinite(x) || !std::isfinite(y)) {
    if (std::isnan(x)) return y == 0.0 ? 1.0 : x;
    if (std::isnan(y)) return x == 1.0 ? 1.0 : y;
    if (std::isinf(x)) {
      const bool odd_y = std::isfinite(y) && std::fmod(std::fabs(y), 2.0) == 1.0;
      if (y > 0.0) return odd_y ? x : std::fabs(x);
      if (y == 0.0) return 1.0;
      return odd_y ? std::copysign(0.0, x) : 0.0;
    }
    if (std::fabs(x) == 1.0) return 1.0;
    if (y > 0.0 && std::fabs(x) > 1.0) return y;
    if (y < 0.0 && std::fabs(x) < 1.0) return -y;
    return 0.0;
  }
  const double r = std::pow(x, y);
  if (std::isnan(r)) math_domain_error();
  if (std::isinf(r)) {
    if (x == 0.0) math_domain_error();
    math_range_error();
  }
  return r;
}

void no_keywords(const Call& call, std::string_view name) {
  if (!call.keywords.empty()) throw TypeError(fmt::format("{}() takes no keyword arguments", name));
}

Value call_float(const Call& call) {
  no_keywords(call, "float");
  if (call.args.size() > 1)
    throw TypeError(fmt::format("float expected at most 1 argument, got {}", call.args.size()));
  if (call.args.empty()) return Value::make_float(0.0);
  const Value& x = call.args[0];
  if (x.is_number()) return Value::make_float(double_of(x));
  if (x.kind() == Kind::string) {
    double value = 0.0;
    if (!parse_python_float(x.string_value(), value)) {
      throw ValueError(fmt::format("could not convert string to float: {}", x.repr()));
    }
    return Value::make_float(value);
  }
  throw TypeError(fmt::format("float() argument must be a string or a real number, not '{}'", x.type_name()));
}

Value call_int(const Call& call) {
  const Value* base_value = nullptr;
  for (const KeywordArgument& keyword : call.keywords) {
    if (keyword.name != "base") {
      throw TypeError(fmt::format("'{}' is an invalid keyword argument for int()", keyword.name));
    }
    base_value = &keyword.value;
  }
  const std::size_t given = call.args.size() + call.keywords.size();
  if (given > 2) throw TypeError(fmt::format("int() takes at most 2 arguments ({} given)", given));
  if (call.args.size() == 2) {
    if (base_value != nullptr) throw TypeError("argument for int() given by name ('base') and position (2)");
    base_value = &call.args[1];
  }
  if (call.args.empty()) {
    if (base_value != nullptr) throw TypeError("int() missing string argument");
    return Value::make_int(0);
  }
  const Value& x = call.args[0];
  if (base_value != nullptr) {
    if (x.kind() != Kind::string) throw TypeError("int() can't convert non-string with explicit base");
    if (!is_integral(*base_value)) {
      throw TypeError(
          fmt::format("'{}' object cannot be interpreted as an integer", base_value->type_name()));
    }
  }
  const std::int64_t base = base_value == nullptr ? 10 : integer_of(*base_value);
  if (base != 0 && (base < 2 || base > 36)) throw ValueError("int() base must be >= 2 and <= 36, or 0");
  if (is_integral(x)) return Value::make_int(integer_of(x));
  if (x.kind() == Kind::floating) {
    const double f = x.float_value();
    if (std::isnan(f)) throw ValueError("cannot convert float NaN to integer");
    if (std::isinf(f)) throw ValueError("cannot convert float infinity to integer");
    const double truncated = std::trunc(f);
    if (!(truncated >= -9223372036854775808.0 && truncated < 9223372036854775808.0)) {
      overflow(fmt::format("int({})", x.repr()));
    }
    return Value::make_int(static_cast<std::int64_t>(truncated));
  }
  if (x.kind() == Kind::string) {
    std::int64_t value = 0;
    bool too_large = false;
    if (!parse_python_int(x.string_value(), static_cast<int>(base), value, too_large)) {
      throw ValueError(fmt::format("invalid literal for int() with base {}: {}", base, x.repr()));
    }
    if (too_large) overflow(fmt::format("int({})", x.repr()));
    return Value::make_int(value);
  }
  throw TypeError(fmt::format(
      "int() argument must be a string, a bytes-like object or a real number, not '{}'", x.type_name()));
}

Value call_abs(const Call& call) {
  no_keywords(call, "abs");
  if (call.args.size() != 1) {
    throw TypeError(fmt::format("abs() takes exactly one argument ({} given)", call.args.size()));
  }
  const Value& x = call.args[0];
  if (x.kind() == Kind::floating) return Value::make_float(std::fabs(x.float_value()));
  if (is_integral(x)) {
    const std::int64_t i = integer_of(x);
    if (i == std::numeric_limits<std::int64_t>::min()) overflow(fmt::format("abs({})", i));
    return Value::make_int(i < 0 ? -i : i);
  }
  throw TypeError(fmt::format("bad operand type for abs(): '{}'", x.type_name()));
}

Value call_math_1(const Call& call, double (*function)(double), bool can_overflow) {
  no_keywords(call, call.callee);
  if (call.args.size() != 1) {
    throw TypeError(fmt::format("{}() takes exactly one argument ({} given)", call.callee, call.args.size()));
  }
  return Value::make_float(math_1(function, real_argument(call.args[0]), can_overflow));
}

Value call_math_log(const Call& call) {
  no_keywords(call, "log");
  if (call.args.empty() || call.args.size() > 2) throw TypeError("math.log requires 1 to 2 arguments");
  const double x = math_1(libm_log, real_argument(call.args[0]), false);
  if (call.args.size() == 1) return Value::make_float(x);
  const double base = math_1(libm_log, real_argument(call.args[1]), false);
  if (base == 0.0) throw ValueError("float division by zero");
  return Value::make_float(x / base);
}

Value call_math_pow(const Call& call) {
  no_keywords(call, "math.pow");
  if (call.args.size() != 2)
    throw TypeError(fmt::format("pow expected 2 arguments, got {}", call.args.size()));
  return Value::make_float(math_pow(real_argument(call.args[0]), real_argument(call.args[1])));
}

struct MathConstant {
  std::string_view name;
  double value;
};

// CPython's math module constants: Py_MATH_PI, Py_MATH_E, Py_MATH_TAU rounded to double, as <numbers> has
// them.
constexpr MathConstant kMathConstants[] = {
    {"pi", std::numbers::pi},
    {"e", std::numbers::e},
    {"tau", 2 * std::numbers::pi},
    {"inf", std::numeric_limits<double>::infinity()},
    {"nan", std::numeric_limits<double>::quiet_NaN()},
};

constexpr std::string_view kMathFunctions[] = {"sqrt", "exp", "log", "log2", "log10", "pow"};

}  // namespace

std::string_view operator_symbol(BinaryOperator op) {
  switch (op) {
    case BinaryOperator::add: return "+";
    case BinaryOperator::subtract: return "-";
    case BinaryOperator::multiply: return "*";
    case BinaryOperator::true_divide: return "/";
    case BinaryOperator::floor_divide: return "//";
    case BinaryOperator::modulo: return "%";
    case BinaryOperator::power: return "**";
  }
  return "?";
}

std::string_view operator_symbol(UnaryOperator op) {
  switch (op) {
    case UnaryOperator::plus: return "+";
    case UnaryOperator::minus: return "-";
    case UnaryOperator::invert: return "~";
  }
  return "?";
}

std::int64_t sequence_size(const Value& v) {
  if (v.kind() == Value::Kind::string) return static_cast<std::int64_t>(v.string_value().size());
  if (!v.is_sequence() && v.kind() != Value::Kind::dict) return 0;
  std::int64_t size = static_cast<std::int64_t>(v.items().size());
  for (const Value& item : v.items()) size += sequence_size(item);
  return size;
}

Value apply_binary(BinaryOperator op, const Value& left, const Value& right) {
  if (left.is_number() && right.is_number()) {
    if (left.kind() == Kind::floating || right.kind() == Kind::floating) {
      return float_binary(op, double_of(left), double_of(right));
    }
    return int_binary(op, integer_of(left), integer_of(right));
  }
  if (op == BinaryOperator::add && is_repeatable(left)) {
    if (left.kind() != right.kind()) {
      throw TypeError(fmt::format("can only concatenate {} (not \"{}\") to {}", left.type_name(),
                                  right.type_name(), left.type_name()));
    }
    return concatenate(left, right);
  }
  if (op == BinaryOperator::multiply) {
    if (is_repeatable(left)) return repeat(left, right);
    if (is_repeatable(right)) return repeat(right, left);
  }
  if (op == BinaryOperator::modulo && left.kind() == Kind::string) {
    throw ValueError("string formatting with '%' is not supported");
  }
  throw TypeError(fmt::format("unsupported operand type(s) for {}: '{}' and '{}'",
                              op == BinaryOperator::power ? "** or pow()" : operator_symbol(op),
                              left.type_name(), right.type_name()));
}

Value apply_unary(UnaryOperator op, const Value& operand) {
  if (operand.kind() == Kind::floating && op != UnaryOperator::invert) {
    return Value::make_float(op == UnaryOperator::minus ? -operand.float_value() : operand.float_value());
  }
  if (is_integral(operand)) {
    const std::int64_t i = integer_of(operand);
    switch (op) {
      case UnaryOperator::plus: return Value::make_int(i);
      case UnaryOperator::minus:
        if (i == std::numeric_limits<std::int64_t>::min()) overflow(fmt::format("-({})", i));
        return Value::make_int(-i);
      case UnaryOperator::invert: return Value::make_int(~i);
    }
  }
  throw TypeError(
      fmt::format("bad operand type for unary {}: '{}'", operator_symbol(op), operand.type_name()));
}

bool is_constant_function(std::string_view callee) {
  if (callee == "int" || callee == "float" || callee == "abs") return true;
  if (!callee.starts_with("math.")) return false;
  for (std::string_view f : kMathFunctions) {
    if (callee.substr(5) == f) return true;
  }
  return false;
}

Value call_constant_function(const Call& call) {
  const std::string_view callee = call.callee;
  if (callee == "float") return call_float(call);
  if (callee == "int") return call_int(call);
  if (callee == "abs") return call_abs(call);
  if (callee == "math.sqrt") return call_math_1(call, libm_sqrt, false);
  if (callee == "math.exp") return call_math_1(call, libm_exp, true);
  if (callee == "math.log2") return call_math_1(call, libm_log2, false);
  if (callee == "math.log10") return call_math_1(call, libm_log10, false);
  if (callee == "math.log") return call_math_log(call);
  if (callee == "math.pow") return call_math_pow(call);
  throw ValueError(fmt::format("'{}' is not a constant function", callee));
}

std::optional<Value> constant_name(std::string_view dotted) {
  if (!dotted.starts_with("math.")) return std::nullopt;
  const std::string_view attribute = dotted.substr(5);
  for (const MathConstant& constant : kMathConstants) {
    if (attribute == constant.name) return Value::make_float(constant.value);
  }
  for (std::string_view f : kMathFunctions) {
    if (attribute == f) return std::nullopt;
  }
  std::vector<std::string_view> known;
  for (const MathConstant& constant : kMathConstants) known.push_back(constant.name);
  for (std::string_view f : kMathFunctions) known.push_back(f);
  throw ValueError(
      fmt::format("module 'math' has no attribute '{}'{}", attribute, did_you_mean(attribute, known)));
}

}  // namespace nninit::lang
