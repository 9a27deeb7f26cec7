// Python's argument binding for the calls in model and init expressions: a Signature describes a function as
// `def` would, bind() matches a Call against it, and failures raise TypeError in CPython 3.11's exact words:
//
//   Linear.__init__() missing 1 required positional argument: 'out_features'
//   Linear.__init__() takes from 3 to 6 positional arguments but 7 were given
//   kaiming_normal_() got an unexpected keyword argument 'mdoe' (did you mean 'mode'?)
//   kaiming_normal_() got multiple values for argument 'a'
//
// (The " (did you mean ...?)" suffix is nninit's, from suggest.h.) CPython counts `self` and, for init
// functions, the tensor among the positional arguments, though nninit's expressions leave both out;
// Signature::implicit_positional says how many such leading arguments the messages should count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nninit/core/error.h"
#include "nninit/lang/value.h"

namespace nninit::lang {

// Aggregates meant for designated initializers; every member has a default member initializer, so that
// leaving one out does not trip GCC's -Wmissing-field-initializers.
struct Parameter {
  std::string name{};
  std::optional<Value> default_value{};  // nullopt: required
  bool keyword_only = false;             // declared after `*` (or after *args)
  // When not empty, bind() refuses values of other kinds with "f() argument 'x' must be int or tuple, not
  // str". As in Python, where bool is a subclass of int, `integer` also admits bools.
  std::vector<Value::Kind> accepted_kinds{};
};

// Pieces for writing signatures as tables: required("in_features"), optional("bias", b(true)); the default
// values are short because the tables are full of them.
namespace declare {
inline Parameter required(std::string name) {
  return {.name = std::move(name)};
}
inline Parameter optional(std::string name, Value value) {
  return {.name = std::move(name), .default_value = std::move(value)};
}
inline Parameter keyword_only(std::string name, Value value) {
  return {.name = std::move(name), .default_value = std::move(value), .keyword_only = true};
}
inline Value i(std::int64_t v) {
  return Value::make_int(v);
}
inline Value f(double v) {
  return Value::make_float(v);
}
inline Value b(bool v) {
  return Value::make_bool(v);
}
inline Value s(std::string v) {
  return Value::make_string(std::move(v));
}
}  // namespace declare

struct Signature {
  std::string name{};  // as CPython names it in messages: "Linear.__init__", "kaiming_normal_"
  // Positional-or-keyword parameters (required ones before those with defaults), then keyword-only ones.
  std::vector<Parameter> parameters{};
  int implicit_positional = 0;   // leading positional arguments the expression omits: self, the tensor
  std::string var_positional{};  // the name of *args, or empty when there is none
  std::string var_keyword{};     // the name of **kwargs, or empty when there is none
};

// A binding failure: TypeError with CPython's message; `range` locates the offending argument in the
// expression's text (the callee for a missing argument), for a caret (source.h).
class BindError : public TypeError {
 public:
  BindError(const std::string& message, SourceRange range) : TypeError(message), range_(range) {}
  SourceRange range() const { return range_; }

 private:
  SourceRange range_;
};

// Whether a bool passes where a number is expected. Python says yes (True == 1, so PyTorch accepts
// Linear(True, 3)); a caller that prefers to catch that mistake says reject.
enum class BoolAsNumber { accept, reject };

class BoundArguments {
 public:
  const std::string& function() const { return function_; }

  // The value of a parameter, given or default. Asking for a name the signature lacks is a programming error.
  const Value& operator[](std::string_view name) const;
  // Whether the call passed the parameter (rather than leaving its default).
  bool given(std::string_view name) const;
  const std::vector<Value>& var_positional() const { return var_positional_; }
  const std::vector<KeywordArgument>& var_keyword() const { return var_keyword_; }

  // Typed access. Each throws BindError "f() argument 'x' must be int, not str" for a value of the wrong
  // type. An int converts to double exactly as Python's float(int) does; as_bool takes a bool or, as Python's
  // `if x:` would, an int. The optional variants return nullopt for None.
  std::int64_t as_int(std::string_view name, BoolAsNumber bools = BoolAsNumber::accept) const;
  double as_double(std::string_view name, BoolAsNumber bools = BoolAsNumber::accept) const;
  bool as_bool(std::string_view name) const;
  const std::string& as_string(std::string_view name) const;
  // An int, or a tuple or list of exactly `n` ints, as n ints: PyTorch's _pair/_triple (`kernel_size=3` is
  // (3, 3)). Unlike _pair, which passes any iterable through, a sequence of another length is an error.
  std::vector<std::int64_t> as_int_tuple(std::string_view name, std::size_t n) const;

  std::optional<std::int64_t> as_optional_int(std::string_view name,
                                              BoolAsNumber bools = BoolAsNumber::accept) const;
  std::optional<double> as_optional_double(std::string_view name,
                                           BoolAsNumber bools = BoolAsNumber::accept) const;
  std::optional<bool> as_optional_bool(std::string_view name) const;
  std::optional<std::string> as_optional_string(std::string_view name) const;
  std::optional<std::vector<std::int64_t>> as_optional_int_tuple(std::string_view name, std::size_t n) const;

 private:
  friend BoundArguments bind(const Signature& signature, const Call& call);
  struct Entry {
    std::string name;
    Value value;
    bool given = false;
  };
  const Entry& entry(std::string_view name) const;
  [[noreturn]] void wrong_type(const Entry& entry, std::string_view expected) const;

  std::string function_;
  std::vector<Entry> entries_;  // in the signature's order
  std::vector<Value> var_positional_;
  std::vector<KeywordArgument> var_keyword_;
};

// Binds `call`'s arguments to `signature`'s parameters as CPython binds a call to a Python function (the
// call's callee is not checked against the signature's name), filling in defaults. Throws BindError.
BoundArguments bind(const Signature& signature, const Call& call);

}  // namespace nninit::lang
