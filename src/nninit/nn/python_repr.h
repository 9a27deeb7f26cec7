// Python's spelling of values, for extra_repr() and for error messages that quote an argument the way
// PyTorch's Python code formats it ("kernel_size=(3, 3)", "eps=1e-05", "bias=False").
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace nninit::nn {

// repr(float) of CPython 3: the shortest digits that round-trip, fixed notation for decimal exponents
// -4..15 (with ".0" when integral), scientific outside ("1e-05", "1e+16"); "inf", "-inf", "nan".
std::string python_float(double value);
std::string python_bool(bool value);  // "True" / "False"
// repr(str): single quotes unless the text holds a single quote and no double quote; backslash escapes
// for backslashes, the quote, and control characters.
std::string python_string(std::string_view text);
// A tuple of ints: "()", "(3,)", "(3, 5)".
std::string python_tuple(std::span<const std::int64_t> values);
// A size argument that PyTorch stores as given (pooling layers): one value prints as an int ("2"),
// several as a tuple ("(2, 3)").
std::string python_size(std::span<const std::int64_t> values);
// An optional value: its repr, or "None".
std::string python_optional(const std::optional<double>& value);
std::string python_optional(const std::optional<std::int64_t>& value);

// Python's a // b for ints (rounds towards negative infinity); b must not be 0.
std::int64_t python_floor_divide(std::int64_t a, std::int64_t b);

}  // namespace nninit::nn
