#include "nninit/lang/value.h"

#include <cassert>
#include <charconv>
#include <cmath>
#include <cstring>
#include <utility>

#include <fmt/format.h>

namespace nninit::lang {

Value Value::make_none(SourceRange range) {
  Value v;
  v.range_ = range;
  return v;
}

Value Value::make_bool(bool value, SourceRange range) {
  Value v;
  v.kind_ = Kind::boolean;
  v.bool_ = value;
  v.range_ = range;
  return v;
}

Value Value::make_int(std::int64_t value, SourceRange range) {
  Value v;
  v.kind_ = Kind::integer;
  v.int_ = value;
  v.range_ = range;
  return v;
}

Value Value::make_float(double value, SourceRange range) {
  Value v;
  v.kind_ = Kind::floating;
  v.float_ = value;
  v.range_ = range;
  return v;
}

Value Value::make_string(std::string value, SourceRange range) {
  Value v;
  v.kind_ = Kind::string;
  v.text_ = std::move(value);
  v.range_ = range;
  return v;
}

Value Value::make_tuple(std::vector<Value> items, SourceRange range) {
  Value v;
  v.kind_ = Kind::tuple;
  v.items_ = std::move(items);
  v.range_ = range;
  return v;
}

Value Value::make_list(std::vector<Value> items, SourceRange range) {
  Value v;
  v.kind_ = Kind::list;
  v.items_ = std::move(items);
  v.range_ = range;
  return v;
}

Value Value::make_dict(std::vector<Value> entries, SourceRange range) {
  Value v;
  v.kind_ = Kind::dict;
  v.items_ = std::move(entries);
  v.range_ = range;
  return v;
}

Value Value::make_call(Call call, SourceRange range) {
  Value v;
  v.kind_ = Kind::call;
  v.call_ = std::make_shared<const Call>(std::move(call));
  v.range_ = range;
  return v;
}

Value Value::make_name(std::string dotted, SourceRange range) {
  Value v;
  v.kind_ = Kind::name;
  v.text_ = std::move(dotted);
  v.range_ = range;
  return v;
}

bool Value::bool_value() const {
  assert(kind_ == Kind::boolean);
  return bool_;
}

std::int64_t Value::int_value() const {
  assert(kind_ == Kind::integer);
  return int_;
}

double Value::float_value() const {
  assert(kind_ == Kind::floating);
  return float_;
}

const std::string& Value::string_value() const {
  assert(kind_ == Kind::string);
  return text_;
}

const std::string& Value::name() const {
  assert(kind_ == Kind::name);
  return text_;
}

const std::vector<Value>& Value::items() const {
  assert(is_sequence() || kind_ == Kind::dict);
  return items_;
}

const Call& Value::call() const {
  assert(kind_ == Kind::call);
  return *call_;
}

namespace {

void append_items(std::string& out, const std::vector<Value>& items) {
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ", ";
    out += items[i].repr();
  }
}

}  // namespace

std::string Value::repr() const {
  switch (kind_) {
    case Kind::none: return "None";
    case Kind::boolean: return bool_ ? "True" : "False";
    case Kind::integer: return fmt::format("{}", int_);
    case Kind::floating: return python_float_repr(float_);
    case Kind::string: return python_string_repr(text_);
    case Kind::name: return text_;
    case Kind::tuple: {
      std::string out = "(";
      append_items(out, items_);
      if (items_.size() == 1) out += ",";
      return out + ")";
    }
    case Kind::list: {
      std::string out = "[";
      append_items(out, items_);
      return out + "]";
    }
    case Kind::dict: {
      std::string out = "{";
      for (std::size_t i = 0; i < items_.size(); ++i) {
        if (i > 0) out += ", ";
        out += items_[i].items_[0].repr() + ": " + items_[i].items_[1].repr();
      }
      return out + "}";
    }
    case Kind::call: {
      std::string out = call_->callee + "(";
      append_items(out, call_->args);
      for (std::size_t i = 0; i < call_->keywords.size(); ++i) {
        if (i > 0 || !call_->args.empty()) out += ", ";
        out += call_->keywords[i].name + "=" + call_->keywords[i].value.repr();
      }
      return out + ")";
    }
  }
  return "?";
}

std::string Value::type_name() const {
  if (kind_ == Kind::call) return std::string(call_->base_name());
  if (kind_ == Kind::name) {
    const std::size_t dot = text_.rfind('.');
    const char first = text_[dot == std::string::npos ? 0 : dot + 1];
    return first >= 'A' && first <= 'Z' ? "type" : "function";
  }
  return std::string(kind_type_name(kind_));
}

bool operator==(const Value& a, const Value& b) {
  if (a.kind_ != b.kind_) return false;
  switch (a.kind_) {
    case Value::Kind::none: return true;
    case Value::Kind::boolean: return a.bool_ == b.bool_;
    case Value::Kind::integer: return a.int_ == b.int_;
    case Value::Kind::floating: return std::memcmp(&a.float_, &b.float_, sizeof(double)) == 0;
    case Value::Kind::string:
    case Value::Kind::name: return a.text_ == b.text_;
    case Value::Kind::tuple:
    case Value::Kind::list:
    case Value::Kind::dict: return a.items_ == b.items_;
    case Value::Kind::call: return *a.call_ == *b.call_;
  }
  return false;
}

std::string_view Call::base_name() const {
  const std::size_t dot = callee.rfind('.');
  return dot == std::string::npos ? std::string_view(callee) : std::string_view(callee).substr(dot + 1);
}

const Value* Call::keyword(std::string_view name) const {
  for (const KeywordArgument& k : keywords) {
    if (k.name == name) return &k.value;
  }
  return nullptr;
}

std::string python_float_repr(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  // std::to_chars without a precision gives the shortest digits that round-trip, nearest to the exact value
  // when several are as short: the same digits as CPython's repr (David Gay's mode 0). Only the layout
  // differs, so take the digits and exponent from the scientific form and lay them out as CPython does.
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  const std::string_view text(buffer, static_cast<std::size_t>(result.ptr - buffer));
  const bool negative = text.front() == '-';
  const std::size_t e = text.find('e');
  std::string digits;
  for (char c : text.substr(negative ? 1 : 0, e - (negative ? 1 : 0))) {
    if (c != '.') digits += c;
  }
  int exponent = 0;
  const std::string_view exponent_text = text.substr(e + 1);
  std::from_chars(exponent_text.data() + (exponent_text.front() == '+' ? 1 : 0),
                  exponent_text.data() + exponent_text.size(), exponent);
  const int decimal_point = exponent + 1;  // digits before the decimal point, as CPython counts them
  const int n = static_cast<int>(digits.size());
  std::string out = negative ? "-" : "";
  if (decimal_point > -4 && decimal_point <= 16) {
    if (decimal_point <= 0) {
      out += "0." + std::string(static_cast<std::size_t>(-decimal_point), '0') + digits;
    } else if (decimal_point >= n) {
      out += digits + std::string(static_cast<std::size_t>(decimal_point - n), '0') + ".0";
    } else {
      out += digits.substr(0, static_cast<std::size_t>(decimal_point)) + "." +
             digits.substr(static_cast<std::size_t>(decimal_point));
    }
  } else {
    out += digits.substr(0, 1);
    if (n > 1) out += "." + digits.substr(1);
    out += fmt::format("e{}{:02d}", exponent < 0 ? '-' : '+', exponent < 0 ? -exponent : exponent);
  }
  return out;
}

std::string python_string_repr(std::string_view text) {
  const bool has_single = text.find('\'') != std::string_view::npos;
  const bool has_double = text.find('"') != std::string_view::npos;
  const char quote = has_single && !has_double ? '"' : '\'';
  std::string out(1, quote);
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == quote || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (byte < 0x20 || byte == 0x7f) {
      out += fmt::format("\\x{:02x}", byte);
    } else {
      out += c;
    }
  }
  out += quote;
  return out;
}

std::string_view kind_type_name(Value::Kind kind) {
  switch (kind) {
    case Value::Kind::none: return "NoneType";
    case Value::Kind::boolean: return "bool";
    case Value::Kind::integer: return "int";
    case Value::Kind::floating: return "float";
    case Value::Kind::string: return "str";
    case Value::Kind::tuple: return "tuple";
    case Value::Kind::list: return "list";
    case Value::Kind::dict: return "dict";
    case Value::Kind::call: return "call";
    case Value::Kind::name: return "name";
  }
  return "?";
}

}  // namespace nninit::lang
