#include "nninit/nn/python_repr.h"

#include <cassert>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <system_error>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace nninit::nn {

std::string python_float(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  // Shortest round-trip digits in scientific form, "d.ddde±x"; CPython's 'r' mode picks the same digits.
  char buffer[64];
  const auto [end, error] =
      std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  assert(error == std::errc());
  const std::string text(buffer, end);
  const std::size_t e = text.find('e');
  const bool negative = text[0] == '-';
  std::string digits;
  for (std::size_t i = negative ? 1 : 0; i < e; ++i) {
    if (text[i] != '.') digits += text[i];
  }
  const int exponent = std::atoi(text.c_str() + e + 1);
  std::string out = negative ? "-" : "";
  if (exponent < -4 || exponent >= 16) {
    out += digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    return out + fmt::format("e{}{:02d}", exponent < 0 ? '-' : '+', std::abs(exponent));
  }
  if (exponent < 0) return out + "0." + std::string(static_cast<std::size_t>(-exponent - 1), '0') + digits;
  const auto integral = static_cast<std::size_t>(exponent) + 1;
  if (digits.size() <= integral) return out + digits + std::string(integral - digits.size(), '0') + ".0";
  return out + digits.substr(0, integral) + "." + digits.substr(integral);
}

std::string python_bool(bool value) {
  return value ? "True" : "False";
}

std::string python_string(std::string_view text) {
  const bool has_single = text.find('\'') != std::string_view::npos;
  const bool has_double = text.find('"') != std::string_view::npos;
  const char quote = has_single && !has_double ? '"' : '\'';
  std::string out(1, quote);
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == quote || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (u < 0x20 || u == 0x7f) {
      out += fmt::format("\\x{:02x}", u);
    } else {
      out += c;  // UTF-8 bytes of printable characters pass through, as Python prints them
    }
  }
  return out + quote;
}

std::string python_tuple(std::span<const std::int64_t> values) {
  if (values.size() == 1) return fmt::format("({},)", values[0]);
  return fmt::format("({})", fmt::join(values, ", "));
}

std::string python_size(std::span<const std::int64_t> values) {
  return values.size() == 1 ? std::to_string(values[0]) : python_tuple(values);
}

std::string python_optional(const std::optional<double>& value) {
  return value ? python_float(*value) : "None";
}

std::string python_optional(const std::optional<std::int64_t>& value) {
  return value ? std::to_string(*value) : "None";
}

std::int64_t python_floor_divide(std::int64_t a, std::int64_t b) {
  assert(b != 0);
  const std::int64_t quotient = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? quotient - 1 : quotient;
}

}  // namespace nninit::nn
