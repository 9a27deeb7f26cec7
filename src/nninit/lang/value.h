// The value of a parsed expression: what Python's eval() would produce for the literal part of a PyTorch
// constructor or init expression, with calls and names kept symbolic for the layers that know what they mean.
//
//   Linear(784, 256, bias=False)    Call{callee "Linear", args [784, 256], keywords [bias=False]}
//   nn.init.zeros_                  Name "nn.init.zeros_"
//   (3, 3)  [1, 2]  'fan_out'  .02  None  True  {'fc': Linear(2, 2)}
//
// Arithmetic and the math functions are folded while parsing (evaluate.h), so the leaves of a Value tree are
// literals, Calls and Names only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "nninit/lang/source.h"

namespace nninit::lang {

struct Call;

class Value {
 public:
  enum class Kind { none, boolean, integer, floating, string, tuple, list, dict, call, name };

  Value() = default;  // None

  static Value make_none(SourceRange range = {});
  static Value make_bool(bool value, SourceRange range = {});
  static Value make_int(std::int64_t value, SourceRange range = {});
  static Value make_float(double value, SourceRange range = {});
  static Value make_string(std::string value, SourceRange range = {});
  static Value make_tuple(std::vector<Value> items, SourceRange range = {});
  static Value make_list(std::vector<Value> items, SourceRange range = {});
  // A dict display: each item a (key, value) tuple, in insertion order, keys distinct.
  static Value make_dict(std::vector<Value> entries, SourceRange range = {});
  static Value make_call(Call call, SourceRange range = {});
  // A dotted name such as "zeros_", "nn.init.zeros_" or "ReLU".
  static Value make_name(std::string dotted, SourceRange range = {});

  Kind kind() const { return kind_; }
  bool is_none() const { return kind_ == Kind::none; }
  // bool, int or float: the kinds Python's arithmetic accepts (bool is a subclass of int in Python).
  bool is_number() const {
    return kind_ == Kind::boolean || kind_ == Kind::integer || kind_ == Kind::floating;
  }
  // tuple or list
  bool is_sequence() const { return kind_ == Kind::tuple || kind_ == Kind::list; }

  // Exact accessors; calling one for another kind is a programming error (assert).
  bool bool_value() const;
  std::int64_t int_value() const;
  double float_value() const;
  const std::string& string_value() const;
  const std::string& name() const;
  const std::vector<Value>& items() const;  // tuple or list; a dict's (key, value) tuples
  const Call& call() const;

  SourceRange range() const { return range_; }
  void set_range(SourceRange range) { range_ = range; }

  // Python's repr(): 'fan_out', (3, 3), (3,), [1, 2], {'a': 1}, None, True, 1e-05, 0.30000000000000004, inf;
  // calls and names print as written: nn.Linear(784, 256, bias=False).
  std::string repr() const;

  // The name of the Python type that eval() would produce, as Python's messages write it: 'int', 'NoneType',
  // 'str'; a call prints its callee's last component ('Linear'), since PyTorch's constructors return objects
  // of that class; a name prints 'type' when it starts with an uppercase letter and 'function' otherwise.
  std::string type_name() const;

  // Structural identity, ignoring source ranges. Unlike Python's ==, kinds must agree (1 != 1.0 != True)
  // and floats compare by bits (nan equals the same nan, 0.0 differs from -0.0).
  friend bool operator==(const Value& a, const Value& b);

 private:
  Kind kind_ = Kind::none;
  SourceRange range_;
  bool bool_ = false;
  std::int64_t int_ = 0;
  double float_ = 0.0;
  std::string text_;                  // string or name
  std::vector<Value> items_;          // tuple or list
  std::shared_ptr<const Call> call_;  // immutable, so copies share it
};

struct KeywordArgument {
  std::string name{};
  Value value{};
  SourceRange name_range{};
  friend bool operator==(const KeywordArgument& a, const KeywordArgument& b) {
    return a.name == b.name && a.value == b.value;
  }
};

struct Call {
  std::string callee{};  // dotted, as written: "nn.Linear", "torch.nn.init.trunc_normal_"
  SourceRange callee_range{};
  std::vector<Value> args{};
  std::vector<KeywordArgument> keywords{};  // in source order; names are distinct

  // The callee's last component: "Linear" for "torch.nn.Linear".
  std::string_view base_name() const;
  // The keyword argument of that name, or nullptr.
  const Value* keyword(std::string_view name) const;

  friend bool operator==(const Call& a, const Call& b) {
    return a.callee == b.callee && a.args == b.args && a.keywords == b.keywords;
  }
};

// Python's repr() of a float: the shortest string that reads back to the same double, in fixed notation for
// decimal exponents -4 through 15 (with ".0" when integral) and scientific otherwise: 1.0, 1e-05, 1e+16, inf.
std::string python_float_repr(double value);

// Python's repr() of a str: single quotes unless the text holds a ' and no ", escapes for \\, the quote, \t,
// \n, \r and other control characters (\x..); non-ASCII UTF-8 is kept as is.
std::string python_string_repr(std::string_view text);

// "int", "float", "str", ... for a kind, as Python's messages name the types.
std::string_view kind_type_name(Value::Kind kind);

}  // namespace nninit::lang
