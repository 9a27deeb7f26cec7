// Constant folding with Python's semantics: the arithmetic operators on ints, floats, bools, strings, tuples
// and lists, and the constant functions and values that initialization expressions use (`math.sqrt(5)`,
// `float('inf')`, `2**-1`). Results equal CPython 3.11's bit for bit: floats are IEEE doubles computed with
// the same libm calls and the same special cases CPython applies around them.
//
// Where nninit's 64-bit ints stop short of Python's unbounded ones (2**64), the result is an error, never
// a wrapped value. Errors carry Python's text; they are thrown as TypeError (Python's TypeError) or
// ValueError (Python's ValueError, ZeroDivisionError, OverflowError) without a location, which the parser
// adds (source.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "nninit/lang/value.h"

namespace nninit::lang {

enum class BinaryOperator { add, subtract, multiply, true_divide, floor_divide, modulo, power };
enum class UnaryOperator { plus, minus, invert };

// "+", "-", "*", "/", "//", "%", "**"
std::string_view operator_symbol(BinaryOperator op);
std::string_view operator_symbol(UnaryOperator op);

// What a value holds: a string's characters; a sequence's elements plus what each element holds (at every
// depth). A scalar holds nothing beyond its own slot, which its sequence counts. Repetition and
// concatenation are bounded by this size.
std::int64_t sequence_size(const Value& value);

// `left op right` as Python evaluates it; the result has an empty source range.
Value apply_binary(BinaryOperator op, const Value& left, const Value& right);
Value apply_unary(UnaryOperator op, const Value& operand);

// True for the callees that fold to a constant: int, float, abs, math.sqrt, math.exp, math.log, math.log2,
// math.log10, math.pow.
bool is_constant_function(std::string_view callee);

// The value of a call to a constant function; its arguments must be constants.
Value call_constant_function(const Call& call);

// math.pi, math.e, math.tau, math.inf, math.nan; nullopt for other names. A name `math.X` that is neither a
// constant nor a constant function throws Python's "module 'math' has no attribute 'X'".
std::optional<Value> constant_name(std::string_view dotted);

}  // namespace nninit::lang
